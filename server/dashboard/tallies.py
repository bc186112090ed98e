"""Keeping the progress counters in the transaction that changes them, so the dashboard reads a few thousand
rows instead of counting a province's members.

Three tables (server.dashboard.models): `member_tallies` says what each member adds right now (the unit they
count in, 0/1 for target, collected, verified, booked, card printed, card handed over, and the day of their first
record); `unit_tallies` holds the sums per unit; `collected_daily` the members first collected per unit and day.

Whatever may change a member's counts names the member (`touch`): ORM changes of members, submissions,
bookings and cards are noticed after every flush; bulk Core writes call `touch` themselves. Just before the
transaction commits, each touched member is recounted from the source tables and only the difference goes to
the counters, as `n = n + d` — never a read-modify-write, so two transactions never lose each other's count.
On PostgreSQL the members' tally rows are locked first (in id order, then the counters in unit order, so two
commits cannot deadlock): the last transaction to touch a member sees every change committed before it.
A touch that turns out to change nothing costs one small query and writes nothing; a stale one is harmless.
An import's new members skip the recount (`add_new_members`: nothing can name them yet); rows written below the
application are counted by `fieldkit rebuild-daily` (server.dashboard.recount).

It never decides anything about the members: it only counts what the other features stored.
"""
from __future__ import annotations

import functools
from datetime import date, datetime

from flask_sqlalchemy.session import Session
from sqlalchemy import case, delete, event, exists, func, inspect, literal, null, select

from server.extensions import db
from server.imports.write import keys_match
from server.models import Member, Submission
# A module import, not `from … import VIETNAM`: record_fields imports the models, which import this module, so
# whichever of them is imported first the other is still half-made at this point.
import server.record_fields as record_fields

from . import writes
from .models import MemberTally, TallyPending, UnitTally

COUNTS = ("target", "collected", "verified", "booked", "cards_printed", "cards_handed_over")
CHUNK = 2000  # members recounted per query: bounded memory and statement size for an import of a province
_PENDING = "fieldkit.tally_members"
_UNCOUNTED = "fieldkit.tallies_uncounted"
# The columns whose change can move a member's counts; any other change (a name, a card's whereabouts) cannot.
_WATCHED = {"members": ("unit_id", "removed_at"), "submissions": ("member_id", "status", "received_at"),
            "bookings": ("member_id", "status"), "cards": ("member_id", "status")}


def vietnam_day(moment: datetime) -> date:
    return moment.astimezone(record_fields.VIETNAM).date()


def touch(member_ids) -> None:
    """Recount these members before the current transaction commits (for writes the ORM does not see)."""
    db.session.info.setdefault(_PENDING, set()).update(int(i) for i in member_ids if i is not None)


@event.listens_for(Session, "after_flush")
def _noticed(session, _context) -> None:
    ids = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        watched = _WATCHED.get(getattr(obj, "__tablename__", None))
        if watched is None:
            continue
        state = inspect(obj)
        if obj not in session.new and obj not in session.deleted and not any(
                state.attrs[name].history.has_changes() for name in watched):
            continue
        if obj.__tablename__ == "members":
            ids.add(obj.id)
        else:  # a record moved from one member to another changes both
            history = state.attrs.member_id.history
            ids.update(v for v in (*history.added, *history.unchanged, *history.deleted) if v is not None)
    if ids:
        session.info.setdefault(_PENDING, set()).update(ids)


@event.listens_for(Session, "before_commit")
def _before_commit(session) -> None:
    if not session.in_nested_transaction():  # a savepoint's release is not the commit
        settle(session)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session, previous) -> None:
    if previous.parent is None:  # the whole transaction is gone; a savepoint's rollback keeps the rest
        session.info.pop(_PENDING, None)
        session.info.pop(_UNCOUNTED, None)


