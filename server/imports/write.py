"""Set-based upserts for the record imports: checked rows go to a staging table in bulk, then two statements.

Per batch (BATCH rows of one file): the rows go into a temporary staging table in one statement — COPY FROM STDIN
on PostgreSQL (rows formatted by psycopg, or given as COPY text already — a members file's ordinary rows, see
server.imports.fast_rows and copy_text — sent as one block), one INSERT … SELECT FROM json_each(one JSON array) on
SQLite — and then
  1. `UPDATE target … FROM staging` sets the rows whose key exists and whose values differ (or that a subclass
     says must be touched, e.g. a member removed earlier and listed again), with the subclass's extra columns
     (updated_at, previous_unit_id/moved_at for a member moving cells) computed in SQL from the old row;
  2. `INSERT INTO target … SELECT … FROM staging` adds the new keys, in file order (`ON CONFLICT DO NOTHING` on
     PostgreSQL, `WHERE NOT EXISTS` on SQLite);
so no row is looked up or compared in Python and no ORM object is made. Into a table that was empty when the
import began (a first import) every row is new: each batch goes straight into the target, without staging table
or UPDATE. Both statements' row counts give the report's created / updated / unchanged. Everything runs on the
session's own connection, inside the import's transaction and savepoint, so a refused file still leaves nothing
behind (all or nothing). Values go through each column's SQLAlchemy bind processor (the conversion an ordinary insert makes: dates and aware timestamps to
SQLite's text form, booleans), so the rows stored are the ones `insert(table)` would have stored.

server.imports.background runs each batch's statements on one worker thread while the reader checks the next
batch. A batch is sent in one piece on purpose: the writing thread needs the GIL back after every call into the
database, and it gets it only when the reading thread lets go, so a row-at-a-time send (executemany, or COPY rows
flushed every 32 KB) kept the writer waiting until the reader itself stopped to wait, and the two never overlapped.
On SQLite a staging table costs about as much as the target itself, yet a per-row `INSERT … ON CONFLICT DO UPDATE`
measured slower still (more CPU per row), so both backends share the staging design.
"""
from __future__ import annotations

import itertools
import json
from datetime import datetime
from operator import itemgetter

from psycopg.copy import LibpqWriter
from sqlalchemy import ARRAY, Table, any_, bindparam, select, text

from ..extensions import db
from . import copy_text, pg_bulk

_names = itertools.count(1)
CACHE_SIZE = -8192  # SQLite page cache while an import writes, in KiB (negative): 8 MiB, memory stays bounded


class _OneSend(LibpqWriter):
    """A COPY writer that keeps what psycopg formats (in C, row by row) and sends it in one piece at the end."""

    def __init__(self, cursor):
        super().__init__(cursor)
        self.chunks = []

    def write(self, data) -> None:
        self.chunks.append(data)  # a buffer psycopg hands over and no longer touches

    def finish(self, exc=None) -> None:
        chunks, self.chunks = self.chunks, []
        try:
            if exc is None and chunks:
                super().write(b"".join(chunks))
        except BaseException as error:
            exc = error
            raise
        finally:
            super().finish(exc)  # the COPY is ended (or cancelled) whatever happened


def json_rows(rows) -> str:
    """`rows` as one JSON array of arrays, for SQLite's json_each (one statement for a whole batch). Values are
    text, integers or NULL by now (bind processors ran); anything else fails loudly instead of becoming text."""
    return json.dumps(rows, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def keys_match(column, keys: list):
    """`column IN keys`; on PostgreSQL `= ANY(one array parameter)`, not thousands of placeholders that
    psycopg would have to parse and the server to plan afresh for every batch."""
    if db.session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam("keys", keys, type_=ARRAY(column.type)))
    return column.in_(keys)


def _defaults(table: Table, given: list[str]) -> dict:
    """Python-side defaults of the columns a row does not carry (a callable default is called once)."""
    values = {}
    for column in table.c:
        if column.name in given or column.default is None or column.primary_key:
            continue
        default = column.default
        values[column.name] = default.arg(None) if default.is_callable else default.arg
    return values


class _Block:
    """A batch as COPY sends it (StagedUpsert.packed): the bytes, and how many rows they hold."""

    __slots__ = ("data", "rows")

    def __init__(self, data: bytes, rows: int):
        self.data, self.rows = data, rows

    def __len__(self) -> int:
        return self.rows


