"""Imports take turns: from an import's first read to its commit, no other import may change what it reads or writes.

PostgreSQL: advisory transaction locks named for the tables (imports of one kind one at a time, an import that reads
another kind's table beside the imports of that kind). SQLite: its one write lock, taken before the first read.
"""
from __future__ import annotations

import time

from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from .. import is_sqlite_locked, sqlite_busy_timeout_ms
from ..extensions import db


def take_turn(table: str, reads: str | None, on_wait) -> None:
    """Wait until no other import can change `table` (the one this import writes) or `reads` (another kind's,
    which it reads), from the import's first read to its commit.

    PostgreSQL: imports of one kind take turns (two overlapping first files would both see the table empty), and an
    import that reads what another kind writes waits for a running one of that kind (a members file loaded while
    the units file naming its new cells is still being stored would find none of them), while imports of that
    kind wait for the readers in turn. SQLite: the one write lock, held from the first read. on_wait() is called
    once if the import has to wait."""
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        take_write_lock(on_wait)
        return
    if connection.dialect.name != "postgresql":
        return
    locks = [("", table)] + ([("_shared", reads)] if reads else [])
    # One at a time, its own kind's first: an import waits holding at most its own kind's lock, and only on its own
    # kind or the kind it reads (cards → members → units), so no two imports can wait on each other.
    told = False
    for mode, locked in locks:
        name = {"name": f"fieldkit import {locked}"}
        if connection.execute(text(f"SELECT pg_try_advisory_xact_lock{mode}(hashtext(:name))"), name).scalar():
            continue
        if not told and on_wait is not None:
            on_wait()
            told = True
        connection.execute(text(f"SELECT pg_advisory_xact_lock{mode}(hashtext(:name))"), name)


# SQLite: how long an import waits for the write lock another import holds. Imports are background work (an
# operator's second file, a job beside a command-line run), so they queue far longer than a request's busy_timeout.
IMPORT_LOCK_WAIT_MS = 30 * 60 * 1000
_LOCK_TRY_MS = 1000


def take_write_lock(on_wait) -> None:
    """SQLite: hold the only write lock from the import's first read, as its batches are written while it checks.
    Begun read-only, the import would read a snapshot that another import's commit makes stale, and then fail at
    its first write however long it waited. If another writer holds the lock: on_wait(), then wait for it."""
    connection = db.session.connection()
    if connection.dialect.name != "sqlite" or connection.connection.dbapi_connection.in_transaction:
        return
    deadline = time.monotonic() + IMPORT_LOCK_WAIT_MS / 1000
    # The first try does not wait, so the operator hears why nothing happens; then short tries, as Python sees a
    # signal only between them (one try of IMPORT_LOCK_WAIT_MS inside SQLite would hold off a Ctrl-C as long).
    wait_ms = 0
    try:
        while True:
            connection.exec_driver_sql(f"PRAGMA busy_timeout={wait_ms}")
            try:
                connection.exec_driver_sql("BEGIN IMMEDIATE")
                return
            except OperationalError as error:
                if not is_sqlite_locked(error) or time.monotonic() >= deadline:
                    raise
            if wait_ms == 0 and on_wait is not None:
                on_wait()
            wait_ms = _LOCK_TRY_MS
    finally:
        if not connection.invalidated:  # an interrupt inside a statement drops the connection: nothing to restore
            connection.exec_driver_sql(f"PRAGMA busy_timeout={sqlite_busy_timeout_ms()}")
