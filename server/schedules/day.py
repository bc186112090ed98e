"""On the day: a station's day slot by slot, missed bookings, and what to do about them.

Missed members are re-planned into later slots in one action (same rules as planning), or — for members
who cannot come — marked for a home visit and handed to the visits feature's bulk planning.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import case, select

from .. import audit
from ..extensions import db
from ..models import Member, User, utcnow
from ..scope import require_role, subtree_unit_ids, unit_in_scope
from ..visit_bulk import bulk_plan
from ..visits import eligible_assignee
from .bookings import MISSED_AFTER, booking_rows, describe_rows, vn_day_bounds
from .models import Booking, Station
from .planning import PRIORITY_RANK, check_range, replan
from .slots import day_slots, iso
from .stations import get_station, invalid, lock_station


def day_schedule(user: User, station_code: str, day: date) -> dict:
    """Every slot of the station's day with its capacity and the bookings of members in the user's scope."""
    station = get_station(user, station_code)
    begin, end = vn_day_bounds(day)
    rows = db.session.execute(booking_rows().where(
        Booking.station_id == station.id, Booking.start >= begin, Booking.start < end,
        Booking.status != "cancelled", Member.unit_id.in_(subtree_unit_ids(user.unit)))
        .order_by(Booking.start, Member.full_name, Booking.id)).all()
    closed = day.isoformat() in station.closed
    slots = {s: [] for s in ([] if closed else day_slots(station.week, station.slot_minutes, day))}
    for row, described in zip(rows, describe_rows(rows)):
        described["full_name"], described["priority"] = row.full_name, row.priority
        key = next((s for s in slots if s[0] == row.start), None)
        if key is None:  # a booking the pattern no longer holds (orphaned) still shows, in its own slot
            key = (row.start, row.end)
            slots[key] = []
        slots[key].append(described)
    return {"station": station.code, "date": day.isoformat(), "closed": closed,
            "slots": [{"start": iso(s), "end": iso(e), "capacity": station.desks, "bookings": b}
                      for (s, e), b in sorted(slots.items())]}


def _unit(user: User, unit_code: str | None):
    return unit_in_scope(unit_code, user) if unit_code else user.unit


def _missed(unit):
    return (booking_rows().where(Booking.status == "booked", Booking.end < utcnow() - MISSED_AFTER,
                                 Member.unit_id.in_(subtree_unit_ids(unit)), Member.removed_at.is_(None)))


def missed(user: User, unit_code: str | None) -> list[dict]:
    rows = db.session.execute(_missed(_unit(user, unit_code)).order_by(Booking.start, Booking.id)).all()
    out = describe_rows(rows)
    for row, described in zip(rows, out):
        described["full_name"] = row.full_name
    return out


def replan_missed(user: User, unit_code: str | None, first: date, last: date) -> dict:
    """Move every missed booking of the unit into later slots of its station, veterans first."""
    require_role(user, "team_lead")
    check_range(first, last)
    rank = case(*((Member.priority == p, r) for p, r in PRIORITY_RANK.items()), else_=2)
    unit = _unit(user, unit_code)
    ids = [r.id for r in db.session.execute(_missed(unit).order_by(rank, Member.name_key, Booking.id))]
    moved, left = [], []
    stations = db.session.scalars(select(Station).where(Station.id.in_(
        select(Booking.station_id).where(Booking.id.in_(ids)))).order_by(Station.id)).all()
    for station in stations:
        lock_station(station)
        # Still missed now that the station is ours: a replan running at the same moment has moved them on (read
        # before the lock, they were moved again by each request, every answer claiming them).
        bookings = db.session.scalars(select(Booking).where(
            Booking.id.in_(ids), Booking.station_id == station.id, Booking.status == "booked",
            Booking.end < utcnow() - MISSED_AFTER)).all()
        order = {booking_id: i for i, booking_id in enumerate(ids)}
        bookings.sort(key=lambda b: order[b.id])
        done, rest = replan(user, station, bookings, first, last)
        moved += done
        left += rest
    db.session.flush()
    audit.record("schedule.replan_missed", user=user, object_type="unit", unit_id=unit.id, outcome="ok",
                 moved=[b.id for b in moved], left=[b.id for b in left])
    db.session.commit()
    pick = lambda items: describe_rows(db.session.execute(  # noqa: E731
        booking_rows().where(Booking.id.in_([b.id for b in items])).order_by(Booking.start, Booking.id)))
    return {"moved": pick(moved), "unbooked": [{"booking_id": b.id, "member_id": b.member_id,
                                                "reason": "no_capacity"} for b in left]}


def missed_to_visits(user: User, unit_code: str | None, booking_ids: list[int], assignee_ids: list[int],
                     strategy: str, due_date: date | None) -> dict:
    """Cancel the chosen missed bookings, mark their members for a home visit, and bulk-plan the visits."""
    require_role(user, "team_lead")
    for assignee_id in dict.fromkeys(assignee_ids):  # refuse before anything changes
        eligible_assignee(user, assignee_id, [])
    unit = _unit(user, unit_code)
    # The stations' locks first (as a replan takes them), then what is missed: two requests at once would both
    # read the bookings as missed, both cancel them and plan the members' visits twice.
    for station in db.session.scalars(select(Station).where(Station.id.in_(
            select(Booking.station_id).where(Booking.id.in_(booking_ids)))).order_by(Station.id)):
        lock_station(station)
    rows = db.session.execute(_missed(unit).where(Booking.id.in_(booking_ids))).all()
    found = {r.id for r in rows}
    if any(i not in found for i in booking_ids):
        raise invalid("not_missed", "booking_ids", "Only missed bookings in scope can become visits.")
    members = db.session.scalars(select(Member).where(Member.id.in_([r.member_id for r in rows]))).all()
    for member in members:
        member.needs_home_visit = True
    for booking in db.session.scalars(select(Booking).where(Booking.id.in_(found))):
        booking.status = "cancelled"
    audit.record("schedule.missed_to_visits", user=user, object_type="unit", unit_id=unit.id,
                 outcome="ok", bookings=sorted(found), members=[m.id for m in members])
    cells = sorted({r.cell_code for r in rows})
    result = bulk_plan(user, cells, assignee_ids, strategy, due_date) if cells else {
        "created": 0, "visits": [], "per_assignee": {}, "skipped": 0}
    db.session.commit()
    return {"cancelled": len(found), **result}


def roster_bookings(user: User) -> list[dict]:
    """Today's and tomorrow's open bookings of members in the caller's scope, for the tablet's arrivals list
    offline after the morning sync (sent whole with every roster answer: it is small and changes all day)."""
    from datetime import timedelta

    from .slots import vn_today
    begin, _ = vn_day_bounds(vn_today())
    rows = db.session.execute(booking_rows().where(
        Booking.start >= begin, Booking.start < begin + timedelta(days=2), Booking.status != "cancelled",
        Member.unit_id.in_(subtree_unit_ids(user.unit)), Member.removed_at.is_(None))
        .order_by(Booking.start, Member.full_name)).all()
    return describe_rows(rows)
