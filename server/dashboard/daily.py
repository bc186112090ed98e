"""Reading the daily aggregate (kept by server.dashboard.tallies in the transaction of every change, so it never
drifts from the submissions it counts), the rate, the projected finish, deadlines and records on tablets."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from server.extensions import db
from server.models import DeviceReport, Unit, User
from server.scope import subtree_unit_ids, unit_in_scope

from .models import CollectedDaily, UnitDeadline, UnitTally
from .recount import rebuild  # noqa: F401  (`fieldkit rebuild-daily` and the tests find it here)
from .tallies import vietnam_day

RATE_DAYS = 7
QUEUE_KEYS = ("queued", "sending", "needs_fix", "waiting")


def deadline_for(unit: Unit) -> date | None:
    """The unit's own deadline, else the nearest one set above it."""
    ids = [int(part) for part in unit.path.strip("/").split("/") if part]
    rows = dict(db.session.execute(select(UnitDeadline.unit_id, UnitDeadline.deadline)
                                   .where(UnitDeadline.unit_id.in_(ids))).all())
    return next((rows[i] for i in reversed(ids) if i in rows), None)


def set_deadline(user: User, code: str, deadline: date | None) -> Unit:
    unit = unit_in_scope(code, user)
    if deadline is None:  # a statement, not session.delete: a concurrent clear may have removed the row already
        db.session.execute(delete(UnitDeadline).where(UnitDeadline.unit_id == unit.id))
        return unit
    row = db.session.get(UnitDeadline, unit.id)
    if row is not None:
        row.deadline = deadline
        return unit
    db.session.add(UnitDeadline(unit_id=unit.id, deadline=deadline))
    try:
        db.session.flush()
    except IntegrityError:  # a concurrent PUT set the unit's first deadline meanwhile: this later one replaces it
        db.session.rollback()
        db.session.get(UnitDeadline, unit.id).deadline = deadline
    return unit


def daily(user: User, code: str | None = None, today: date | None = None) -> dict:
    """Collections per day over the unit's subtree, the last 7 days' rate, the projected finish and the deadline."""
    unit = unit_in_scope(code, user) if code else user.unit
    today = today or vietnam_day(datetime.now(timezone.utc))
    total = func.sum(CollectedDaily.collected)
    days = db.session.execute(select(CollectedDaily.day, total)
                              .where(CollectedDaily.unit_id.in_(subtree_unit_ids(unit)))
                              .group_by(CollectedDaily.day).having(total > 0).order_by(CollectedDaily.day)).all()
    target, collected = totals(unit)
    recent = sum(int(n) for day, n in days if today - timedelta(days=RATE_DAYS) < day <= today)
    rate = recent / RATE_DAYS
    remaining = max(target - collected, 0)
    finish = None if not remaining or not rate else today + timedelta(days=-(-remaining // rate))
    deadline = deadline_for(unit)
    days_left = (deadline - today).days if deadline else None
    late = bool(deadline and remaining and (finish is None or finish > deadline))
    needed = None if not deadline or not remaining else round(remaining / max(days_left, 1), 1)
    return {"unit": {"code": unit.code, "name": unit.name, "kind": unit.kind},
            "days": [{"day": day, "collected": int(n)} for day, n in days],
            "rate_7d": round(rate, 1), "remaining": remaining, "projected_finish": finish,
            "deadline": deadline, "late": late, "needed_per_day": needed, "on_tablets": on_tablets(unit)}


def totals(unit: Unit) -> tuple[int, int]:
    """Target and collected of the subtree from the per-unit counters: the progress table's figures, which the
    days add up to."""
    target, collected = db.session.execute(select(func.sum(UnitTally.target), func.sum(UnitTally.collected))
                                           .where(UnitTally.unit_id.in_(subtree_unit_ids(unit)))).one()
    return int(target or 0), int(collected or 0)


def on_tablets(unit: Unit) -> list[dict]:
    """Records the tablets of each child unit (and the unit itself) last said they still hold."""
    children = db.session.execute(select(Unit.id, Unit.code, Unit.path).where(Unit.parent_id == unit.id)).all()
    rows = db.session.execute(select(Unit.path, DeviceReport.counts)
                              .join(User, User.id == DeviceReport.user_id).join(Unit, Unit.id == User.unit_id)
                              .where(Unit.path.startswith(unit.path, autoescape=True))).all()
    out = {unit.code: [0, 0]} | {code: [0, 0] for _, code, _ in children}
    for path, counts in rows:
        held = sum(int((counts or {}).get(key) or 0) for key in QUEUE_KEYS)
        code = next((c for _, c, p in children if path.startswith(p)), unit.code)
        out[code][0] += held
        out[code][1] += 1 if held else 0
    return [{"unit_code": code, "records": n, "devices": d} for code, (n, d) in out.items()]
