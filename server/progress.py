"""Collection progress of a unit and its children, counted in members (CONTRACT §5 Progress).

target = live members of the subtree; collected = those with at least one accepted submission;
verified = those with at least one verified submission; needs_review = collected − verified.
Counts come from the per-unit counters (server.dashboard.tallies, kept in the transaction of every change),
one row per unit of the subtree, added up to the children here.
"""
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select

from .dashboard import tallies
from .extensions import db
from .models import Unit, User
from .scope import subtree_unit_ids, unit_in_scope

COUNTS = 6  # target, collected, verified, booked, cards printed, cards handed over (per unit, then summed)


def percent(collected: int, target: int) -> float:
    """collected/target×100, one decimal, halves rounded up (12.25 → 12.3); 0 when there is no target."""
    if not target:
        return 0.0
    return float((Decimal(collected * 100) / Decimal(target)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _counts(unit: Unit) -> dict[int | None, list[int]]:
    """{child id (None: members directly in `unit`): [target, collected, verified, booked, cards printed, handed over]}.

    The counters of each unit of the subtree (one row per unit with members) are rolled up to the child whose
    path prefixes the unit's own, from the subtree's paths."""
    per_unit = tallies.per_unit(subtree_unit_ids(unit))
    paths = dict(db.session.execute(select(Unit.id, Unit.path).where(
        Unit.path.startswith(unit.path, autoescape=True))).all())
    totals: dict[int | None, list[int]] = {}
    for unit_id, *counts in per_unit:
        rest = paths[unit_id][len(unit.path):]  # "/1/4/" under "/1/" → "4/": the child is the first step
        child = int(rest.split("/", 1)[0]) if rest else None
        sums = totals.setdefault(child, [0] * len(counts))
        for i, value in enumerate(counts):
            sums[i] += int(value or 0)
    return totals


def _entry(unit, target: int, collected: int, verified: int, booked: int = 0, cards_printed: int = 0,
           cards_handed_over: int = 0) -> dict:
    return {"unit": {"code": unit.code, "name": unit.name, "kind": unit.kind}, "target": target,
            "collected": collected, "verified": verified, "needs_review": collected - verified,
            "percent": percent(collected, target), "booked": booked,
            "cards_printed": cards_printed, "cards_handed_over": cards_handed_over}


def progress(user: User, code: str | None = None) -> dict:
    """Progress of the unit `code` (default: the caller's own) and of each of its children, in scope."""
    unit = unit_in_scope(code, user) if code else user.unit
    counts = _counts(unit)
    totals = [sum(values[i] for values in counts.values()) for i in range(COUNTS)]
    children = db.session.execute(select(Unit.id, Unit.code, Unit.name, Unit.kind)
                                  .where(Unit.parent_id == unit.id).order_by(Unit.code)).all()
    body = _entry(unit, *totals)
    body["children"] = [_entry(c, *counts.get(c.id, [0] * COUNTS)) for c in children]
    return body
