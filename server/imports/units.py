"""Importing the organisation tree (a units file): parents may come later in the file, kinds must nest
(server.units.PARENT_KIND), and a unit already stored may be renamed or moved with its whole subtree.

A units file is small (a province has thousands of units, not millions), so it is held in memory, checked
whole, and written top-down one level at a time with bulk statements. A unit's kind never changes.
"""
from sqlalchemy import bindparam, func, insert, literal, select, update

from ..extensions import db
from .rows import article, check_header, parse_unit, quoted, row_values
from ..models import UNIT_KINDS, Unit
from ..units import PARENT_KIND


class UnitImport:
    """One units import: `check` reads and checks the whole file, `write` stores it (the caller commits)."""

    model = Unit  # whose import this is (importers._take_turn)

    def __init__(self, kind: str, report):
        self.kind, self.report, self.rows = kind, report, []

    def prepare(self) -> None:
        """Nothing to read ahead: check() reads the stored tree (run_import calls it once it is this import's turn)."""

    def check(self, source) -> None:
        existing = {code: kind for code, kind in db.session.execute(select(Unit.code, Unit.kind))}
        rows = []
        with source.open() as sheet:
            problems = check_header(self.kind, sheet.columns, sheet.sheet)
            if problems:
                self.report.reject(sheet.header_line, problems)
                return
            for line, values in sheet.rows:
                self.report.rows_read += 1
                values, errors = row_values(sheet.columns, values)
                record, more = parse_unit(values) if not errors else ({}, [])
                rows.append((line, record, errors + more))
        first = {}
        for line, record, errors in rows:
            if record and record["code"] in first:
                errors.append(f"code: repeats line {first[record['code']][0]}")
            elif record:
                first[record["code"]] = (line, record)
        for line, record, errors in rows:
            if record and record["kind"]:
                errors.extend(self._placement(record, first, existing))
            if errors:
                self.report.reject(line, errors)
        if self.report.stored:
            self.rows = sorted((record for _, record in first.values()), key=lambda r: UNIT_KINDS.index(r["kind"]))

    @staticmethod
    def _placement(record: dict, first: dict, existing: dict) -> list[str]:
        errors, kind, parent_code = [], record["kind"], record["parent_code"]
        if existing.get(record["code"], kind) != kind:
            errors.append(f"kind: unit {quoted(record['code'])} is {article(existing[record['code']])} unit; "
                          "a unit's kind cannot change")
        if parent_code and PARENT_KIND[kind]:  # a province with a parent is refused by parse_unit
            parent_kind = first[parent_code][1]["kind"] if parent_code in first else existing.get(parent_code)
            if parent_code not in first and parent_code not in existing:
                errors.append(f"parent_code: no unit has the code {quoted(parent_code)}, in this file or the database")
            elif parent_kind and parent_kind != PARENT_KIND[kind]:
                errors.append(f"parent_code: {quoted(parent_code)} is {article(parent_kind)} unit; {article(kind)} unit "
                              f"sits under {article(PARENT_KIND[kind])} unit")
        return errors

    def write(self, source) -> None:
        table = Unit.__table__
        for kind in UNIT_KINDS:
            level = [record for record in self.rows if record["kind"] == kind]
            if not level:
                continue
            units = {row.code: row for row in db.session.execute(
                select(table.c.id, table.c.code, table.c.name, table.c.parent_id, table.c.path))}
            new = [record for record in level if record["code"] not in units]
            if new:
                parents = [units[record["parent_code"]] if record["parent_code"] else None for record in new]
                ids = db.session.scalars(insert(table).returning(table.c.id, sort_by_parameter_order=True), [
                    {"code": record["code"], "name": record["name"], "kind": kind, "path": "",
                     "depth": UNIT_KINDS.index(kind), "parent_id": parent.id if parent else None}
                    for record, parent in zip(new, parents)]).all()
                db.session.execute(update(table).where(table.c.id == bindparam("_id")), [
                    {"_id": unit_id, "path": f"{parent.path if parent else '/'}{unit_id}/"}
                    for unit_id, parent in zip(ids, parents)])
                self.report.created += len(new)
            for record in level:
                if record["code"] in units:
                    self._update(units[record["code"]], record, units)

    def _update(self, old, record: dict, units: dict) -> None:
        table = Unit.__table__
        self.report.updated += 1
        parent = units[record["parent_code"]] if record["parent_code"] else None
        moved = (parent.id if parent else None) != old.parent_id
        if not moved and old.name == record["name"]:
            self.report.unchanged += 1
            return
        db.session.execute(update(table).where(table.c.id == old.id).values(
            name=record["name"], parent_id=parent.id if parent else None))
        if moved:  # the unit and its whole subtree get the new path prefix
            new_path = f"{parent.path if parent else '/'}{old.id}/"
            db.session.execute(update(table).where(table.c.path.startswith(old.path, autoescape=True)).values(
                path=literal(new_path) + func.substr(table.c.path, len(old.path) + 1)))
