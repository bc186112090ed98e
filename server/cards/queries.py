"""Reading cards (CONTRACT §8): a card with its history, lists in hand-over order, who still waits and why.

A card is in a user's scope when the unit holding it now lies in the user's subtree: a card still at the
province is not a cell officer's to see or hand over. The pending list goes by the member's unit instead
(the members of a subtree, whatever happened to their card). Every list is a fixed number of queries,
whatever its length.
"""
from __future__ import annotations

from sqlalchemy import case, select

from server.extensions import db
from server.models import Member, Unit, User
from server.scope import subtree_unit_ids, unit_in_scope

from .models import Card, CardEvent

PENDING_REASONS = ("not_printed", "in_transit", "at_unit", "missing", "damaged")
PRIORITY_ORDER = case((Member.priority == "veteran", 0), (Member.priority == "former_central_committee", 1),
                      else_=2)


def card_in_scope(user: User):
    """The condition that a card lies in `user`'s scope (held by a unit of their subtree)."""
    return Card.unit_id.in_(subtree_unit_ids(user.unit))


def _codes(unit_ids) -> dict[int, str]:
    ids = set(unit_ids)
    return dict(db.session.execute(select(Unit.id, Unit.code).where(Unit.id.in_(ids))).all()) if ids else {}


def history(card_ids: list[int]) -> dict[int, list[dict]]:
    """{card id: [step, …]} oldest first, in one query (the steps are never changed, only added)."""
    out: dict[int, list[dict]] = {card_id: [] for card_id in card_ids}
    if not card_ids:
        return out
    rows = db.session.execute(select(CardEvent.card_id, CardEvent.status, CardEvent.unit_id, User.username,
                                     CardEvent.at, CardEvent.note)
                              .outerjoin(User, User.id == CardEvent.by_id)
                              .where(CardEvent.card_id.in_(card_ids)).order_by(CardEvent.id)).all()
    codes = _codes(row.unit_id for row in rows)
    for row in rows:
        out[row.card_id].append({"status": row.status, "unit_code": codes.get(row.unit_id), "by": row.username,
                                 "at": row.at, "note": row.note})
    return out


def describe(cards: list[Card], with_history: bool = True) -> list[dict]:
    """CARD objects (CONTRACT §8) for `cards`, in their order."""
    codes = _codes(card.unit_id for card in cards)
    steps = history([card.id for card in cards]) if with_history else {}
    return [{"card_number": card.card_number, "member_id": card.member_id, "batch_code": card.batch_code,
             "unit_code": codes.get(card.unit_id), "status": card.status, "handed_over_at": card.handed_over_at,
             "history": steps.get(card.id, [])} for card in cards]


def get_card(user: User, card_number: str) -> Card | None:
    """The card with this number if the caller's scope holds it, else None (another unit's card is no card)."""
    if not isinstance(card_number, str) or len(card_number) > 64:
        return None
    return db.session.scalar(select(Card).where(Card.card_number == card_number, card_in_scope(user)))


def list_cards(user: User, unit_code: str | None, status: str | None) -> list[Card]:
    """Cards held in the unit's subtree, in hand-over order: veterans, former CC members, the others;
    within each, by the member's cell and name."""
    unit = unit_in_scope(unit_code, user) if unit_code else user.unit
    cell = Unit.__table__.alias("cell")
    stmt = (select(Card).join(Member, Member.id == Card.member_id).join(cell, cell.c.id == Member.unit_id)
            .where(Card.unit_id.in_(subtree_unit_ids(unit)))
            .order_by(PRIORITY_ORDER, cell.c.code, Member.name_key, Member.id))
    if status:
        stmt = stmt.where(Card.status == status)
    return list(db.session.scalars(stmt))


def pending(user: User, unit_code: str | None) -> list[dict]:
    """Every live member of the unit's subtree without a handed-over card, with why: one query."""
    unit = unit_in_scope(unit_code, user) if unit_code else user.unit
    rows = db.session.execute(
        select(Member.id, Card.status)
        .outerjoin(Card, (Card.member_id == Member.id) & (Card.status != "void"))
        .where(Member.unit_id.in_(subtree_unit_ids(unit)), Member.removed_at.is_(None),
               (Card.status.is_(None)) | (Card.status != "handed_over"))
        .order_by(Member.id))
    return [{"member_id": member_id, "reason": status or "not_printed"} for member_id, status in rows]