def settle(session=None) -> None:
    """Recount every touched member and move the differences into the counters (the commit does this)."""
    session = session or db.session
    session.flush()
    uncounted = session.info.pop(_UNCOUNTED, False)
    while uncounted or (ids := session.info.pop(_PENDING, None)):
        units: dict[int, list[int]] = {}
        days: dict[tuple[int, date], int] = {}
        if uncounted:
            _take_uncounted(session, units)
            uncounted, ids = False, session.info.pop(_PENDING, None) or ()
        ordered = sorted(ids)
        for start in range(0, len(ordered), CHUNK):
            _settle_chunk(session, ordered[start:start + CHUNK], units, days)
        _add(session, units, days)


def add_new_members(codes: list[str], per_unit: dict[int, int]) -> None:
    """An import's live members just inserted (their codes, and how many went to each unit): their tallies at
    once, set-based — no record, card or booking can name a member that did not exist — and their number per
    unit into tally_pending, which the commit adds to the unit counters (rows in the database: a savepoint
    rolled back takes them along)."""
    db.session.execute(MemberTally.__table__.insert().from_select(
        ["member_id", "unit_id", *COUNTS, "first_day"],
        select(Member.id, Member.unit_id, literal(1), *[literal(0)] * (len(COUNTS) - 1), null())
        .where(keys_match(Member.member_code, codes))))
    db.session.execute(TallyPending.__table__.insert(), [{"unit_id": u, "target": n} for u, n in per_unit.items()])
    db.session.info[_UNCOUNTED] = True


def add_first_members(conn, after_id: int) -> int:
    """add_new_members for a batch of a first import (server.imports.write: direct), on `conn` (the import's own
    connection, used by its writing thread): the members with an id above `after_id`, found by the primary key
    instead of by their codes. Every one of them is this import's and new: the table was empty when it began and
    no other import can add members before it commits (importers._take_turn), and ids only grow. Returns the
    highest id counted, the next batch's `after_id`. The caller marks the session uncounted (mark_uncounted)."""
    if conn.dialect.name == "postgresql":  # one round trip instead of three: the import's writing thread waits less
        return conn.exec_driver_sql(_FIRST_MEMBERS, {"after": after_id}).scalar() or after_id
    last = conn.execute(select(func.max(Member.id))).scalar() or after_id
    # Both bounds: a range the planner reads through the primary key even while the table's statistics still say
    # it is empty (with only a lower bound it guesses a third of the table and scans all of it, every batch).
    conn.execute(MemberTally.__table__.insert().from_select(
        ["member_id", "unit_id", *COUNTS, "first_day"],
        select(Member.id, Member.unit_id, literal(1), *[literal(0)] * (len(COUNTS) - 1), null())
        .where(Member.id > after_id, Member.id <= last)))
    conn.execute(TallyPending.__table__.insert().from_select(
        ["unit_id", "target"], select(Member.unit_id, func.count()).where(Member.id > after_id, Member.id <= last)
        .group_by(Member.unit_id)))
    return last


# add_first_members on PostgreSQL, its three statements in one: the batch's members read once (a CTE named twice
# is materialized), bounded on both sides like the others.
_FIRST_MEMBERS = f"""
WITH batch AS (SELECT id, unit_id FROM {Member.__tablename__}
               WHERE id > %(after)s AND id <= (SELECT max(id) FROM {Member.__tablename__})),
tallied AS (INSERT INTO {MemberTally.__tablename__} (member_id, unit_id, {", ".join(COUNTS)}, first_day)
            SELECT id, unit_id, 1{", 0" * (len(COUNTS) - 1)}, NULL FROM batch),
pending AS (INSERT INTO {TallyPending.__tablename__} (unit_id, target)
            SELECT unit_id, count(*) FROM batch GROUP BY unit_id)
SELECT max(id) FROM batch
"""


def mark_uncounted() -> None:
    """The session holds tally_pending rows to add to the unit counters at the commit (add_first_members)."""
    db.session.info[_UNCOUNTED] = True


def _take_uncounted(session, units: dict) -> None:
    table = TallyPending.__table__
    for unit_id, target in session.execute(select(table.c.unit_id, func.sum(table.c.target))
                                           .group_by(table.c.unit_id)):
        units.setdefault(unit_id, [0] * len(COUNTS))[0] += int(target)
    session.execute(delete(table))  # this transaction's rows: no other commit leaves any behind


