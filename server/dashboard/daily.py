"""Keeping and reading the daily aggregate. Ingest calls `count_first_collection` once per member, in the
same transaction as the record, so the aggregate never drifts from the submissions it counts."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from server.extensions import db
from server.models import DeviceReport, Member, Submission, Unit, User
from server.record_fields import VIETNAM
from server.scope import subtree_unit_ids, unit_in_scope

from .models import CollectedDaily, UnitDeadline

RATE_DAYS = 7
QUEUE_KEYS = ("queued", "sending", "needs_fix", "waiting")


def vietnam_day(moment: datetime) -> date:
    return moment.astimezone(VIETNAM).date()


def count_first_collection(unit_id: int, received_at: datetime, count: int = 1) -> None:
    """`count` more members of `unit_id` collected for the first time on the day of `received_at` (an upsert)."""
    table = CollectedDaily.__table__
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(table).values(unit_id=unit_id, day=vietnam_day(received_at), collected=count)
    db.session.execute(stmt.on_conflict_do_update(index_elements=["unit_id", "day"],
                                                  set_={"collected": table.c.collected + count}))


def rebuild() -> int:
    """Recount the whole aggregate from the submissions (after a restore, or for data loaded before it existed)."""
    db.session.execute(delete(CollectedDaily))
    first = (select(Submission.member_id, func.min(Submission.received_at).label("at"))
             .where(Submission.member_id.is_not(None)).group_by(Submission.member_id).subquery())
    counts: dict[tuple[int, date], int] = {}
    for unit_id, at in db.session.execute(select(Member.unit_id, first.c.at).join(first, first.c.member_id == Member.id)):
        at = at if at.tzinfo else at.replace(tzinfo=timezone.utc)
        key = (unit_id, vietnam_day(at))
        counts[key] = counts.get(key, 0) + 1
    if counts:
        db.session.execute(CollectedDaily.__table__.insert(), [
            {"unit_id": unit, "day": day, "collected": n} for (unit, day), n in counts.items()])
    return sum(counts.values())


def deadline_for(unit: Unit) -> date | None:
    """The unit's own deadline, else the nearest one set above it."""
    ids = [int(part) for part in unit.path.strip("/").split("/") if part]
    rows = dict(db.session.execute(select(UnitDeadline.unit_id, UnitDeadline.deadline)
                                   .where(UnitDeadline.unit_id.in_(ids))).all())
    return next((rows[i] for i in reversed(ids) if i in rows), None)


def set_deadline(user: User, code: str, deadline: date | None) -> Unit:
    unit = unit_in_scope(code, user)
    row = db.session.get(UnitDeadline, unit.id)
    if deadline is None:
        if row is not None:
            db.session.delete(row)
    elif row is None:
        db.session.add(UnitDeadline(unit_id=unit.id, deadline=deadline))
    else:
        row.deadline = deadline
    return unit


def daily(user: User, code: str | None = None, today: date | None = None) -> dict:
    """Collections per day over the unit's subtree, the last 7 days' rate, the projected finish and the deadline."""
    unit = unit_in_scope(code, user) if code else user.unit
    today = today or vietnam_day(datetime.now(timezone.utc))
    days = db.session.execute(select(CollectedDaily.day, func.sum(CollectedDaily.collected))
                              .where(CollectedDaily.unit_id.in_(subtree_unit_ids(unit)))
                              .group_by(CollectedDaily.day).order_by(CollectedDaily.day)).all()
    # Totals from the aggregate and one indexed count, not the per-member progress query: the chart stays cheap.
    # (A member moved after collection counts where they were collected; the progress table has the exact split.)
    target = db.session.scalar(select(func.count(Member.id)).where(
        Member.unit_id.in_(subtree_unit_ids(unit)), Member.removed_at.is_(None)))
    collected = sum(int(n) for _, n in days)
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
