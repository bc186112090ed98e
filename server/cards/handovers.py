"""Hand-overs from tablets (CONTRACT §8): each item accepted, a duplicate or rejected, in its own transaction.

The same rules as submissions (offline_queue.ingest): the client_id is the key, the canonical content hash
decides duplicate vs `client_id_reused`, a replay from outside the scope learns nothing. A card is handed
over once: the UPDATE is conditional on `status = 'at_unit'` and `card_handovers.card_id` is unique, so two
tablets handing over one card at the same moment end with exactly one accepted and the other told
`already_handed_over`. This module must never answer before an accepted item is committed.
"""
from __future__ import annotations

from datetime import timedelta

from marshmallow import RAISE, Schema, ValidationError, validates_schema
from sqlalchemy import select, update

from offline_queue.ingest import Batch, echo  # what every item of one request shares, as for records
from offline_queue.item_fields import CapturedAt, Choice, ClientId, Id, Text, coded
from offline_queue.queued_items import each_alone, yours
from offline_queue.validation import EARLIEST_CAPTURE, flatten
from server import audit
from server.dashboard import tallies
from server.extensions import db
from server.models import Member, User, utcnow

from .models import ID_CHECKS, RECIPIENTS, Card, CardEvent, CardHandover
from .queries import card_in_scope


class HandoverItemSchema(Schema):
    """One hand-over as the tablet sends it; unknown keys are refused (`unknown_field`)."""

    client_id = ClientId(required=True)
    card_number = Text(64, required=True)
    member_id = Id(required=True)
    handed_at = CapturedAt(required=True)
    recipient = Choice(RECIPIENTS, required=True)
    proxy_name = Text(255, allow_none=True, load_default=None)
    id_check = Choice(ID_CHECKS, required=True)
    note = Text(1000, allow_none=True, load_default=None)

    class Meta:
        unknown = RAISE

    error_messages = {"unknown": coded("unknown_field"), "type": coded("invalid_type")}

    @validates_schema
    def _proxy_named(self, data, **kwargs):
        if data.get("recipient") == "proxy" and not data.get("proxy_name"):
            raise ValidationError(coded("required"), "proxy_name")


_schema = HandoverItemSchema()


def ingest_handovers(user: User, device_id: str, items: list, *, tolerance_seconds: int) -> list[dict]:
    """Each item in its own transaction; one result per item, in order."""
    batch = Batch(user.id, device_id, utcnow(), tolerance_seconds)
    return [each_alone(batch, raw, _process) for raw in items]


def _result(raw, outcome, handover_id=None, errors=None) -> dict:
    return {"client_id": echo(raw), "outcome": outcome, "handover_id": handover_id,
            "status": "handed_over" if outcome != "rejected" else None, "errors": errors or []}


def _prior(key):
    return db.session.execute(select(CardHandover.id, CardHandover.content_hash, CardHandover.user_id,
                                     CardHandover.unit_id).where(CardHandover.client_id == key)).one_or_none()


def _reject(batch: Batch, raw, key, errors, unit_id=None) -> dict:
    audit.record("card.handover_rejected", user=batch.user_id, object_type="card_handover", object_id=None,
                 unit_id=unit_id if unit_id is not None else batch.user.unit_id, device_id=batch.device_id,
                 outcome="rejected", client_id=key, codes=sorted({e["code"] for e in errors}))
    return _result(raw, "rejected", errors=errors)


def _answer_prior(batch, raw, key, digest, prior) -> dict:
    if prior.content_hash != digest or not yours(batch, prior):
        return _reject(batch, raw, key, [{"field": "client_id", "code": "client_id_reused", "params": {}}])
    audit.record("card.handover_duplicate", user=batch.user_id, object_type="card_handover",
                 object_id=prior.id, unit_id=prior.unit_id, device_id=batch.device_id, outcome="duplicate",
                 client_id=key)
    return _result(raw, "duplicate", prior.id)


def _process(batch: Batch, raw, key, digest) -> dict:
    prior = _prior(key) if key is not None else None
    if prior is not None and yours(batch, prior):
        return _answer_prior(batch, raw, key, digest, prior)
    if not isinstance(raw, dict):
        return _reject(batch, raw, key, [{"field": None, "code": "invalid_type", "params": {}}])
    try:
        data, errors = _schema.load(raw), []
    except ValidationError as error:
        data, errors = error.valid_data or {}, flatten(error.messages)
    handed = data.get("handed_at")
    if handed and handed > batch.now + timedelta(seconds=batch.tolerance_seconds):
        errors.append({"field": "handed_at", "code": "handed_in_future",
                       "params": {"tolerance_seconds": batch.tolerance_seconds}})
    elif handed and handed < EARLIEST_CAPTURE:  # a tablet clock reset to 1970: as for records, not a date to keep
        errors.append({"field": "handed_at", "code": "date_out_of_range",
                       "params": {"min": EARLIEST_CAPTURE.date().isoformat()}})
    card = None
    if data.get("card_number"):
        card = db.session.scalar(select(Card).where(Card.card_number == data["card_number"],
                                                    card_in_scope(batch.user)))
        if card is None or card.status not in ("at_unit", "handed_over"):
            errors.append({"field": "card_number", "code": "card_not_here", "params": {}})
        elif card.status == "handed_over":
            errors.append({"field": "card_number", "code": "already_handed_over", "params": {}})
        elif data.get("member_id") is not None and data["member_id"] != card.member_id:
            errors.append({"field": "member_id", "code": "card_member_mismatch", "params": {}})
    if errors:
        return _reject(batch, raw, key, errors, card.unit_id if card is not None else None)
    if prior is not None:  # a valid item whose client_id a hand-over outside the caller's scope holds
        return _answer_prior(batch, raw, key, digest, prior)
    return _accept(batch, raw, key, digest, data, card)


def _accept(batch: Batch, raw, key, digest, data, card: Card) -> dict:
    now = utcnow()
    handover = CardHandover(client_id=key, content_hash=digest, card_id=card.id, member_id=card.member_id,
                            unit_id=card.unit_id, user_id=batch.user_id, device_id=batch.device_id,
                            handed_at=data["handed_at"], received_at=now, recipient=data["recipient"],
                            proxy_name=data.get("proxy_name") if data["recipient"] == "proxy" else None,
                            id_check=data["id_check"], note=data.get("note") or "")
    db.session.add(handover)
    db.session.flush()  # unique client_id and card_id speak here
    moved = db.session.execute(update(Card).where(Card.id == card.id, Card.status == "at_unit")
                               .values(status="handed_over", handed_over_at=data["handed_at"], updated_at=now)
                               .execution_options(synchronize_session=False)).rowcount
    if moved != 1:  # handed over (or moved) by someone else since we read it
        db.session.rollback()
        return _process(batch, raw, key, digest)
    tallies.touch([card.member_id])  # a Core update the ORM does not see: the handed-over counter
    who = "proxy" if data["recipient"] == "proxy" else "member"
    db.session.add(CardEvent(card_id=card.id, status="handed_over", unit_id=card.unit_id, by_id=batch.user_id,
                             at=data["handed_at"], note=f"handed to the {who}; identity: {data['id_check']}"))
    db.session.execute(update(Member).where(Member.id == card.member_id)
                       .values(card_handed_over_at=data["handed_at"]).execution_options(synchronize_session=False))
    audit.record("card.handed_over", user=batch.user_id, object_type="card_handover", object_id=handover.id,
                 unit_id=card.unit_id, device_id=batch.device_id, outcome="accepted", client_id=key,
                 recipient=data["recipient"], id_check=data["id_check"])
    return _result(raw, "accepted", handover.id)
