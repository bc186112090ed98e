"""Imports run for a unit admin: the CLI's importers (the same checks, report and all-or-nothing write), confined
to the admin's subtree. A unit outside it reads as one that does not exist, as everywhere else (CONTRACT §3)."""
from __future__ import annotations

from sqlalchemy import select

from server.extensions import db
from server.imports.importers import IMPORTS, MemberImport, RegistryImport, run_import
from server.imports.units import UnitImport
from server.models import Unit
from server.scope import subtree_unit_ids


def _codes_in(unit: Unit) -> set[str]:
    return set(db.session.scalars(select(Unit.code).where(Unit.id.in_(subtree_unit_ids(unit)))))


class ScopedMemberImport(MemberImport):
    """Members only into cells of the importer's subtree."""

    def __init__(self, kind, report, unit):
        super().__init__(kind, report)
        self.unit = unit

    def prepare(self) -> None:
        super().prepare()
        scope = _codes_in(self.unit)
        self.cells = {code: value for code, value in self.cells.items() if code in scope}


class ScopedUnitImport(UnitImport):
    """Units only under the importer's unit: parents outside it are unknown, codes used outside it refused."""

    def __init__(self, kind, report, unit):
        super().__init__(kind, report)
        self.root = unit

    def prepare(self) -> None:
        self.scope = _codes_in(self.root)

    def _placement(self, record, first, existing):
        visible = {code: kind for code, kind in existing.items() if code in self.scope}
        errors = []
        if record["code"] in existing and record["code"] not in self.scope:
            errors.append(f"code: {record['code']} cannot be used: choose another code")
        if not record["parent_code"] and self.root.parent_id is not None:
            errors.append(f"parent_code: required: every unit you import sits under {self.root.code}")
        if record["code"] == self.root.code and record["parent_code"] != _parent_code(self.root):
            errors.append(f"parent_code: your own unit {self.root.code} cannot be moved from here")
        return errors + UnitImport._placement(record, first, visible)


def _parent_code(unit: Unit) -> str:
    return db.session.get(Unit, unit.parent_id).code if unit.parent_id else ""


def importer_for(kind: str, report, unit: Unit):
    if kind == "members":
        return ScopedMemberImport(kind, report, unit)
    if kind == "units":
        return ScopedUnitImport(kind, report, unit)
    if kind == "registry":
        return RegistryImport(kind, report)  # the registry has no units; only a root admin may submit it
    return IMPORTS[kind](kind, report)  # a kind another feature adds (cards): its own rules


def run_scoped_import(kind: str, source, report, unit: Unit, user) -> None:
    """run_import with the importer scoped to `unit`, without committing: the caller commits (with the job's
    final state)."""
    run_import(kind, source, report, user=user, commit=False, job=importer_for(kind, report, unit), unit_id=unit.id)
