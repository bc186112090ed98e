"""PostgreSQL, a first import (rows COPYed straight into an empty table, server.imports.write): the table's secondary
indexes and foreign keys are set aside while the rows go in and made again, from their own definitions, once
they are all there.

Kept in place, every row updates each index on its own and fires a foreign-key trigger per reference: for 250,000
members (five plain indexes, two foreign keys) that was two thirds of the server's work for the COPY, and the
foreign key of their member_tallies rows (server.dashboard) two thirds of the work of adding those. Building an
index from the finished table sorts once, and re-adding a foreign key checks every row in one join; the same
definitions come back under the same names (pg_get_indexdef / pg_get_constraintdef), so the schema after the
import is the one before it. The primary key and every unique index stay throughout (other tables' keys point at
them, and a unique index is the last guard against a repeated key).

All of it happens inside the import's transaction and savepoint: a refused file or a failure rolls the indexes
back with the rows. Setting them aside needs the table to itself until the commit (ACCESS EXCLUSIVE): it is taken
only if nobody holds the table at that moment (NOWAIT), else the import runs with the indexes in place, slower
but the same. While a first import runs, others wait for the table instead of seeing it empty.
"""
from __future__ import annotations

from sqlalchemy.exc import OperationalError

_SECONDARY = """
SELECT CAST(CAST(i.indexrelid AS regclass) AS text), pg_get_indexdef(i.indexrelid) FROM pg_index AS i
WHERE i.indrelid = CAST(%(table)s AS regclass) AND NOT i.indisprimary AND NOT i.indisunique
  AND NOT EXISTS (SELECT 1 FROM pg_constraint AS k WHERE k.conindid = i.indexrelid) ORDER BY 1
"""
_FOREIGN = """
SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
WHERE conrelid = CAST(%(table)s AS regclass) AND contype = 'f' ORDER BY conname
"""


def set_aside(conn, tables: list[str]) -> list[str] | None:
    """Drop the plain indexes and foreign keys of `tables` (names as SQL writes them) for a bulk load, if every one
    of them can be had at once; the statements that make them again (for restore), or None when they stay."""
    quote = conn.dialect.identifier_preparer.quote
    conn.exec_driver_sql("SAVEPOINT import_set_aside")
    try:
        conn.exec_driver_sql(f"LOCK TABLE {', '.join(tables)} IN ACCESS EXCLUSIVE MODE NOWAIT")
    except OperationalError:  # someone is reading or writing one now: keep the indexes, do not queue behind them
        conn.exec_driver_sql("ROLLBACK TO SAVEPOINT import_set_aside")
        return None
    finally:
        conn.exec_driver_sql("RELEASE SAVEPOINT import_set_aside")
    remake = []
    for table in tables:
        indexes = conn.exec_driver_sql(_SECONDARY, {"table": table}).all()
        foreign = conn.exec_driver_sql(_FOREIGN, {"table": table}).all()
        for name, _ in indexes:
            conn.exec_driver_sql(f"DROP INDEX {name}")  # as regclass prints it: quoted, qualified if need be
        for name, _ in foreign:
            conn.exec_driver_sql(f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}")
        remake += [definition for _, definition in indexes] + [
            f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {definition}" for name, definition in foreign]
    return remake


def restore(conn, statements: list[str]) -> None:
    """Make the indexes and foreign keys set_aside dropped (each checks or sorts the whole table once)."""
    for statement in statements:
        conn.exec_driver_sql(statement)
