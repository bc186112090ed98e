"""The demo province: load it into the database (through the import checks), or write it out as import files.

Loading never touches a database that already holds the demo's users or province: it is for a fresh
machine (`make run`) and for tests. Every demo user has the same, published password.
"""
from __future__ import annotations

import csv
import tempfile
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from .. import audit
from ..auth import create_user
from .gen import (MEMBER_FILE_COLUMNS, PROVINCE, REGISTRY_FILE_COLUMNS, UNIT_FILE_COLUMNS, DemoGenerator,
                       Truth)
from ..errors import Conflict
from ..extensions import db
from ..imports.rows import today
from ..imports.importers import import_file
from ..models import Member, Unit, User, Visit, VisitAssignment

DEMO_PASSWORD = "fieldkit-demo"
FIRST_AFFILIATED, FIRST_GRASSROOTS = f"{PROVINCE[0]}-01", f"{PROVINCE[0]}-01-01"
# (username, role, unit code, display name)
DEMO_USERS = [
    ("admin", "unit_admin", PROVINCE[0], "Ban Tổ chức Tỉnh ủy"),
    ("viewer", "viewer", PROVINCE[0], "Văn phòng Tỉnh ủy"),
    ("admin2", "unit_admin", FIRST_AFFILIATED, "Ban Tổ chức Thành ủy"),
    ("lead", "team_lead", FIRST_GRASSROOTS, "Tổ trưởng Đặng Văn Lâm"),
    ("officer", "officer", FIRST_GRASSROOTS, "Cán bộ Trần Thị Mai"),
    ("officer2", "officer", FIRST_GRASSROOTS, "Cán bộ Lê Quang Huy"),
]
MAX_VISITS = 6


def demo_logins_text() -> str:
    """The demo logins, one line each, for the console."""
    lines = [f"Demo logins (password for all: {DEMO_PASSWORD}):"]
    lines += [f"  {username:<9} {role:<11} unit {unit}" for username, role, unit, _ in DEMO_USERS]
    return "\n".join(lines)


@dataclass
class DemoResult:
    units: int
    members: int
    registry: int
    visits: int
    seconds: float
    truth: Truth = field(repr=False)

    def summary(self) -> str:
        return (f"demo province {PROVINCE[1]} ({PROVINCE[0]}) loaded in {self.seconds:.1f} s: {self.units} units, "
                f"{self.members} members, {self.registry} registry records, {self.visits} open visits\n"
                "demo logins: fieldkit print-demo-logins")  # printed once, by that command (make run calls it)


def _import(kind: str, path: Path) -> int:
    report = import_file(kind, path, commit=False)
    if not report.stored:  # the generator made a row the import refuses: a bug, not a user error
        raise RuntimeError(report.summary())
    return report.created


def load_demo(members: int = 20000, seed: int = 2025) -> DemoResult:
    """Generate and store the demo province with its users and a few open visits; commits."""
    started = time.monotonic()
    taken = db.session.scalar(select(User.username).where(User.username.in_([u[0] for u in DEMO_USERS])).limit(1))
    if taken or db.session.scalar(select(Unit.id).where(Unit.code == PROVINCE[0])):
        raise Conflict("The demo province or its users already exist.", code="demo_exists")
    generator = DemoGenerator(members, seed)
    try:
        with tempfile.TemporaryDirectory(prefix="fieldkit-demo-") as directory:
            # Through files and the operator import: the same checks, in flat memory at any size.
            paths = _write(Path(directory), generator)
            units, stored = _import("units", paths["units"]), _import("members", paths["members"])
            registry = _import("registry", paths["registry"])
        users = {username: create_user(username, DEMO_PASSWORD, role, unit, name)
                 for username, role, unit, name in DEMO_USERS}
        visits = _visits(users)
        audit.record("demo.load", object_type="unit", object_id=PROVINCE[0], unit_id=audit.root_unit_id(),
                     members=members, seed=seed)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return DemoResult(units, stored, registry, visits, time.monotonic() - started, generator.truth)


def _visits(users: dict[str, User]) -> int:
    """Open home/hospital visits for members in the first grassroots unit who need one, split between officers."""
    lead, officers = users["lead"], [users["officer"], users["officer2"]]
    unit = db.session.scalar(select(Unit).where(Unit.code == FIRST_GRASSROOTS))
    found = db.session.scalars(select(Member).join(Unit, Member.unit_id == Unit.id).where(
        Unit.path.startswith(unit.path), Member.needs_home_visit.is_(True)).order_by(Member.id).limit(MAX_VISITS))
    count = 0
    for count, member in enumerate(found, start=1):
        officer = officers[count % 2 == 0]
        note = member.home_visit_note or ""
        visit = Visit(member_id=member.id, kind="hospital" if "Bệnh viện" in note else "home",
                      assignee_id=officer.id, due_date=today() + timedelta(days=count), note=note,
                      status="open", created_by_id=lead.id)
        visit.history.append(VisitAssignment(assignee_id=officer.id, assigned_by_id=lead.id,
                                             reason="Phân công ban đầu"))
        db.session.add(visit)
    db.session.flush()
    return count


def write_demo_files(directory, members: int = 20000, seed: int = 2025,
                     registry_extra: int | None = None) -> dict[str, Path]:
    """Write units.csv, members.csv and registry.csv for a seed, streaming; returns their paths.

    `registry_extra` sets how many registry-only people follow the members' own records (default 5% of members).
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    return _write(directory, DemoGenerator(members, seed, registry_extra))


def _write(directory: Path, generator: DemoGenerator) -> dict[str, Path]:
    """members.csv gets a BOM, as spreadsheet exports have; the others do not."""
    paths = {kind: directory / f"{kind}.csv" for kind in ("units", "members", "registry")}
    with open(paths["units"], "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(UNIT_FILE_COLUMNS)
        writer.writerows(generator.units)
    with (open(paths["members"], "w", encoding="utf-8-sig", newline="") as member_file,
          open(paths["registry"], "w", encoding="utf-8", newline="") as registry_file):
        member_writer, registry_writer = csv.writer(member_file), csv.writer(registry_file)
        member_writer.writerow(MEMBER_FILE_COLUMNS)
        registry_writer.writerow(REGISTRY_FILE_COLUMNS)
        for member, record in generator.members():
            member_writer.writerow(member)
            if record is not None:
                registry_writer.writerow(record)
        registry_writer.writerows(generator.registry_only())
    return paths
