"""Bookings: what one looks like, its status, moving and cancelling one, and arrivals from ingest.

`missed` is computed on read: a `booked` booking whose slot ended more than MISSED_AFTER ago. Nothing
has to run on a timer, and a member who comes late still turns the booking `arrived`.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update

from .. import audit
from ..dashboard import tallies
from ..errors import DomainError, NotFound
from ..extensions import db
from ..models import Member, Unit, User, utcnow
from ..scope import MAX_ID, require_role, subtree_unit_ids
from .models import OPEN_STATUSES, Booking, Station
from .slots import VN, fits, iso
from .stations import invalid, lock_station

MISSED_AFTER = timedelta(hours=2)


class SlotFull(DomainError):
    status, code, message = 409, "slot_full", "That slot is full."


def display_status(status: str, end: datetime, now: datetime | None = None) -> str:
    if status == "booked" and end + MISSED_AFTER < (now or utcnow()):
        return "missed"
    return status


def describe_rows(rows) -> list[dict]:
    """BOOKING dicts from rows carrying id, member_id, cell_code, station_code, start, end, status."""
    now = utcnow()
    return [{"id": r.id, "member_id": r.member_id, "cell_code": r.cell_code, "station": r.station_code,
             "start": iso(r.start), "end": iso(r.end), "status": display_status(r.status, r.end, now)}
            for r in rows]


def booking_rows():
    """A select of the columns describe_rows needs, with the member's name for lists that show it."""
    return (select(Booking.id, Booking.member_id, Unit.code.label("cell_code"), Station.code.label("station_code"),
                   Booking.start, Booking.end, Booking.status, Member.full_name, Member.priority)
            .join(Unit, Booking.cell_id == Unit.id).join(Station, Booking.station_id == Station.id)
            .join(Member, Booking.member_id == Member.id))


def describe(booking: Booking) -> dict:
    return describe_rows(db.session.execute(booking_rows().where(Booking.id == booking.id)))[0]


def get_booking(user: User, booking_id: int) -> Booking:
    """A booking whose member lies in the user's scope, else NotFound."""
    if not 0 < booking_id <= MAX_ID:
        raise NotFound()
    booking = db.session.scalar(select(Booking).join(Member, Booking.member_id == Member.id).where(
        Booking.id == booking_id, Member.unit_id.in_(subtree_unit_ids(user.unit))))
    if booking is None:
        raise NotFound()
    return booking


def move(user: User, booking_id: int, start: datetime) -> dict:
    """Move a booking to another slot of its station; 409 slot_full when that slot has no desk left."""
    require_role(user, "team_lead")
    booking = get_booking(user, booking_id)
    if booking.status != "booked":
        raise DomainError("Only booked members can be moved.", code="booking_closed", status=409)
    station = booking.station
    lock_station(station)
    db.session.refresh(station)
    db.session.refresh(booking)
    if booking.status != "booked":  # cancelled, or arrived, while we waited for the lock
        raise DomainError("Only booked members can be moved.", code="booking_closed", status=409)
    end = start + timedelta(minutes=station.slot_minutes)
    if start < utcnow() or not fits(station.week, station.slot_minutes, station.closed, start, end):
        raise invalid("not_a_slot", "start", "The station has no open slot starting then.")
    if start != booking.start:
        taken = db.session.scalar(select(db.func.count(Booking.id)).where(
            Booking.station_id == station.id, Booking.start == start, Booking.status.in_(OPEN_STATUSES)))
        if taken >= station.desks:
            raise SlotFull()
        before = booking.start
        booking.start, booking.end = start, end
        audit.record("booking.move", user=user, object_type="booking", object_id=booking.id,
                     unit_id=booking.cell_id, outcome="ok", start_before=iso(before), start=iso(start))
    db.session.commit()
    return describe(booking)


def cancel(user: User, booking_id: int) -> dict:
    """Cancel a booking (safe to repeat); an arrived one stays arrived."""
    require_role(user, "team_lead")
    booking = get_booking(user, booking_id)
    if booking.status == "arrived":
        raise DomainError("The member has already arrived.", code="booking_closed", status=409)
    if booking.status != "cancelled":
        # Only while still booked: the member's record may have arrived since we read it (an unconditional
        # write turned that `arrived` into `cancelled`, and the arrival was lost).
        changed = db.session.execute(update(Booking).where(Booking.id == booking.id, Booking.status == "booked")
                                     .values(status="cancelled", updated_at=utcnow())
                                     .execution_options(synchronize_session=False)).rowcount
        tallies.touch([booking.member_id])  # a Core update the ORM does not see: the booked counter
        db.session.refresh(booking)
        if booking.status == "arrived":
            db.session.rollback()
            raise DomainError("The member has already arrived.", code="booking_closed", status=409)
        if changed:
            audit.record("booking.cancel", user=user, object_type="booking", object_id=booking.id,
                         unit_id=booking.cell_id, outcome="ok")
    db.session.commit()
    return describe(booking)


def mark_arrived(member_id: int, submission_id: int) -> None:
    """Ingest's hook: an accepted record for the member turns their open booking `arrived` (also late)."""
    db.session.execute(update(Booking).where(Booking.member_id == member_id, Booking.status == "booked")
                       .values(status="arrived", arrived_submission_id=submission_id, updated_at=utcnow())
                       .execution_options(synchronize_session=False))


def vn_day_bounds(day) -> tuple[datetime, datetime]:
    start = datetime(day.year, day.month, day.day, tzinfo=VN)
    return start, start + timedelta(days=1)