class StagedUpsert:
    """Upserts of rows with the columns `names` (the key among them) into `table`, a batch at a time.

    `inserted`: values of other columns for new rows (Python-side defaults fill the rest). `touched`: SQL for
    other columns of a changed row, in terms of `t` (the old row), `s` (the file's row) and `:now`. `also`: an SQL
    condition on `t` that makes a row changed even when its values are equal. `set_aside`: tables (the target,
    and any that `watch` fills) whose plain indexes a first import on PostgreSQL drops for the load and makes
    again at close() (server.imports.pg_bulk). `watch(upsert, rows)`: asked after a batch is staged
    and before it is written (on the writing thread: the upsert's connection only; a direct batch is already in
    the target and entirely new); what it returns reaches the reading thread (Background's `written`)."""

    def __init__(self, table: Table, names: list[str], key: str, now, *, inserted: dict | None = None,
                 touched: dict[str, str] | None = None, also: str = "", watch=None,
                 set_aside: tuple[Table, ...] = ()):
        self.conn = db.session.connection()
        dialect = self.conn.dialect
        self.postgres = dialect.name == "postgresql"
        quote = dialect.identifier_preparer.quote
        self.table, self.names, self.now, self.watch = table, list(names), now, watch
        self.stage = f"import_stage_{table.name}_{next(_names)}"
        self._get = itemgetter(*self.names) if len(self.names) > 1 else (lambda row: (row[self.names[0]],))
        # Only dates and booleans need converting; strings and integers go as they are.
        self._convert = [(i, proc) for i, name in enumerate(self.names)
                         if (proc := table.c[name].type._cached_bind_processor(dialect)) is not None]
        inserted = dict(inserted or {})
        inserted.update(_defaults(table, self.names + list(inserted)))
        columns = [quote(name) for name in self.names]
        self.target = target = dialect.identifier_preparer.format_table(table)
        k = quote(key)
        distinct = "IS DISTINCT FROM" if self.postgres else "IS NOT"
        differs = [f"t.{c} {distinct} s.{c}" for c in columns if c != k] + ([also] if also else [])
        sets = [f"{c} = s.{c}" for c in columns if c != k] + [f"{quote(n)} = {sql}" for n, sql in (touched or {}).items()]
        self.update_sql = self._text(
            f"UPDATE {target} AS t SET {', '.join(sets)} FROM {self.stage} AS s "
            f"WHERE t.{k} = s.{k} AND ({' OR '.join(differs) or '1 = 0'})", {"now": now})
        extra = list(inserted)
        self.insert_sql = self._text(
            f"INSERT INTO {target} ({', '.join(columns + [quote(n) for n in extra])}) "
            f"SELECT {', '.join([f's.{c}' for c in columns] + [f':c{i}' for i in range(len(extra))])} "
            # PostgreSQL: the unique index the insert checks anyway skips the keys the UPDATE just handled; an
            # anti-join would probe the growing table a second time for every row.
            + (f"FROM {self.stage} AS s ORDER BY s.import_line ON CONFLICT ({k}) DO NOTHING" if self.postgres else
               f"FROM {self.stage} AS s WHERE NOT EXISTS (SELECT 1 FROM {target} AS t WHERE t.{k} = s.{k}) "
               "ORDER BY s.import_line"), {f"c{i}": inserted[name] for i, name in enumerate(extra)}, extra)
        # Into an empty table (a first import) every row is new: the keys of one file are distinct (a repeat is
        # refused before anything is written), so the UPDATE could only find rows this import made. Then each
        # batch goes straight into the target, with the new rows' other columns appended, in file order.
        # Safe to look: run_import has taken this import's turn (importers._take_turn), so no other import into the
        # table is under way; two admins loading overlapping first files at once would both see it empty.
        self.direct = self.conn.execute(select(table.c[key]).limit(1)).first() is None
        self.rebuild = None  # PostgreSQL, a first import: the indexes to make again at the end (pg_bulk)
        self.suffix = "\n"  # PostgreSQL, direct: what completes a row given as COPY text (row())
        if self.direct:
            self.extra = tuple(self._stored(table.c[name].type, dialect, inserted[name]) for name in extra)
            if self.extra:
                self.suffix = "\t" + copy_text.line(self.extra)
            if self.postgres and set_aside:
                self.rebuild = pg_bulk.set_aside(self.conn, [dialect.identifier_preparer.format_table(t)
                                                             for t in set_aside])
            dest, dest_columns = target, columns + [quote(n) for n in extra]
        else:
            self.extra = ()
            dest, dest_columns = self.stage, columns + ["import_line"]
        if self.postgres:
            if not self.direct:
                self.conn.exec_driver_sql(f"CREATE TEMPORARY TABLE {self.stage} ON COMMIT DROP AS SELECT "
                                          f"{', '.join(columns)}, 0 AS import_line FROM {target} WITH NO DATA")
            self.copy_sql = f"COPY {dest} ({', '.join(dest_columns)}) FROM STDIN"
        else:
            if not self.direct:  # columns without a type: SQLite keeps each value as bound, the target applies its own
                self.conn.exec_driver_sql(f"CREATE TEMPORARY TABLE {self.stage} ({', '.join(dest_columns)})")
            # A bigger page cache for this import only: with the default 2 MB, a long transaction spills dirty
            # index pages into the WAL again and again. Durability is untouched (synchronous stays as it is).
            self.cache_size = self.conn.exec_driver_sql("PRAGMA cache_size").scalar()
            self.conn.exec_driver_sql(f"PRAGMA cache_size = {CACHE_SIZE}")
            picked = ", ".join(f"json_extract(value, '$[{i}]')" for i in range(len(dest_columns)))
            # json_each walks the array in order, so new rows' ids follow the file (an ORDER BY key would only
            # sort each batch once more).
            self.fill_sql = f"INSERT INTO {dest} ({', '.join(dest_columns)}) SELECT {picked} FROM json_each(?)"

    def _stored(self, type_, dialect, value):
        """`value` as a bound parameter of `type_` would store it (a constant appended to every direct row); on
        PostgreSQL a timestamp as its text, which COPY reads, formatted once instead of once per row."""
        process = type_._cached_bind_processor(dialect)
        if process is not None and value is not None:
            value = process(value)
        return value.isoformat(" ") if self.postgres and isinstance(value, datetime) else value

    def _text(self, sql: str, values: dict, columns: list[str] = ()):
        types = {"now": self.table.c.updated_at.type} if "updated_at" in self.table.c else {}
        types.update({f"c{i}": self.table.c[name].type for i, name in enumerate(columns)})
        params = [bindparam(name, value, type_=types.get(name)) for name, value in values.items() if f":{name}" in sql]
        return text(sql).bindparams(*params)

    def row(self, record: dict, line: int, text: str | None = None) -> tuple | str:
        """The stored form of one checked record: its values in `names` order, then (staged) its line, which keeps
        new rows in file order, or (direct) the new rows' other columns. `text`: PostgreSQL, those values as COPY
        text already (server.imports.fast_rows); the row is then that line, completed."""
        if text is not None and self.postgres:
            return text + (self.suffix if self.direct else f"\t{line}\n")
        values = self._get(record)
        if self._convert:
            values = list(values)
            for i, proc in self._convert:
                if values[i] is not None:
                    values[i] = proc(values[i])
        return (*values, *self.extra) if self.direct else (*values, line)

    def packed(self, rows: list) -> list | _Block:
        """What write() is handed for `rows`, made on the reading thread: on PostgreSQL, rows given as COPY text
        (and the few tuples among them, written by copy_text.line) joined and encoded into the one block COPY
        sends, so the writing thread — which waits for the GIL whenever it needs it back — only sends it; else
        the rows themselves."""
        if self.postgres and any(row.__class__ is str for row in rows):
            text = "".join([row if row.__class__ is str else copy_text.line(row) for row in rows])
            return _Block(text.encode(self.conn.connection.driver_connection.info.encoding), len(rows))
        return rows

    def write(self, rows: list[tuple] | _Block) -> tuple[int, int, object]:
        """Upsert `rows` (from row(), distinct keys; or packed()): (created, changed, what `watch` saw)."""
        if self.postgres:
            with self.conn.connection.driver_connection.cursor() as cursor, \
                    cursor.copy(self.copy_sql, writer=_OneSend(cursor)) as copy:
                if rows.__class__ is _Block:
                    copy.write(rows.data)
                elif any(row.__class__ is str for row in rows):  # lines of COPY text, and maybe a few tuples
                    copy.write("".join([row if row.__class__ is str else copy_text.line(row) for row in rows]))
                else:
                    for row in rows:
                        copy.write_row(row)
        else:
            self.conn.exec_driver_sql(self.fill_sql, (json_rows(rows),))
        seen = self.watch(self, rows) if self.watch is not None else None
        if self.direct:
            return len(rows), 0, seen
        changed = self.conn.execute(self.update_sql).rowcount
        created = self.conn.execute(self.insert_sql).rowcount
        self.conn.exec_driver_sql(f"TRUNCATE {self.stage}" if self.postgres else f"DELETE FROM {self.stage}")
        return created, changed, seen

    def close(self, complete: bool = True) -> None:
        """Done with the file: drop the staging table; `complete` (every row written, nothing refused): make the
        indexes set aside again (a refused file's savepoint brings them back with the rollback)."""
        if self.rebuild is not None and complete:
            pg_bulk.restore(self.conn, self.rebuild)
        if not self.direct:
            self.conn.exec_driver_sql(f"DROP TABLE IF EXISTS {self.stage}")
        if not self.postgres:
            self.conn.exec_driver_sql(f"PRAGMA cache_size = {int(self.cache_size)}")
