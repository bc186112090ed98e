"""The tally writes of server.dashboard.tallies, one statement per kind of write whatever the number of rows.

SQLite: an executemany of one prepared statement. PostgreSQL: one statement over `unnest()` of one array per
column — psycopg would otherwise rewrite a multi-row VALUES of thousands of placeholders on the client, which
costs more than the whole write (an import of a province touches every member). Rows go in key order, so the
row locks of two commits are taken in the same order and cannot deadlock.
"""
from __future__ import annotations

import functools

from sqlalchemy import bindparam, text, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .models import CollectedDaily, MemberTally, UnitTally

TALLY = ("member_id", "unit_id", "target", "collected", "verified", "booked", "cards_printed", "cards_handed_over",
         "first_day")
UNIT = ("unit_id", "target", "collected", "verified", "booked", "cards_printed", "cards_handed_over")
DAY = ("unit_id", "day", "collected")
_PG_TYPES = {"first_day": "date", "day": "date"}


def _pg(session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _unnest(names, rows) -> tuple[str, dict]:
    """`unnest(CAST(:c0 AS integer[]), …) AS v(name, …)` and its parameters: one array per column."""
    arrays = ", ".join(f"CAST(:c{i} AS {_PG_TYPES.get(name, 'integer')}[])" for i, name in enumerate(names))
    params = {f"c{i}": [row[i] for row in rows] for i in range(len(names))}
    return f"unnest({arrays}) AS v({', '.join(names)})", params


def insert_tallies(session, rows: list[tuple]) -> set[int]:
    """Insert member tallies (tuples in TALLY order) where none exists yet; the member ids inserted."""
    if _pg(session):
        source, params = _unnest(TALLY, rows)
        return set(session.scalars(text(
            f"INSERT INTO member_tallies ({', '.join(TALLY)}) SELECT * FROM {source} ORDER BY v.member_id "
            "ON CONFLICT (member_id) DO NOTHING RETURNING member_id"), params))
    # SQLite has one writer, and it is us: whatever was missing when we looked is still missing.
    session.execute(sqlite_insert(MemberTally.__table__), [dict(zip(TALLY, row)) for row in rows])
    return {row[0] for row in rows}


def update_tallies(session, rows: list[tuple]) -> None:
    """Overwrite member tallies (tuples in TALLY order) that are locked by this transaction."""
    if _pg(session):
        source, params = _unnest(TALLY, rows)
        sets = ", ".join(f"{name} = v.{name}" for name in TALLY[1:])
        session.execute(text(f"UPDATE member_tallies AS t SET {sets} FROM {source} "
                             "WHERE t.member_id = v.member_id"), params)
        return
    table = MemberTally.__table__
    session.execute(update(table).where(table.c.member_id == bindparam("b_member_id")),
                    [{"b_member_id": row[0]} | dict(zip(TALLY[1:], row[1:])) for row in rows])


def add_to_units(session, rows: list[tuple]) -> None:
    """`n = n + d` for each unit (tuples in UNIT order, sorted by unit), inserting the units not there yet."""
    _add(session, UnitTally.__table__, UNIT, 1, rows)


def add_to_days(session, rows: list[tuple]) -> None:
    """`collected = collected + d` for each (unit, day) (sorted), inserting the days not there yet."""
    _add(session, CollectedDaily.__table__, DAY, 2, rows)


def _add(session, table, names, keys: int, rows: list[tuple]) -> None:
    if not rows:
        return
    if _pg(session):
        source, params = _unnest(names, rows)
        sums = ", ".join(f"{name} = {table.name}.{name} + excluded.{name}" for name in names[keys:])
        order = ", ".join(f"v.{name}" for name in names[:keys])
        session.execute(text(f"INSERT INTO {table.name} ({', '.join(names)}) SELECT * FROM {source} ORDER BY {order} "
                             f"ON CONFLICT ({', '.join(names[:keys])}) DO UPDATE SET {sums}"), params)
        return
    session.execute(_sqlite_add(table, names, keys), [dict(zip(names, row)) for row in rows])


@functools.cache
def _sqlite_add(table, names, keys: int):
    """The SQLite upsert that adds (built once: ingest runs it at every commit)."""
    stmt = sqlite_insert(table)
    return stmt.on_conflict_do_update(index_elements=list(names[:keys]), set_={
        name: table.c[name] + stmt.excluded[name] for name in names[keys:]})

