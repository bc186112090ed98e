"""Bulk inserts for the record imports, below the ORM and the SQL expression layer's per-row work.

SQLite: one executemany of a prepared INSERT with plain tuples. PostgreSQL: COPY (psycopg `cursor.copy`)
straight into the table. Both run on the session's own connection, so they stay inside the import's
transaction and its savepoint (all or nothing). Values go through each column's SQLAlchemy bind processor
(the same conversion an ordinary insert makes, e.g. aware timestamps to UTC) and Python-side column
defaults are filled in, so the rows stored are the ones `insert(table)` would have stored.
"""
from __future__ import annotations

from sqlalchemy import Table, any_, bindparam, insert
from sqlalchemy.dialects.postgresql import ARRAY

from ..extensions import db


def _defaults(table: Table, given: list[str]) -> dict:
    """Python-side defaults of the columns a row does not carry (a callable default is called once)."""
    values = {}
    for column in table.c:
        if column.name in given or column.default is None or column.primary_key:
            continue
        default = column.default
        values[column.name] = default.arg(None) if default.is_callable else default.arg
    return values


def insert_many(table: Table, rows: list[dict]) -> None:
    """Insert `rows` (dicts with the same keys) into `table` in one round trip."""
    if not rows:
        return
    conn = db.session.connection()
    dialect = conn.dialect
    extra = _defaults(table, list(rows[0]))
    names = list(rows[0]) + list(extra)
    processors = [table.c[name].type._cached_bind_processor(dialect) for name in names]

    def values(row):
        merged = [row[name] if name in row else extra[name] for name in names]
        return tuple(value if proc is None or value is None else proc(value)
                     for value, proc in zip(merged, processors))

    if dialect.name == "postgresql":
        columns = ", ".join(dialect.identifier_preparer.quote(name) for name in names)
        raw = conn.connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(
                f"COPY {dialect.identifier_preparer.format_table(table)} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(values(row))
        return
    compiled = insert(table).compile(dialect=dialect, column_keys=names)
    order = [names.index(name) for name in compiled.positiontup]
    conn.exec_driver_sql(str(compiled), [tuple(v[i] for i in order) for v in map(values, rows)])


def keys_match(column, keys: list):
    """`column IN keys`; on PostgreSQL `= ANY(one array parameter)`, not thousands of placeholders that
    psycopg would have to parse and the server to plan afresh for every batch."""
    if db.session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam("keys", keys, type_=ARRAY(column.type)))
    return column.in_(keys)
