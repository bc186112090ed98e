"""Telling the cell: its calendar (RFC 5545, for the secretary's phone) and the same notice on A4.

One VEVENT per day and station the cell is booked at, from its first slot's start to its last slot's end.
The UID is made from cell, station and day, so it never changes for them; CellNotice keeps what the
calendar last said, and SEQUENCE grows when the times change (a day with no booking left is sent once
more as CANCELLED, so phones drop it). Reading the calendar is what updates the stored sequence: the
sequence is what subscribers have seen, not every intermediate edit.
"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from .. import audit
from ..errors import DomainError
from ..extensions import db
from ..models import Member, Unit, User, utcnow
from ..scope import unit_in_scope
from .models import OPEN_STATUSES, Booking, CellNotice, Station
from .slots import TZID, VN

UID_DOMAIN = "fieldkit.schedules"


def _cell(code: str, user: User) -> Unit:
    """The cell `code` in scope: a larger unit has no bookings of its own, and its notice said "no schedule yet"
    (a secretary handed the wrong code pinned that up), so it answers 422 `not_a_cell` as the hand-over list does."""
    cell = unit_in_scope(code, user)
    if cell.kind != "cell":
        raise DomainError("The notice and the calendar are made per cell.", code="not_a_cell", status=422,
                          fields={"code": [{"code": "not_a_cell", "params": {}}]})
    return cell


def cell_days(cell: Unit) -> list[dict]:
    """[{station, day, start, end, members: [(name, start, end)]}] for the cell's open bookings, in order."""
    rows = db.session.execute(
        select(Booking.start, Booking.end, Member.full_name, Station)
        .join(Member, Booking.member_id == Member.id).join(Station, Booking.station_id == Station.id)
        .where(Booking.cell_id == cell.id, Booking.status.in_(OPEN_STATUSES))
        .order_by(Booking.start, Member.full_name)).all()
    days: dict[tuple, dict] = {}
    for start, end, name, station in rows:
        key = (station.id, start.astimezone(VN).date())
        entry = days.setdefault(key, {"station": station, "day": key[1], "start": start, "end": end, "members": []})
        entry["start"], entry["end"] = min(entry["start"], start), max(entry["end"], end)
        entry["members"].append((name, start, end))
    return sorted(days.values(), key=lambda d: (d["day"], d["start"], d["station"].code))


def _sequences(cell: Unit, days: list[dict]) -> dict[tuple, CellNotice]:
    """Bring the stored notices up to date: SEQUENCE + 1 where times changed or the day was dropped."""
    stored = {(n.station_id, n.day): n for n in db.session.scalars(
        select(CellNotice).where(CellNotice.cell_id == cell.id))}
    current = {(d["station"].id, d["day"]): d for d in days}
    for key, entry in current.items():
        notice = stored.get(key)
        if notice is None:
            notice = stored[key] = CellNotice(cell_id=cell.id, station_id=key[0], day=key[1], sequence=0,
                                              start=entry["start"], end=entry["end"])
            db.session.add(notice)
        elif (notice.start, notice.end) != (entry["start"], entry["end"]):
            notice.sequence += 1
            notice.start, notice.end = entry["start"], entry["end"]
    for key, notice in stored.items():
        if key not in current and notice.start is not None:
            notice.sequence += 1
            notice.start = notice.end = None
    return stored


def _uid(cell: Unit, station_code: str, day) -> str:
    return f"{cell.code}-{station_code}-{day.strftime('%Y%m%d')}@{UID_DOMAIN}"


def _description(entry: dict) -> str:
    return "\n".join(f"{s.astimezone(VN):%H:%M}–{e.astimezone(VN):%H:%M}  {name}" for name, s, e in entry["members"])


def calendar(user: User, code: str) -> bytes:
    """The cell's calendar as RFC 5545 bytes, the stored sequences updated (and the download audited)."""
    from icalendar import Calendar, Event  # loaded on first use only

    cell = _cell(code, user)
    days = cell_days(cell)
    notices = _sequences(cell, days)
    stations = {s.id: s for s in db.session.scalars(select(Station).where(
        Station.id.in_({key[0] for key in notices})))}
    zone = ZoneInfo(TZID)
    cal = Calendar()
    cal.add("prodid", "-//fieldkit//schedules//VI")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", f"Lịch thu nhận thông tin — {cell.name}")
    cal.add("x-wr-timezone", TZID)
    by_key = {(d["station"].id, d["day"]): d for d in days}
    now = utcnow()
    for key, notice in sorted(notices.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        station = stations[key[0]]
        event = Event()
        event.add("uid", _uid(cell, station.code, key[1]))
        event.add("dtstamp", now)
        event.add("sequence", notice.sequence)
        event.add("summary", f"{cell.name}: thu nhận thông tin đảng viên tại {station.name}")
        event.add("location", ", ".join(p for p in (station.name, station.address) if p))
        entry = by_key.get(key)
        if entry is None:
            if notice.start is None and notice.sequence == 0:
                continue
            event.add("status", "CANCELLED")
            day_start = datetime(key[1].year, key[1].month, key[1].day, tzinfo=zone)
            event.add("dtstart", day_start)
            event.add("dtend", day_start)
        else:
            event.add("status", "CONFIRMED")
            event.add("dtstart", entry["start"].astimezone(zone))
            event.add("dtend", entry["end"].astimezone(zone))
            event.add("description", _description(entry))
        cal.add_component(event)
    cal.add_missing_timezones()
    audit.record("schedule.calendar", user=user, object_type="unit", object_id=cell.id, unit_id=cell.id,
                 outcome="ok", days=len(days))
    db.session.commit()
    return cal.to_ical()


def notice_pdf(user: User, code: str) -> bytes:
    """The cell's schedule as an A4 notice in Vietnamese (the download audited)."""
    from ..documents import render_pdf

    cell = _cell(code, user)
    days = cell_days(cell)
    rendered = [{"station": d["station"], "day": d["day"], "start": d["start"].astimezone(VN),
                 "end": d["end"].astimezone(VN),
                 "members": [(n, s.astimezone(VN), e.astimezone(VN)) for n, s, e in d["members"]]} for d in days]
    parent = db.session.get(Unit, cell.parent_id) if cell.parent_id else None
    data = render_pdf("schedule_notice.html", cell=cell, parent=parent, days=rendered,
                      printed=utcnow().astimezone(VN))
    audit.record("schedule.notice_pdf", user=user, object_type="unit", object_id=cell.id, unit_id=cell.id,
                 outcome="ok", days=len(days))
    db.session.commit()
    return data
