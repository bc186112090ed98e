"""A first members import (into an empty table: written straight into it, server.imports.write) counts its members
in the progress counters batch by batch on the writing thread: exact after several batches, gone with a refusal."""
from sqlalchemy import func, inspect, select

from server.dashboard.models import MemberTally, TallyPending
from server.extensions import db
from server.imports import pg_bulk
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


def schema():
    """Indexes, foreign keys and unique constraints of members and member_tallies as committed (a connection of
    its own)."""
    found = inspect(db.engine)
    return [sorted(map(repr, read(table))) for table in ("members", "member_tallies")
            for read in (found.get_indexes, found.get_foreign_keys, found.get_unique_constraints)]


def test_a_first_import_leaves_the_indexes_and_keys_as_they_were_stored_or_refused(app, tree, tmp_path,
                                                                                  monkeypatch):
    """PostgreSQL sets the plain indexes aside for a first import (server.imports.pg_bulk) and makes them again;
    a refused file gets them back with the rollback. Either way the schema is unchanged."""
    monkeypatch.setattr("server.imports.importers.BATCH", 2)
    calls = []
    real = pg_bulk.set_aside
    monkeypatch.setattr(pg_bulk, "set_aside", lambda conn, target: calls.append(real(conn, target)) or calls[-1])
    before = schema()
    refused = [member(member_code=f"F{i}", citizen_id="") for i in range(3)] + [member(member_code="F9",
                                                                                      gender="x")]
    assert import_file("members", write_csv(tmp_path / "refused.csv", refused)).rejected
    db.session.rollback()
    assert schema() == before
    rows = [member(member_code=f"F{i}", citizen_id=f"0380580011{i:02d}") for i in range(5)]
    assert import_file("members", write_csv(tmp_path / "members.csv", rows)).created == 5
    assert schema() == before
    if app.config["BACKEND"] == "postgres":
        # members: 5 plain indexes; member_tallies: 1
        assert len(calls) == 2 and all(len(statements) == 6 for statements in calls)
    else:
        assert calls == []
    db.session.rollback()
    assert [m.citizen_id for m in db.session.scalars(select(Member).where(Member.citizen_id == "038058001103"))
            ] == ["038058001103"]  # the rebuilt index answers


def test_a_first_import_beside_a_reader_of_the_table_keeps_the_indexes_and_stores_the_same(app, tree, tmp_path,
                                                                                           monkeypatch):
    """Someone reading members when the import begins: the import does not queue behind them for the table (nor
    make every later reader queue behind it); it writes with the indexes in place."""
    calls = []
    real = pg_bulk.set_aside
    monkeypatch.setattr(pg_bulk, "set_aside", lambda conn, target: calls.append(real(conn, target)) or calls[-1])
    before = schema()
    with db.engine.connect() as reader:
        assert reader.execute(select(func.count()).select_from(Member)).scalar() == 0  # holds the table till the end
        rows = [member(member_code=f"F{i}", citizen_id="") for i in range(3)]
        assert import_file("members", write_csv(tmp_path / "members.csv", rows)).created == 3
        reader.rollback()
    assert calls == ([None] if app.config["BACKEND"] == "postgres" else [])
    assert schema() == before
    assert assert_exact() == {tree["C1"].id: (3, 0, 0, 0, 0, 0)}


def test_the_command_line_import_runs_without_the_http_api_and_stores_the_file(app, tree, tmp_path):
    """`fieldkit import-members` makes its app without the HTTP API and the job queue (server.cli: a third of its
    start-up), and the import it runs is the same: stored, counted, audited."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from server.models import AuditEvent
    db.session.commit()
    rows = [member(member_code=f"F{i}", citizen_id="") for i in range(3)]
    path = write_csv(tmp_path / "members.csv", rows)
    env = dict(os.environ, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], SECRET_KEY="test",
               FIELDKIT_DATA_DIR=str(tmp_path / "cli"))
    code = ("import atexit, sys; atexit.register(lambda: print('http api loaded:', 'api' in sys.modules, "
            "'job queue loaded:', 'server.jobs.queue' in sys.modules)); from server.cli import main; main()")
    done = subprocess.run([sys.executable, "-c", code, "import-members", str(path)], env=env, capture_output=True,
                          text=True, cwd=Path(__file__).resolve().parent.parent, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "3 created" in done.stdout and "http api loaded: False job queue loaded: False" in done.stdout
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Member)) == 3
    assert assert_exact() == {tree["C1"].id: (3, 0, 0, 0, 0, 0)}
    assert db.session.scalar(select(AuditEvent.outcome).where(AuditEvent.action == "import.members")) == "stored"


def test_an_import_puts_the_interpreters_switch_interval_back(app, tree, tmp_path, monkeypatch):
    """server.imports.background shortens the GIL's switch interval while an import writes beside its checks (the
    writing thread gets the GIL back sooner); afterwards, stored or refused, it is what it was."""
    import sys

    from server.imports.background import _SWITCH
    from server.imports.write import StagedUpsert
    before, seen, real = sys.getswitchinterval(), [], StagedUpsert.write

    def spy(self, rows):
        seen.append(sys.getswitchinterval())
        return real(self, rows)
    monkeypatch.setattr(StagedUpsert, "write", spy)
    rows = [member(member_code=f"F{i}", citizen_id="") for i in range(3)]
    assert import_file("members", write_csv(tmp_path / "members.csv", rows)).created == 3
    assert import_file("members", write_csv(tmp_path / "bad.csv", rows + [member(member_code="X", gender="?")])
                       ).rejected
    assert seen == [_SWITCH] and _SWITCH < before and sys.getswitchinterval() == before
