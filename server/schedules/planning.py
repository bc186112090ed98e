"""Planning: whole cells into consecutive slots, set-based (a few queries per run, whatever the size).

The rule (CONTRACT §7): a cell's members take consecutive slots and no other cell's members sit between its
first and last slot of a day; within a cell veterans and former Central Committee members come first; a slot
never holds more than `desks`. So a slot belongs to one cell at most. A cell already booked on a day
(an earlier run) grows its run there first: free desks inside it, then the slots next to it while no other
cell holds them; what is left opens a run on the next day the cell is not on yet, from that day's first
free slot, until a slot held by another cell ends the run. Capacity is counted after the station's lock,
so racing runs and moves see each other's bookings.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import case, exists, func, insert, select
from sqlalchemy.exc import IntegrityError

from .. import audit
from ..dashboard import tallies
from ..errors import DomainError
from ..extensions import db
from ..models import Member, Submission, Unit, User, utcnow
from ..scope import require_role
from .models import OPEN_STATUSES, Booking, Station
from .slots import iso, public_holidays, station_slots, vn_now, vn_today
from .stations import invalid, lock_station, managed_station

MAX_DAYS = 90
PRIORITY_RANK = {"veteran": 0, "former_central_committee": 1}


def check_range(first: date, last: date) -> None:
    if last < first:
        raise invalid("plan_range_reversed", "to", "The plan ends before it starts.")
    if first < vn_today():
        raise invalid("plan_range_in_past", "from", "The plan starts in the past.")
    if (last - first).days + 1 > MAX_DAYS:
        raise invalid("plan_range_too_long", "to", "A plan covers at most 90 days.", max=MAX_DAYS)


def station_cells(user: User, station: Station, codes: list[str]) -> list[Unit]:
    """The named cells, each in the user's scope and under the station's unit, in the order named."""
    codes = list(dict.fromkeys(codes))
    found = {u.code: u for u in db.session.scalars(select(Unit).where(Unit.code.in_(codes)))}
    cells = []
    for index, code in enumerate(codes):
        unit = found.get(code)
        if unit is None or not unit.path.startswith(user.unit.path):
            raise invalid("unknown_cell", f"cells.{index}", "No such cell.")
        if unit.kind != "cell":
            raise invalid("not_a_cell", f"cells.{index}", "Name cells, not larger units.", code=code)
        if not unit.path.startswith(station.unit.path):
            raise invalid("cell_outside_station", f"cells.{index}", "The cell is not served by this station.",
                          code=code, station=station.code)
        cells.append(unit)
    return cells


class Board:
    """The station's slots in the range, with each slot's count and the cells holding it."""

    def __init__(self, station: Station, first: date, last: date, skip_holidays: bool):
        skip = public_holidays(first, last) if skip_holidays else set()
        self.days = station_slots(station.week, station.slot_minutes, station.closed, first, last,
                                  after=vn_now(), skip=skip)
        self.desks = station.desks
        self.taken: dict[datetime, int] = {}
        self.owners: dict[datetime, set[int]] = {}
        if not self.days:
            return
        rows = db.session.execute(
            select(Booking.start, Booking.cell_id, func.count(Booking.id))
            .where(Booking.station_id == station.id, Booking.status.in_(OPEN_STATUSES),
                   Booking.start >= self.days[0][0][0], Booking.start <= self.days[-1][-1][0])
            .group_by(Booking.start, Booking.cell_id))
        for start, cell_id, count in rows:
            self.taken[start] = self.taken.get(start, 0) + count
            self.owners.setdefault(start, set()).add(cell_id)

    def _free(self, slot) -> int:
        return self.desks - self.taken.get(slot[0], 0)

    def _mine(self, slot, cell: int) -> bool:
        return self.owners.get(slot[0], set()) <= {cell}

    def _take(self, slot, cell, queue, out):
        n = min(self._free(slot), len(queue))
        if n <= 0:
            return
        for member_id in queue[:n]:
            out.append((member_id, cell, slot))
        del queue[:n]
        self.taken[slot[0]] = self.taken.get(slot[0], 0) + n
        self.owners.setdefault(slot[0], set()).add(cell)

    def place(self, cell: int, queue: list[int]) -> list[tuple[int, int, tuple]]:
        """Place the members of `queue` (in order) for `cell`; returns (member, cell, slot); `queue` keeps the rest."""
        out: list = []
        fresh = []
        for slots in self.days:
            held = [i for i, s in enumerate(slots) if cell in self.owners.get(s[0], ())]
            if not held:
                fresh.append(slots)
                continue
            first, last = held[0], held[-1]
            for i in range(first, last + 1):
                self._take(slots[i], cell, queue, out)
            for i in range(last + 1, len(slots)):  # grow forward while no other cell holds the slot
                if not queue or not self._mine(slots[i], cell):
                    break
                self._take(slots[i], cell, queue, out)
            for i in range(first - 1, -1, -1):  # then backward
                if not queue or not self._mine(slots[i], cell):
                    break
                self._take(slots[i], cell, queue, out)
        for slots in fresh:
            if not queue:
                break
            started = False
            for slot in slots:
                if not queue:
                    break
                if not self._mine(slot, cell) or (not started and self._free(slot) <= 0):
                    if started:
                        break
                    continue
                started = True
                self._take(slot, cell, queue, out)
        return out


def _queues(cells: list[Unit]) -> tuple[dict[int, list[int]], int]:
    """{cell id: member ids to book, veterans first}, and how many were already booked (one query)."""
    collected = exists().where(Submission.member_id == Member.id)
    booked = exists().where(Booking.member_id == Member.id, Booking.status.in_(OPEN_STATUSES))
    rank = case(*((Member.priority == p, r) for p, r in PRIORITY_RANK.items()), else_=2)
    rows = db.session.execute(
        select(Member.id, Member.unit_id, booked.label("booked"))
        .where(Member.unit_id.in_([c.id for c in cells]), Member.removed_at.is_(None),
               Member.needs_home_visit.is_(False), ~collected)
        .order_by(rank, Member.name_key, Member.id))
    queues: dict[int, list[int]] = {c.id: [] for c in cells}
    already = 0
    for member_id, unit_id, is_booked in rows:
        if is_booked:
            already += 1
        else:
            queues[unit_id].append(member_id)
    return queues, already


def _insert(station: Station, user: User, placed: list) -> list[int]:
    now = utcnow()
    rows = [{"member_id": m, "station_id": station.id, "cell_id": c, "start": s[0], "end": s[1],
             "status": "booked", "created_by_id": user.id, "created_at": now, "updated_at": now}
            for m, c, s in placed]
    if rows:  # a Core executemany: the ORM's bulk path costs twice as much for thousands of rows
        db.session.execute(insert(Booking.__table__), rows)
        tallies.touch(row["member_id"] for row in rows)  # the ORM does not see a Core insert: the counters
    return [m for m, _, _ in placed]


def cell_spans(station: Station, cells: list[Unit]) -> list[dict]:
    """Each cell's first slot start and last slot end at the station (open bookings), for the answer."""
    spans = dict((row[0], row[1:]) for row in db.session.execute(
        select(Booking.cell_id, func.min(Booking.start), func.max(Booking.end))
        .where(Booking.station_id == station.id, Booking.status.in_(OPEN_STATUSES),
               Booking.cell_id.in_([c.id for c in cells]), Booking.end >= utcnow())
        .group_by(Booking.cell_id)))
    return [{"code": c.code, "first": iso(spans[c.id][0]) if c.id in spans else None,
             "last": iso(spans[c.id][1]) if c.id in spans else None} for c in cells]


