"""A first members import (into an empty table: written straight into it, server.imports.write) counts its members
in the progress counters batch by batch on the writing thread: exact after several batches, gone with a refusal."""
from sqlalchemy import func, select

from server.dashboard.models import MemberTally, TallyPending
from server.extensions import db
from server.imports.importers import import_file
from server.models import Member
from tests.test_dashboard_tallies import assert_exact
from tests.test_imports import member, write_csv


def test_a_first_import_in_several_batches_counts_every_member_once(app, tree, tmp_path, monkeypatch):
    monkeypatch.setattr("server.imports.importers.BATCH", 2)
    rows = [member(member_code=f"F{i}", citizen_id="", unit_code="C1" if i % 3 else "C2") for i in range(7)]
    report = import_file("members", write_csv(tmp_path / "members.csv", rows))
    assert (report.created, report.rejected) == (7, [])
    units = assert_exact()
    assert units == {tree["C1"].id: (4, 0, 0, 0, 0, 0), tree["C2"].id: (3, 0, 0, 0, 0, 0)}
    assert db.session.scalar(select(func.count()).select_from(MemberTally)) == 7
    assert db.session.scalar(select(func.count()).select_from(TallyPending)) == 0  # moved into the counters


def test_a_first_import_refused_after_a_written_batch_counts_nothing(app, tree, tmp_path, monkeypatch):
    monkeypatch.setattr("server.imports.importers.BATCH", 2)
    rows = [member(member_code=f"F{i}", citizen_id="") for i in range(5)] + [member(member_code="BAD",
                                                                                    date_of_birth="19x0")]
    report = import_file("members", write_csv(tmp_path / "members.csv", rows))
    assert report.rejected and not report.created
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Member)) == 0
    assert assert_exact() == {}
    assert db.session.scalar(select(func.count()).select_from(MemberTally)) == 0
