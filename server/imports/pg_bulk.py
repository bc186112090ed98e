"""PostgreSQL, a first import (rows COPYed straight into an empty table, server.imports.write): the tables' plain
indexes are set aside while the rows go in and made again, from their own definitions, once they are all there.

Kept in place, every row updates each index on its own: for 250,000 members (five plain indexes besides the key
and the unique code) that was about half of the server's work for the COPY. Building an index from the finished
table sorts once; the same definitions come back under the same names (pg_get_indexdef), so the schema after
the import is the one before it. The primary key and every unique index stay throughout (other tables' keys
point at them, and a unique index is the last guard against a repeated key), and so do the foreign keys: dropping
one takes the table it points at (units, which every request reads) for itself until the commit, which would
stop the whole service, and while an import waits for it, deadlock with another import that read units before
waiting for its turn.

All of it happens inside the import's transaction and savepoint: a refused file or a failure rolls the indexes
back with the rows. Setting them aside needs the tables to themselves until the commit (ACCESS EXCLUSIVE): it is
taken only if nobody holds them at that moment (NOWAIT), else the import runs with the indexes in place, slower
but the same. While a first import runs, others wait for its tables instead of seeing them empty.
"""
from __future__ import annotations

from sqlalchemy.exc import OperationalError

_PLAIN = """
SELECT CAST(CAST(i.indexrelid AS regclass) AS text), pg_get_indexdef(i.indexrelid) FROM pg_index AS i
WHERE i.indrelid = CAST(%(table)s AS regclass) AND NOT i.indisprimary AND NOT i.indisunique
  AND NOT EXISTS (SELECT 1 FROM pg_constraint AS k WHERE k.conindid = i.indexrelid) ORDER BY 1
"""


def set_aside(conn, tables: list[str]) -> list[str] | None:
    """Drop the plain indexes of `tables` (names as SQL writes them) for a bulk load, if every one of the tables
    can be had at once; the statements that make them again (for restore), or None when they stay."""
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
        for name, definition in conn.exec_driver_sql(_PLAIN, {"table": table}).all():
            conn.exec_driver_sql(f"DROP INDEX {name}")  # as regclass prints it: quoted, qualified if need be
            remake.append(definition)
    return remake


def restore(conn, statements: list[str]) -> None:
    """Make the indexes set_aside dropped (each sorts the whole table once)."""
    for statement in statements:
        conn.exec_driver_sql(statement)
