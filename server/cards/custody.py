"""Consignments (CONTRACT §8): cards sent one step down the tree and the receiver's receipt.

Every change of a card's status is a conditional UPDATE (`WHERE status = …`) whose row count must match,
so two admins sending the same cards at once cannot both succeed, and each change adds one history step.
A receipt accounts for every card of the consignment exactly once; sending the same receipt again answers
as the first time did (a retry is safe), a different one is a conflict. Sending the same cards again while they
are on their way answers the consignment the first send made. Never answers HTTP.
"""
from __future__ import annotations

from sqlalchemy import insert, select, update

from server import audit
from server.errors import Conflict, DomainError, NotFound
from server.extensions import db
from server.models import Member, Unit, User, utcnow
from server.scope import MAX_ID, require_role, subtree_unit_ids, unit_in_scope

from .models import Card, CardEvent, Consignment, ConsignmentCard
from .queries import card_in_scope

OUTCOMES = {"received": "at_unit", "missing": "missing", "damaged": "damaged"}


def _fault(code: str, number: str) -> dict:
    return {"code": code, "params": {"card_number": number}}


def _events(rows: list[dict]) -> None:
    if rows:
        db.session.execute(insert(CardEvent), rows)


def send(user: User, to_unit_code: str, card_numbers: list[str], note: str = "") -> Consignment:
    """Send cards held in the sender's scope to `to_unit` (which must hold each card's member, below the card)."""
    require_role(user, "unit_admin")
    to_unit = unit_in_scope(to_unit_code, user)
    numbers = list(dict.fromkeys(card_numbers))
    rows = {row.card_number: row for row in db.session.execute(
        select(Card.id, Card.card_number, Card.status, Card.unit_id, Unit.path.label("at_path"),
               Member.unit_id.label("member_unit"))
        .join(Unit, Unit.id == Card.unit_id).join(Member, Member.id == Card.member_id)
        .where(Card.card_number.in_(numbers), card_in_scope(user)))}
    inside = set(db.session.scalars(subtree_unit_ids(to_unit)))
    faults = []
    for number in numbers:
        row = rows.get(number)
        if row is None or row.status != "at_unit":
            faults.append(_fault("card_not_here", number))
        elif row.member_unit not in inside:
            faults.append(_fault("card_member_outside", number))
        elif not to_unit.path.startswith(row.at_path) or to_unit.path == row.at_path:
            faults.append(_fault("card_not_below", number))
    if faults:
        resent = _resent(user, to_unit, numbers, rows, note)
        if resent is not None:  # the first send went through and its answer was lost: answered as it was
            return resent
        raise DomainError("Some cards cannot be sent to this unit.", code="cards_not_sendable", status=422,
                          fields={"card_numbers": faults})
    held = {rows[number].unit_id for number in numbers}
    from_unit_id = held.pop() if len(held) == 1 else user.unit_id
    now = utcnow()
    consignment = Consignment(from_unit_id=from_unit_id, to_unit_id=to_unit.id, status="sent", sent_at=now,
                              sent_by_id=user.id, note=note or "")
    db.session.add(consignment)
    db.session.flush()
    ids = [rows[number].id for number in numbers]
    moved = db.session.execute(update(Card).where(Card.id.in_(ids), Card.status == "at_unit")
                               .values(status="in_transit", updated_at=now)
                               .execution_options(synchronize_session=False)).rowcount
    if moved != len(ids):  # another request moved some of them since we read them
        db.session.rollback()
        raise Conflict("Some of these cards were moved meanwhile; reload and try again.", code="cards_changed")
    db.session.execute(insert(ConsignmentCard), [{"consignment_id": consignment.id, "card_id": i} for i in ids])
    _events([{"card_id": rows[n].id, "status": "in_transit", "unit_id": rows[n].unit_id, "by_id": user.id,
              "at": now, "note": f"sent to {to_unit.code} (consignment {consignment.id})"} for n in numbers])
    audit.record("card.consignment_sent", user=user, object_type="card_consignment", object_id=consignment.id,
                 unit_id=to_unit.id, outcome="sent", cards=len(ids))
    db.session.commit()
    return consignment


def _resent(user: User, to_unit: Unit, numbers: list[str], rows: dict, note: str) -> Consignment | None:
    """The consignment this very request made before, if it is still on its way with exactly these cards: a
    second click or a retry after a lost answer, which otherwise read as `card_not_here` for every card."""
    if any(rows.get(number) is None or rows[number].status != "in_transit" for number in numbers):
        return None
    ids = {rows[number].id for number in numbers}
    held = db.session.execute(select(ConsignmentCard.consignment_id, ConsignmentCard.card_id).join(
        Consignment, Consignment.id == ConsignmentCard.consignment_id).where(
        Consignment.status == "sent", Consignment.id.in_(select(ConsignmentCard.consignment_id).where(
            ConsignmentCard.card_id.in_(ids))))).all()
    if len({consignment_id for consignment_id, _ in held}) != 1 or {card for _, card in held} != ids:
        return None
    found = db.session.get(Consignment, held[0][0])
    same = (found.to_unit_id, found.sent_by_id, found.note or "") == (to_unit.id, user.id, note or "")
    return found if same else None


