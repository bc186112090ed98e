"""Operator imports of units, members and registry extracts (CONTRACT §1, §4): all or nothing, in bounded memory.

A members or registry import reads its file once: each row is checked and, while no row has been refused,
upserted in batches (COPY or json_each, set-based: server.imports.write) inside a savepoint of one
transaction, keeping only the key sets that catch a repeated key and the first rejections. The first refused
row stops the writing (the rest is still checked, to report every rejection) and the savepoint is rolled
back, so a refused file leaves the database as it was, and so does a failure half way. Units have their own,
in-memory import (server.imports.units). Nothing here commits a file that was not checked whole.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections import Counter
from pathlib import Path

from sqlalchemy import select

from .. import audit
from ..dashboard import tallies
from ..dashboard.models import MemberTally
from ..extensions import db
from .fast_rows import member_reader
from .files import FileProblem, source_for
from .keys import Keys, compact
from .report import ImportReport
from .rows import check_header, parse_member, parse_registry, row_values, today
from .turns import take_turn
from .units import UnitImport
from .background import Background
from .write import StagedUpsert
from ..models import Member, RegistryRecord, Unit, utcnow

BATCH = 5000  # rows per round: about 1.5 MB in memory (up to three rounds at once), one or three statements each


def import_file(kind: str, path, *, user=None, commit: bool = True, on_wait=None) -> ImportReport:
    """Import a .csv or .xlsx file of `kind` (units, members, registry): every row, or none of them."""
    path = Path(path)
    report = ImportReport(kind, path.name)
    try:
        source = source_for(path)
    except FileProblem as problem:
        report.reject(problem.line, [problem.reason])
        return report
    return run_import(kind, source, report, user=user, commit=commit, on_wait=on_wait)


def run_import(kind: str, source, report: ImportReport | None = None, *, user=None, commit: bool = True,
               job: RecordImport | UnitImport | None = None, unit_id: int | None = None,
               on_wait=None) -> ImportReport:
    """Check the whole `source`, then write it in one transaction; commit unless `commit` is False.

    `job`: the importer to run (the console's jobs give one scoped to the uploader's unit, `unit_id`, which the
    audit row carries); by default the kind's own. `on_wait()` is called if the import must first wait for another
    one to finish (_take_turn)."""
    report = report or ImportReport(kind, source.path.name)
    job = job or IMPORTS[kind](kind, report)
    job.user = user  # who imports: cards are stored at their unit (server.cards.importer)
    _take_turn(kind, on_wait)
    job.prepare()  # what it reads of the database (the cells of a members file), read only now it is its turn
    speculative = db.session.begin_nested()  # record imports write while they check
    try:
        job.check(source)
    except (FileProblem, OSError) as problem:
        report.reject(getattr(problem, "line", 0), [getattr(problem, "reason", "the file cannot be read")])
    except BaseException:
        speculative.rollback()
        raise
    if not report.stored:
        speculative.rollback()
        report.created = report.updated = report.unchanged = 0
        return report
    speculative.commit()
    try:
        job.write(source)
        audit.record(f"import.{kind}", user=user, object_type="import", outcome="stored",
                     unit_id=unit_id if unit_id is not None else audit.root_unit_id(),  # the CLI: the whole tree
                     rows_read=report.rows_read, created=report.created, updated=report.updated,
                     unchanged=report.unchanged)
        if commit:
            db.session.commit()
        else:
            db.session.flush()
    except FileProblem as problem:  # the file changed between the passes
        db.session.rollback()
        report.created = report.updated = report.unchanged = 0
        report.reject(problem.line, [problem.reason])
    except BaseException:
        db.session.rollback()
        raise
    return report


# Which kind's import writes what another kind's import reads: a members file names cells, a cards file members.
READS = {"members": "units", "cards": "members"}


def _take_turn(kind: str, on_wait) -> None:
    """Wait, from the import's first read to its commit, until no other import can change what it reads or writes
    (server.imports.turns): its own kind's table, and the table of the kind it reads."""
    reads = IMPORTS[READS[kind]].model.__tablename__ if kind in READS else None
    take_turn(IMPORTS[kind].model.__tablename__, reads, on_wait)


