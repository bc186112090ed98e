"""Stations: validating and storing the weekly pattern, who sees which station, the per-station lock.

A station is visible to a user whose subtree holds the station's unit (its admins) or who sits under the
station's unit (the officers working the cells it serves). It is changed only by unit admins whose
subtree holds its unit. Changing a pattern never drops a booking: those that no longer fit are answered
as `orphaned` for the admin to move, and stay booked until then.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError

from .. import audit
from ..errors import DomainError, InvalidInput, NotFound
from ..extensions import db
from ..models import Unit, User, utcnow
from ..scope import require_role, unit_in_scope
from ..text import nfc, visible_text
from .models import Booking, Station
from .slots import fits, hhmm_minutes, session_minutes

DESKS = (1, 50)
SLOT_MINUTES = (5, 120)


def invalid(error_code: str, field: str, message: str, **params) -> DomainError:
    return DomainError(message, code=error_code, status=422,
                       fields={field: [{"code": error_code, "params": params}]})


def lock_station(station: Station) -> None:
    """Take the station's write lock until commit: PostgreSQL locks the row; on SQLite this first write
    takes the database's write lock, so the counts read next are the latest and stay so until commit."""
    db.session.execute(update(Station).where(Station.id == station.id)
                       .values(version=Station.version + 1).execution_options(synchronize_session=False))


def visible(stmt, user: User):
    """Confine a select of Station to those the user sees (see module docstring)."""
    path = user.unit.path
    return stmt.join(Unit, Station.unit_id == Unit.id).where(or_(
        Unit.path.startswith(path, autoescape=True), func.substr(path, 1, func.length(Unit.path)) == Unit.path))


def get_station(user: User, code: str) -> Station:
    code = nfc(code) if code else code  # as stored: a code typed in NFD names the same station
    station = db.session.scalar(visible(select(Station).where(Station.code == code), user)) if code else None
    if station is None:
        raise NotFound()
    return station


def managed_station(user: User, code: str) -> Station:
    """A station whose unit lies in the user's subtree (an admin's), else NotFound."""
    station = get_station(user, code)
    if not station.unit.path.startswith(user.unit.path):
        raise NotFound()
    return station


def _clean_week(week: list[dict]) -> list[dict]:
    sessions = []
    for index, session in enumerate(week):
        try:
            hhmm_minutes(session["start"]), hhmm_minutes(session["end"])
        except (ValueError, KeyError):
            raise invalid("invalid_time", f"week.{index}", "Times are HH:MM.") from None
        begin, finish = session_minutes(session)
        if finish <= begin:
            raise invalid("session_end_before_start", f"week.{index}", "A session ends before it starts.",
                          weekday=session["weekday"], start=session["start"], end=session["end"])
        sessions.append({"weekday": session["weekday"], "start": session["start"], "end": session["end"]})
    sessions.sort(key=lambda s: (s["weekday"], s["start"]))
    for before, after in zip(sessions, sessions[1:]):
        if before["weekday"] == after["weekday"] and after["start"] < before["end"]:
            raise invalid("sessions_overlap", "week", "Two sessions of one day overlap.",
                          weekday=after["weekday"], first=f"{before['start']}-{before['end']}",
                          second=f"{after['start']}-{after['end']}")
    return sessions


def validate(body: dict) -> dict:
    """The station body, normalised, or a coded 422 naming the field at fault."""
    if not DESKS[0] <= body["desks"] <= DESKS[1]:
        raise invalid("desks_out_of_range", "desks", "Desks must be between 1 and 50.", min=1, max=50)
    if not SLOT_MINUTES[0] <= body["slot_minutes"] <= SLOT_MINUTES[1]:
        raise invalid("slot_minutes_out_of_range", "slot_minutes", "A slot lasts 5 to 120 minutes.", min=5, max=120)
    # As imports store text: on calendars, notices and tablets NFD or a hidden character makes equal names differ.
    name, address = visible_text(body["name"]), visible_text(body.get("address") or "")
    if not name:  # nothing but invisible characters and spaces
        raise InvalidInput(fields={"name": [{"code": "required", "params": {}}]})
    return {**body, "name": name, "address": address, "week": _clean_week(body["week"]),
            "closed": sorted({d.isoformat() if isinstance(d, date) else d for d in body["closed"]})}


def describe(station: Station, unit_code: str | None = None) -> dict:
    return {"code": station.code, "name": station.name, "unit_code": unit_code or station.unit.code,
            "address": station.address, "desks": station.desks, "slot_minutes": station.slot_minutes,
            "week": station.week, "closed": station.closed}


def list_stations(user: User) -> list[dict]:
    stmt = visible(select(Station, Unit.code), user).order_by(Station.code)
    return [describe(station, code) for station, code in db.session.execute(stmt)]


def orphans(station: Station) -> list[Booking]:
    """Future open bookings the station's pattern no longer holds: slot gone, day closed, over the desks (the
    latest booked of a slot beyond `desks` are the ones listed), or a cell no longer under the station's unit
    (moved to another unit, the station's own day list no longer shows them to the cell's people)."""
    rows = db.session.execute(select(Booking, Unit.path).join(Unit, Unit.id == Booking.cell_id).where(
        Booking.station_id == station.id, Booking.status == "booked", Booking.start >= utcnow())
        .order_by(Booking.start, Booking.id)).all()
    out, seen = [], {}
    for booking, cell_path in rows:
        if not cell_path.startswith(station.unit.path) or \
                not fits(station.week, station.slot_minutes, station.closed, booking.start, booking.end):
            out.append(booking)
            continue
        seen[booking.start] = seen.get(booking.start, 0) + 1
        if seen[booking.start] > station.desks:
            out.append(booking)
    return out


def put_station(user: User, code: str, body: dict) -> tuple[Station, bool, list[Booking]]:
    """Create or replace the station `code`; (station, created, bookings that no longer fit)."""
    require_role(user, "unit_admin")
    code = nfc(code)  # "TRẠM" typed in NFD and in NFC is one station, not two that look the same
    if len(code) > Station.code.type.length:  # the body's code is bounded by its schema; the path's only here
        raise InvalidInput(fields={"code": [{"code": "too_long", "params": {"max": Station.code.type.length}}]})
    if body.get("code") is not None and nfc(body["code"]) != code:
        raise invalid("code_mismatch", "code", "The code in the body differs from the one in the path.")
    data = validate(body)
    unit = unit_in_scope(data["unit_code"], user)
    station = db.session.scalar(select(Station).where(Station.code == code))
    created = station is None
    if created:
        station = Station(code=code, version=0)
        db.session.add(station)
    elif not station.unit.path.startswith(user.unit.path):
        raise NotFound()
    else:
        lock_station(station)
        db.session.refresh(station)
    for name in ("name", "address", "desks", "slot_minutes", "week", "closed"):
        setattr(station, name, data[name])
    station.unit_id, station.unit = unit.id, unit
    try:
        db.session.flush()
    except IntegrityError:
        if not created:
            raise
        db.session.rollback()  # a concurrent PUT created this code meanwhile: PUT again, now as a replacement
        return put_station(user, code, body)
    orphaned = [] if created else orphans(station)
    audit.record("station.put", user=user, object_type="station", object_id=station.id, unit_id=unit.id,
                 outcome="created" if created else "replaced", orphaned=[b.id for b in orphaned])
    db.session.commit()
    return station, created, orphaned