def plan(user: User, station_code: str, cell_codes: list[str], first: date, last: date,
         skip_public_holidays: bool = True) -> dict:
    """Book every member of the cells who needs a slot into the station's slots between the dates."""
    require_role(user, "unit_admin")
    station = managed_station(user, station_code)
    cells = station_cells(user, station, cell_codes)
    check_range(first, last)
    lock_station(station)
    board = Board(station, first, last, skip_public_holidays)
    queues, already = _queues(cells)
    placed, unbooked = [], []
    for cell in cells:
        queue = queues[cell.id]
        placed += board.place(cell.id, queue)
        unbooked += [{"member_id": m, "reason": "no_capacity"} for m in queue]
    try:
        _insert(station, user, placed)
    except IntegrityError:  # the same members booked meanwhile by a plan at another station
        db.session.rollback()
        raise DomainError("Another plan booked some of these members meanwhile; run it again.",
                          code="booking_conflict", status=409) from None
    body = {"booked": len(placed), "already_booked": already, "unbooked": unbooked,
            "cells": cell_spans(station, cells)}
    audit.record("schedule.plan", user=user, object_type="station", object_id=station.id,
                 unit_id=station.unit_id, outcome="ok", cells=[c.id for c in cells], first=first.isoformat(),
                 last=last.isoformat(), booked=len(placed), already_booked=already, unbooked=len(unbooked))
    db.session.commit()
    return body


def replan(user: User, station: Station, bookings: list[Booking], first: date, last: date) -> tuple[list, list]:
    """Move `bookings` (missed ones) into later slots of their station, by the same rules; the station is
    locked by the caller. Returns (moved bookings, bookings left where they were for lack of room)."""
    board = Board(station, first, last, True)
    by_id = {b.id: b for b in bookings}
    moved, left = [], []
    per_cell: dict[int, list[int]] = {}
    for booking in bookings:
        per_cell.setdefault(booking.cell_id, []).append(booking.id)
    for cell_id, queue in per_cell.items():
        for booking_id, _, slot in board.place(cell_id, queue):
            booking = by_id[booking_id]
            booking.start, booking.end = slot
            moved.append(booking)
        left += [by_id[i] for i in queue]
    return moved, left