class RecordImport(ABC):
    """Members or registry records: streamed, checked, then upserted by their key in batches."""

    model: type
    key: str
    unique: tuple[str, ...]

    def __init__(self, kind: str, report: ImportReport):
        self.kind, self.report, self.today = kind, report, today()
        self.table = self.model.__table__

    def prepare(self) -> None:
        """Read what the rows are checked against; run_import calls it once the import has its turn."""

    @abstractmethod
    def parse(self, values: dict[str, str]) -> tuple[dict, list[str], list[str]]:
        """One row's values as a record for the table, its refusals and its warnings (empty when the row is good)."""

    def quick_reader(self, columns: list[str]):
        """A function that returns (the record parse() would make of a row's values, its COPY text or None) when
        the row has no reason and no warning, else None (then parse() is asked); None when this kind has none.
        See server.imports.fast_rows."""
        return None

    def _row(self, columns, values) -> tuple[dict, list[str], list[str]]:
        values, errors = row_values(columns, values)
        return self.parse(values) if not errors else ({}, errors, [])

    @staticmethod
    def _compact(name: str, value):
        """A small in-memory form of a key (an int for a well-formed ID or a short code), None when it is not
        checked. Two keys of one name are equal exactly when their forms are (keys.compact is one-to-one)."""
        return _form_of(name)(value)

    def check(self, source) -> None:
        """Check every row and upsert the good ones in batches until the first refused row."""
        seen = {name: Keys() for name in self.unique}  # see _compact
        repeats = []  # (reasons, name, compact) to point at the first line afterwards
        with source.open() as sheet, Background(self.report, self.written_batch) as background:
            problems = check_header(self.kind, sheet.columns, sheet.sheet)
            if problems:
                self.report.reject(sheet.header_line, problems)
                return
            batches, writing = _Batches(self, background), True
            report = self.report
            # Per key: its form (_compact's, chosen once here rather than once a row) and its set's add_new.
            forms = [(name, _form_of(name), seen[name].add_new) for name in self.unique]
            quick = self.quick_reader(sheet.columns)
            for line, values in sheet.rows:
                report.rows_read += 1
                found = quick(values) if quick is not None else None
                if found is not None:  # a good row (see quick_reader): no reason, no warning
                    (record, text), errors = found, []
                else:
                    text = None
                    record, errors, warnings = self._row(sheet.columns, values)
                    if warnings:
                        report.warn(line, warnings)
                for name, form, add_new in forms:
                    compact = form(record.get(name))
                    if compact is None:
                        continue
                    if not add_new(compact):
                        errors.append(f"{name}: repeats an earlier row")
                        if report.lists_next:  # only listed rows get the line named
                            repeats.append((errors, name, compact))
                if errors:
                    report.reject(line, errors)
                    writing = False  # nothing of this file will be kept: stop writing, go on checking
                elif writing:
                    batches.add(record, line, text)
            batches.finish(flush=writing)
        del seen
        if repeats:
            self._point_at_first(source, repeats)

    def _point_at_first(self, source, repeats) -> None:
        """Name the line a repeated key first appears on (a second read, only for a file already refused)."""
        wanted = {(name, compact): None for _, name, compact in repeats}
        with source.open() as sheet:
            for line, values in sheet.rows:
                record, _, _ = self._row(sheet.columns, values)
                for name in self.unique:
                    key = (name, self._compact(name, record.get(name)))
                    if key in wanted and wanted[key] is None:
                        wanted[key] = line
        for errors, name, compact in repeats:
            errors[errors.index(f"{name}: repeats an earlier row")] = f"{name}: repeats line {wanted[name, compact]}"

    WRITES_WHILE_CHECKING = True  # one read of the file: rows are upserted as they are checked (see check())

    def write(self, source) -> None:
        """Nothing left to do: run_import calls this only for a file check() stored whole, batch by batch."""

    def _writer(self, record: dict) -> StagedUpsert:
        """The set-based writer for this file's columns (every record of one file carries the same keys)."""
        self._now = utcnow()
        return StagedUpsert(self.table, list(record), self.key, self._now, **self.upsert_options())

    def upsert_options(self) -> dict:
        """What a subclass adds to the set-based upsert (server.imports.write.StagedUpsert)."""
        return {}

    written_batch = None  # called in the reading thread with what `watch` saw of each batch written


def _citizen_id_form(value):
    return int(value) if value and len(value) == 12 and value.isascii() and value.isdigit() else None


def _code_form(value):
    return compact(value) if value else None


def _form_of(name: str):
    """RecordImport._compact for one key's values."""
    return _citizen_id_form if name == "citizen_id" else _code_form