def _settle_chunk(session, ids: list[int], units: dict, days: dict) -> None:
    table = MemberTally.__table__
    stored = {row[0]: tuple(row[1:]) for row in session.execute(
        select(*(table.c[name] for name in writes.TALLY))
        .where(keys_match(table.c.member_id, ids)).order_by(table.c.member_id).with_for_update())}
    fresh = _fresh(session, ids)  # after the lock: a new statement sees what committed while we waited
    new, changed, gone = [], [], []
    for member_id in ids:
        old, now = stored.get(member_id), fresh.get(member_id)
        if old == now:
            continue
        if old is not None:
            _count(units, days, old, -1)
        if now is None:
            gone.append(member_id)
        elif old is None:
            new.append((member_id, *now))
        else:
            changed.append((member_id, *now))
            _count(units, days, now, +1)
    if new:
        inserted = writes.insert_tallies(session, new)
        for row in new:
            if row[0] in inserted:
                _count(units, days, row[1:], +1)
        if len(inserted) < len(new):  # PostgreSQL: another commit wrote the row meanwhile; recount against it
            session.info.setdefault(_PENDING, set()).update({row[0] for row in new} - inserted)
    if changed:
        writes.update_tallies(session, changed)
    if gone:
        session.execute(delete(table).where(keys_match(table.c.member_id, gone)))


@functools.cache
def _fresh_query():
    """The recount of the members in the parameter `keys` (built once: a commit of ingest runs it every time)."""
    from server.cards.models import Card
    from server.schedules.models import OPEN_STATUSES, Booking

    def flag(condition):
        return case((condition, 1), else_=0)

    first = select(func.min(Submission.received_at)).where(Submission.member_id == Member.id).scalar_subquery()
    return select(
        Member.id, Member.unit_id, Member.removed_at, first,
        flag(exists().where(Submission.member_id == Member.id, Submission.status == "verified")),
        flag(exists().where(Booking.member_id == Member.id, Booking.status.in_(OPEN_STATUSES))),
        flag(exists().where(Card.member_id == Member.id, Card.status != "void")),
        flag(exists().where(Card.member_id == Member.id, Card.status == "handed_over")))


def _fresh(session, ids: list[int]) -> dict[int, tuple]:
    """{member id: (unit, target, collected, verified, booked, printed, handed, first day)} from the sources."""
    rows = session.execute(_fresh_query().where(keys_match(Member.id, ids)))
    out = {}
    for member_id, unit_id, removed_at, first_at, verified, booked, printed, handed in rows:
        if removed_at is not None:  # a removed member counts for nothing, wherever they were
            out[member_id] = (unit_id, 0, 0, 0, 0, 0, 0, None)
        else:
            out[member_id] = (unit_id, 1, int(first_at is not None), int(verified), int(booked), int(printed),
                              int(handed), vietnam_day(first_at) if first_at is not None else None)
    return out


def _count(units: dict, days: dict, tally: tuple, sign: int) -> None:
    unit_id, *counts, first_day = tally
    sums = units.setdefault(unit_id, [0] * len(COUNTS))
    for i, value in enumerate(counts):
        sums[i] += sign * value
    if first_day is not None:
        days[unit_id, first_day] = days.get((unit_id, first_day), 0) + sign


def _add(session, units: dict, days: dict) -> None:
    """`n = n + d` per unit and per unit and day, in key order (the order every commit locks them in)."""
    writes.add_to_units(session, [(u, *d) for u, d in sorted(units.items()) if any(d)])
    writes.add_to_days(session, [(u, d, n) for (u, d), n in sorted(days.items()) if n])


def per_unit(unit_ids) -> list[tuple]:
    """(unit id, target, collected, verified, booked, cards printed, cards handed over) of each unit in
    `unit_ids` (a sub-select) that has members: one primary-key read per unit."""
    return [tuple(row) for row in db.session.execute(
        select(UnitTally.unit_id, *(UnitTally.__table__.c[n] for n in COUNTS))
        .where(UnitTally.unit_id.in_(unit_ids)))]
