"""Print notices from tablets: each accepted once, a resend a duplicate, in its own transaction.

The rules of records and hand-overs (offline_queue.ingest, server.cards.handovers): the client_id is the key and
the canonical content hash tells a resend (`duplicate`) from a reused id (`client_id_reused`); a replay from
outside the scope learns nothing. A print is a fact: a notice is never refused for what the officer cannot
change afterwards. A member no longer in the officer's scope (moved to another cell since the tablet's roster)
is audited at the officer's unit without the member; a tablet clock ahead of the server, or reset to before 2020,
is kept as sent and flagged. Only a notice that is not one (no client_id, no time, unknown keys) is refused.
"""
from __future__ import annotations

from datetime import timedelta

from marshmallow import RAISE, Schema, ValidationError
from sqlalchemy import select

from offline_queue.ingest import Batch, echo
from offline_queue.item_fields import CapturedAt, ClientId, Id, coded
from offline_queue.queued_items import each_alone, yours
from offline_queue.validation import EARLIEST_CAPTURE, flatten
from server import audit
from server.extensions import db
from server.models import Member, User, utcnow
from server.scope import in_scope

from .models import FormPrint


class PrintItemSchema(Schema):
    """One notice as the tablet sends it; unknown keys are refused (`unknown_field`)."""

    client_id = ClientId(required=True)
    member_id = Id(allow_none=True, load_default=None, metadata={"description": "the roster member, if any"})
    record_client_id = ClientId(allow_none=True, load_default=None,
                                metadata={"description": "the client_id of the record the form was printed from"})
    printed_at = CapturedAt(required=True)

    class Meta:
        unknown = RAISE

    error_messages = {"unknown": coded("unknown_field"), "type": coded("invalid_type")}


_schema = PrintItemSchema()


def ingest_prints(user: User, device_id: str, items: list, *, tolerance_seconds: int) -> list[dict]:
    """Each notice in its own transaction; one result per item, in order."""
    batch = Batch(user.id, device_id, utcnow(), tolerance_seconds)
    return [each_alone(batch, raw, _process) for raw in items]


def _result(raw, outcome, errors=None) -> dict:
    return {"client_id": echo(raw), "outcome": outcome, "errors": errors or []}


def _prior(key):
    return db.session.execute(select(FormPrint.id, FormPrint.content_hash, FormPrint.user_id, FormPrint.unit_id)
                              .where(FormPrint.client_id == key)).one_or_none()


def _reject(batch: Batch, raw, key, errors) -> dict:
    audit.record("form.print_rejected", user=batch.user_id, object_type="form_print", object_id=None,
                 unit_id=batch.user.unit_id, device_id=batch.device_id, outcome="rejected", client_id=key,
                 codes=sorted({e["code"] for e in errors}))
    return _result(raw, "rejected", errors)


def _answer_prior(batch: Batch, raw, key, digest, prior) -> dict:
    if prior.content_hash != digest or not yours(batch, prior):
        return _reject(batch, raw, key, [{"field": "client_id", "code": "client_id_reused", "params": {}}])
    return _result(raw, "duplicate")  # audited once, when it was stored


def _process(batch: Batch, raw, key, digest) -> dict:
    prior = _prior(key) if key is not None else None
    if prior is not None and yours(batch, prior):
        return _answer_prior(batch, raw, key, digest, prior)
    if not isinstance(raw, dict):
        return _reject(batch, raw, key, [{"field": None, "code": "invalid_type", "params": {}}])
    try:
        data = _schema.load(raw)
    except ValidationError as error:
        return _reject(batch, raw, key, flatten(error.messages))
    if prior is not None:  # a valid notice whose client_id a print outside the caller's scope holds
        return _answer_prior(batch, raw, key, digest, prior)
    return _accept(batch, raw, key, digest, data)


def _accept(batch: Batch, raw, key, digest, data) -> dict:
    user = batch.user
    member = None
    if data["member_id"] is not None and 0 < data["member_id"] < 2**31:
        member = db.session.scalar(in_scope(select(Member).where(Member.id == data["member_id"]), Member, user))
    ahead = data["printed_at"] > batch.now + timedelta(seconds=batch.tolerance_seconds)
    row = FormPrint(client_id=key, content_hash=digest, user_id=user.id,
                    unit_id=member.unit_id if member is not None else user.unit_id,
                    member_id=member.id if member is not None else None, record_client_id=data["record_client_id"],
                    device_id=batch.device_id, printed_at=data["printed_at"], received_at=utcnow())
    db.session.add(row)
    db.session.flush()  # the unique client_id speaks here
    detail = {"client_id": key, "record_client_id": data["record_client_id"],
              "printed_at": data["printed_at"].isoformat()}
    if member is None and data["member_id"] is not None:
        detail["member_out_of_scope"] = True  # moved, removed from the roster or never in it: not named here
    if ahead:
        detail["device_clock_ahead"] = True
    elif data["printed_at"] < EARLIEST_CAPTURE:  # a clock reset to 1970: kept as a fact, but not a date to trust
        detail["device_clock_behind"] = True
    audit.record("form.print", user=user.id, object_type="member" if member is not None else "form_print",
                 object_id=member.id if member is not None else row.id, unit_id=row.unit_id,
                 device_id=batch.device_id, outcome="printed", **detail)
    return _result(raw, "accepted")  # the id as sent: the tablet matches answers to its notices by it