class _Batches:
    """Checked records of one file, staged BATCH at a time and handed to the background writer; the set-based
    writer is made for the first record's columns (every record of one file carries the same keys)."""

    def __init__(self, importer: RecordImport, background: Background):
        self.importer, self.background, self.writer, self.rows = importer, background, None, []

    def add(self, record: dict, line: int, text: str | None = None) -> None:
        if self.writer is None:
            self.writer = self.importer._writer(record)
        self.rows.append(self.writer.row(record, line, text))
        if len(self.rows) == BATCH:
            self.background.write(self.writer, self.rows)
            self.rows = []

    def finish(self, *, flush: bool) -> None:
        """Write what is left (unless the file was refused), wait for the last write, drop the staging table."""
        if flush and self.rows:
            self.background.write(self.writer, self.rows)
        self.background.wait()
        if self.writer is not None:
            self.writer.close(complete=flush)


class MemberImport(RecordImport):
    """Members by member_code. A changed member gets updated_at bumped so the roster delta carries it; one removed
    earlier and listed again is back on the roster; one whose cell changed keeps where it came from and when."""

    model, key, unique = Member, "member_code", ("member_code", "citizen_id")

    def prepare(self) -> None:
        self._tallied = 0  # a first import: the highest member id whose tallies are added (_new_and_moved)
        self.cells = {code: unit_id if kind == "cell" else kind
                      for code, unit_id, kind in db.session.execute(select(Unit.code, Unit.id, Unit.kind))}

    def parse(self, values):
        return parse_member(values, self.today, self.cells)

    def quick_reader(self, columns):
        postgres = db.session.get_bind().dialect.name == "postgresql"  # COPY text is for PostgreSQL alone
        return member_reader(columns, self.today, self.cells, copy_text=postgres)

    def upsert_options(self) -> dict:
        moved = "t.unit_id <> s.unit_id"
        return {"inserted": {"status": "pending", "created_at": self._now, "updated_at": self._now},
                "touched": {"updated_at": ":now", "removed_at": "NULL",
                            "previous_unit_id": f"CASE WHEN {moved} THEN t.unit_id ELSE t.previous_unit_id END",
                            "moved_at": f"CASE WHEN {moved} THEN :now ELSE t.moved_at END"},
                "watch": self._new_and_moved, "set_aside": (Member.__table__, MemberTally.__table__),
                "also": "t.removed_at IS NOT NULL"}

    def written_batch(self, seen) -> None:
        # Rows written below the ORM: the progress counters count the new members and recount the moved ones
        # (and those back on the roster) at the commit.
        new, moved = seen
        if new is None:  # a first import's batch, counted already on the writing thread
            tallies.mark_uncounted()
            return
        tallies.touch(moved)
        if new:
            tallies.add_new_members([code for code, _ in new], Counter(unit for _, unit in new))

    def _new_and_moved(self, upsert, rows) -> tuple[list | None, list]:
        """What a members batch is about to change for the counters: the (code, unit) of members not yet stored,
        and the ids of stored ones that move cell or come back on the roster, which written_batch counts on the
        reading thread. A direct batch (into an empty table) is all new: its members' tallies are added here, on
        the writing thread, while the reader checks the next batch (on the reader they held it up for as long
        as the batch's COPY), and (None, []) says so. A staged batch is asked in the staging table, before its
        UPDATE and INSERT."""
        if upsert.direct:
            self._tallied = tallies.add_first_members(upsert.conn, self._tallied)
            return None, []
        return _new_and_moved(upsert, rows)


def _new_and_moved(upsert, rows) -> tuple[list, list]:
    """A staged members batch: (code, unit) of the members it adds, ids of those it moves or brings back."""
    conn, stage, target = upsert.conn, upsert.stage, upsert.target
    new = conn.exec_driver_sql(f"SELECT s.member_code, s.unit_id FROM {stage} AS s WHERE NOT EXISTS "
                               f"(SELECT 1 FROM {target} AS t WHERE t.member_code = s.member_code)").all()
    moved = conn.exec_driver_sql(f"SELECT t.id FROM {target} AS t JOIN {stage} AS s ON t.member_code = s.member_code "
                                 "WHERE t.unit_id <> s.unit_id OR t.removed_at IS NOT NULL").scalars().all()
    return new, moved


class RegistryImport(RecordImport):
    """Registry records by citizen_id."""

    model, key, unique = RegistryRecord, "citizen_id", ("citizen_id",)

    def parse(self, values):
        return parse_registry(values, self.today)

    def upsert_options(self) -> dict:
        return {"set_aside": (RegistryRecord.__table__,)}


IMPORTS = {"units": UnitImport, "members": MemberImport, "registry": RegistryImport}


from ..cards.importer import CardImport  # noqa: E402  (it builds on RecordImport above)

IMPORTS["cards"] = CardImport