def get_consignment(user: User, consignment_id: int) -> Consignment:
    """A consignment whose sending or receiving unit lies in the caller's scope, else NotFound."""
    if not isinstance(consignment_id, int) or not 0 < consignment_id <= MAX_ID:
        raise NotFound()
    units = subtree_unit_ids(user.unit)
    found = db.session.scalar(select(Consignment).where(
        Consignment.id == consignment_id,
        Consignment.from_unit_id.in_(units) | Consignment.to_unit_id.in_(units)))
    if found is None:
        raise NotFound()
    return found


def consignment_cards(consignment: Consignment) -> list[tuple]:
    """(card id, card number, outcome, member id) of each card of the consignment, by card number."""
    return db.session.execute(
        select(Card.id, Card.card_number, ConsignmentCard.outcome, Card.member_id)
        .join(ConsignmentCard, ConsignmentCard.card_id == Card.id)
        .where(ConsignmentCard.consignment_id == consignment.id).order_by(Card.card_number)).all()


def describe(consignment: Consignment) -> dict:
    cards = consignment_cards(consignment)
    codes = dict(db.session.execute(select(Unit.id, Unit.code).where(
        Unit.id.in_([consignment.from_unit_id, consignment.to_unit_id]))).all())
    counts = {name: sum(1 for card in cards if card.outcome == name) for name in OUTCOMES}
    return {"id": consignment.id, "from_unit": codes[consignment.from_unit_id],
            "to_unit": codes[consignment.to_unit_id], "card_numbers": [card.card_number for card in cards],
            "status": consignment.status, "sent_at": consignment.sent_at,
            "sent_by": db.session.scalar(select(User.username).where(User.id == consignment.sent_by_id)),
            "received_at": consignment.received_at,
            "counts": counts if consignment.status == "received" else None,
            **({name: [c.card_number for c in cards if c.outcome == name] for name in OUTCOMES}
               if consignment.status == "received" else {})}


def receive(user: User, consignment_id: int, lists: dict[str, list[str]]) -> Consignment:
    """Record what arrived: every card of the consignment in exactly one of received, missing, damaged."""
    require_role(user, "team_lead")
    consignment = get_consignment(user, consignment_id)
    to_unit = db.session.get(Unit, consignment.to_unit_id)
    if not to_unit.path.startswith(user.unit.path):
        raise NotFound()  # the sender sees the consignment, but only the receiving side signs for it
    cards = {card.card_number: card for card in consignment_cards(consignment)}
    said = {}
    faults = []
    for name in OUTCOMES:
        for number in lists.get(name) or []:
            if number in said:
                faults.append(_fault("listed_twice", number))
            elif number not in cards:
                faults.append(_fault("not_in_consignment", number))
            said[number] = name
    faults += [_fault("not_accounted_for", number) for number in cards if number not in said]
    if faults:
        raise DomainError("The receipt must list every card of the consignment exactly once.",
                          code="receipt_incomplete", status=422, fields={"card_numbers": faults})
    if consignment.status == "received":
        if all(cards[number].outcome == name for number, name in said.items()):
            return consignment  # the same receipt again: a retry
        raise Conflict("This consignment was already received with another receipt.",
                       code="consignment_received")
    now = utcnow()
    taken = db.session.execute(update(Consignment).where(Consignment.id == consignment.id,
                                                         Consignment.status == "sent")
                               .values(status="received", received_at=now, received_by_id=user.id)
                               .execution_options(synchronize_session=False)).rowcount
    if taken != 1:
        db.session.rollback()
        raise Conflict("This consignment was received meanwhile.", code="consignment_received")
    events = []
    for name, status in OUTCOMES.items():
        ids = [cards[number].id for number, said_name in said.items() if said_name == name]
        if not ids:
            continue
        db.session.execute(update(ConsignmentCard).where(ConsignmentCard.consignment_id == consignment.id,
                                                         ConsignmentCard.card_id.in_(ids))
                           .values(outcome=name).execution_options(synchronize_session=False))
        changed = db.session.scalars(update(Card).where(Card.id.in_(ids), Card.status == "in_transit")
                                     .values(status=status, unit_id=to_unit.id, updated_at=now)
                                     .returning(Card.id).execution_options(synchronize_session=False)).all()
        events += [{"card_id": card_id, "status": status, "unit_id": to_unit.id, "by_id": user.id, "at": now,
                    "note": f"{name} (consignment {consignment.id})"} for card_id in changed]
    _events(events)
    audit.record("card.consignment_received", user=user, object_type="card_consignment",
                 object_id=consignment.id, unit_id=to_unit.id, outcome="received",
                 **{name: sum(1 for n in said.values() if n == name) for name in OUTCOMES})
    db.session.commit()
    db.session.refresh(consignment)
    return consignment

