"""The operator CLI (CONTRACT §1): create-user, the import commands' summaries and exit codes, load-demo."""
import csv
import threading
import time

from sqlalchemy import func, select

from server.cli import main
from server.extensions import db
from server.imports.importers import import_file
from server.models import Member, RegistryRecord, Unit, User

MEMBER_HEADER = ["member_code", "unit_code", "full_name", "date_of_birth", "gender", "citizen_id", "hometown",
                 "permanent_address", "party_join_date", "party_official_date", "priority", "needs_home_visit"]


def write_csv(path, header, rows):
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return str(path)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def member_row(code, gender="male", dob="1960-05-01", citizen_id="001060012345"):
    return [code, "C1", "Nguyễn Văn An", dob, gender, citizen_id, "Hà Nội", "", "1985-03-01", "1986-03-01",
            "standard", "no"]


def test_create_user_reads_the_password_from_the_environment(app, tree):
    runner = app.test_cli_runner()
    result = runner.invoke(main, ["create-user", "ana", "--role", "officer", "--unit", "C1"],
                           env={"FIELDKIT_PASSWORD": "a long password"})
    assert result.exit_code == 0, result.output
    assert "created user ana (officer) in unit C1" in result.output
    response = app.test_client().post("/api/v1/auth/login", json={"username": "ana", "password": "a long password"})
    assert response.status_code == 200 and response.json["user"]["unit_code"] == "C1"


def test_create_user_refuses_an_unknown_unit_and_a_taken_name(app, tree):
    runner = app.test_cli_runner()
    env = {"FIELDKIT_PASSWORD": "a long password"}
    unknown = runner.invoke(main, ["create-user", "ana", "--role", "officer", "--unit", "NOPE"], env=env)
    assert unknown.exit_code == 1 and "unknown_unit" in unknown.output
    assert runner.invoke(main, ["create-user", "ana", "--role", "viewer", "--unit", "P"], env=env).exit_code == 0
    taken = runner.invoke(main, ["create-user", "ana", "--role", "viewer", "--unit", "P"], env=env)
    assert taken.exit_code == 1 and "username_taken" in taken.output
    assert count(User) == 1


def test_import_members_prints_the_summary_and_exits_0(app, tree, tmp_path):
    path = write_csv(tmp_path / "members.csv", MEMBER_HEADER,
                     [member_row("N1"), member_row("N2", citizen_id="001060054321")])
    result = app.test_cli_runner().invoke(main, ["import-members", path])
    assert result.exit_code == 0, result.output
    assert "2 rows read, 2 created, 0 updated" in result.output and "0 rejected" in result.output
    assert count(Member) == 2
    again = app.test_cli_runner().invoke(main, ["import-members", path])
    assert again.exit_code == 0 and "0 created, 2 updated" in again.output and count(Member) == 2


def test_import_members_with_a_bad_row_exits_1_and_stores_nothing(app, tree, tmp_path):
    path = write_csv(tmp_path / "members.csv", MEMBER_HEADER,
                     [member_row("N1"), member_row("N2", dob="1960-13-01", citizen_id="001060054321")])
    result = app.test_cli_runner().invoke(main, ["import-members", path])
    assert result.exit_code == 1
    assert "1 rejected" in result.output and "nothing was stored" in result.output
    assert "line 3: date_of_birth: is not a date (YYYY-MM-DD)" in result.output
    assert count(Member) == 0


def test_import_units_and_registry_exit_codes(app, tmp_path):
    runner = app.test_cli_runner()
    units = write_csv(tmp_path / "units.csv", ["code", "name", "kind", "parent_code"],
                      [["P", "Tỉnh ủy", "province", ""], ["A", "Đảng bộ A", "affiliated", "P"]])
    assert runner.invoke(main, ["import-units", units]).exit_code == 0
    bad_units = write_csv(tmp_path / "bad_units.csv", ["code", "name", "kind", "parent_code"],
                          [["C", "Chi bộ", "cell", "A"]])
    result = runner.invoke(main, ["import-units", bad_units])
    assert result.exit_code == 1 and "line 2: parent_code: A is an affiliated unit" in result.output
    assert count(Unit) == 2
    header = ["citizen_id", "full_name", "date_of_birth", "gender", "hometown", "permanent_address"]
    registry = write_csv(tmp_path / "registry.csv", header, [["001060012345", "Nguyễn Văn An", "1960", "male", "", ""]])
    assert runner.invoke(main, ["import-registry", registry]).exit_code == 0
    bad = write_csv(tmp_path / "bad_registry.csv", header + ["note"],
                    [["001060012345", "A", "1960", "male", "", "", ""]])
    result = runner.invoke(main, ["import-registry", bad])
    assert result.exit_code == 1 and "line 1: unknown column(s) note" in result.output
    assert count(RegistryRecord) == 1


def test_load_demo_then_if_empty_does_nothing(app):
    runner = app.test_cli_runner()
    result = runner.invoke(main, ["load-demo", "--members", "300"])
    assert result.exit_code == 0, result.output
    assert "300 members" in result.output and "print-demo-logins" in result.output
    assert "fieldkit-demo" not in result.output  # make run prints the logins once, with print-demo-logins
    counts = (count(Unit), count(Member), count(User))
    assert counts[1] == 300 and counts[2] == 6
    again = runner.invoke(main, ["load-demo", "--members", "300", "--if-empty"])
    assert again.exit_code == 0 and "demo not loaded" in again.output
    assert (count(Unit), count(Member), count(User)) == counts
    twice = runner.invoke(main, ["load-demo", "--members", "300"])
    assert twice.exit_code == 1 and "demo_exists" in twice.output
    assert (count(Unit), count(Member), count(User)) == counts


def test_print_demo_logins_lists_every_demo_user(app):
    result = app.test_cli_runner().invoke(main, ["print-demo-logins"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert "fieldkit-demo" in lines[0]
    assert [line.split()[0] for line in lines[1:]] == ["admin", "viewer", "admin2", "lead", "officer", "officer2"]


def test_import_warns_about_an_id_that_contradicts_its_row_and_stores_it(app, tree, tmp_path):
    path = write_csv(tmp_path / "members.csv", MEMBER_HEADER,
                     [member_row("N1"), member_row("N2", gender="female", citizen_id="001060054321")])
    result = app.test_cli_runner().invoke(main, ["import-members", path])
    assert result.exit_code == 0, result.output
    assert "0 rejected, 1 with warnings" in result.output and "nothing was stored" not in result.output
    assert "line 3: citizen_id: digit 4 (gender and century) contradicts gender" in result.output
    assert count(Member) == 2
    header = ["citizen_id", "full_name", "date_of_birth", "gender", "hometown", "permanent_address"]
    registry = write_csv(tmp_path / "registry.csv", header, [["001060012345", "Nguyễn Văn An", "1961", "male", "", ""]])
    result = app.test_cli_runner().invoke(main, ["import-registry", registry])
    assert result.exit_code == 0 and "line 2: citizen_id: digits 4-6" in result.output
    assert count(RegistryRecord) == 1


def test_commands_on_a_database_never_initialised_say_to_run_init_db(tmp_path):
    from server import create_app
    from server.config import TestConfig
    bare = create_app(TestConfig(tmp_path))  # no create_all: the database file holds no tables
    path = write_csv(tmp_path / "members.csv", MEMBER_HEADER, [member_row("N1")])
    for args in (["import-members", path], ["reconcile"], ["load-demo", "--members", "5", "--if-empty"]):
        result = bare.test_cli_runner().invoke(main, args)
        assert result.exit_code == 1, (args, result.output)
        assert "run `fieldkit init-db` first" in result.output and "Traceback" not in result.output


def cli_import_beside_an_open_one(app, monkeypatch, kind, held, command, path):
    """Import `held` (of `kind`) in a thread and keep its transaction open until the CLI, running `command` on
    `path`, has said it waits for it; (what the held import created or the error it met, the CLI's result)."""
    from server.imports import importers
    written, cli_waits, outcome = threading.Event(), threading.Event(), {}
    take_turn = importers._take_turn

    def told(kind, on_wait):  # only the CLI's import has someone to tell
        def waiting():
            on_wait()
            cli_waits.set()
        return take_turn(kind, waiting if on_wait else None)
    monkeypatch.setattr(importers, "_take_turn", told)

    def hold():
        try:
            with app.app_context():
                outcome["created"] = import_file(kind, held, commit=False).created
                written.set()
                # Open until the CLI waits for it (a fixed second was too short for a slow machine's CLI to start):
                # without the turns the CLI never waits, and after 30 s the assertions on its output say so.
                cli_waits.wait(30)
                db.session.commit()
        except Exception as error:  # noqa: BLE001 -- reported by the caller's assertion
            outcome["created"] = repr(error)
            written.set()

    holder = threading.Thread(target=hold)
    holder.start()
    assert written.wait(30)
    result = app.test_cli_runner().invoke(main, [command, path])
    holder.join(30)
    return outcome["created"], result


def test_two_overlapping_imports_at_once_both_land(app, tree, tmp_path, monkeypatch):
    """Two admins load overlapping first files at the same moment. The second waits for the first to commit
    (PostgreSQL: imports into one table take turns; SQLite: one writer, and the CLI says it waits), then updates
    what the first stored instead of failing on the unique key or on a snapshot the first made stale."""
    first = write_csv(tmp_path / "a.csv", MEMBER_HEADER, [member_row(f"N{i}", citizen_id="") for i in range(5)])
    second = write_csv(tmp_path / "b.csv", MEMBER_HEADER, [member_row(f"N{i}", citizen_id="") for i in range(4, 9)])
    created, result = cli_import_beside_an_open_one(app, monkeypatch, "members", first, "import-members", second)
    assert created == 5
    assert result.exit_code == 0 and "5 rows read, 4 created, 1 updated" in result.output, result.output
    assert count(Member) == 9
    assert "another import is writing" in result.output  # the operator is told why nothing happens yet


def test_a_members_file_loaded_while_its_units_file_is_stored_finds_the_new_cells(app, tree, tmp_path,
                                                                                   monkeypatch):
    """An admin loads the units file and at once the members file whose rows sit in the cells it adds. The members
    import waits for the units import to commit and only then reads the tree: read before, every row of the new
    cells was refused as naming no unit (on PostgreSQL imports of different tables ran side by side; on SQLite
    the tree was read before waiting for the write lock)."""
    units = write_csv(tmp_path / "units.csv", ["code", "name", "kind", "parent_code"],
                      [["C9", "Chi bộ Khu phố 9", "cell", "G1"]])
    rows = [member_row(f"N{i}", citizen_id="") for i in range(3)]
    for row in rows:
        row[1] = "C9"
    members = write_csv(tmp_path / "members.csv", MEMBER_HEADER, rows)
    created, result = cli_import_beside_an_open_one(app, monkeypatch, "units", units, "import-members", members)
    assert created == 1
    assert result.exit_code == 0 and "3 rows read, 3 created" in result.output, result.output
    assert "another import is writing" in result.output  # the operator is told why nothing happens yet
    cell = db.session.scalar(select(Unit).where(Unit.code == "C9"))
    assert db.session.scalar(select(func.count()).select_from(Member).where(Member.unit_id == cell.id)) == 3


def test_an_import_waiting_for_another_stops_on_ctrl_c(sqlite_app, tmp_path):
    """SQLite: an import that waits (up to 30 minutes) for another's write lock said so; the operator who then
    presses Ctrl-C must get the prompt back at once, not when the other import ends. A wait spent inside one
    SQLite call never lets Python see the signal."""
    import os
    import signal
    import sqlite3
    import subprocess
    import sys
    from pathlib import Path

    units = write_csv(tmp_path / "units.csv", ["code", "name", "kind", "parent_code"],
                      [["P", "Tỉnh", "province", ""]])
    other = sqlite3.connect(db.engine.url.database, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another import's write lock
    env = dict(os.environ, FIELDKIT_DATA_DIR=str(tmp_path), DATABASE_URL=str(db.engine.url), SECRET_KEY="test")
    command = subprocess.Popen([str(Path(sys.executable).with_name("fieldkit")), "import-units", units], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    watchdog = threading.Timer(60, command.kill)  # a command that waits without a word must not hang the suite
    watchdog.start()
    try:
        said = command.stdout.readline()  # the CLI's first line; the fixture's lock is still held
        assert "another import is writing" in said, said
        # Ctrl-C once it sleeps in SQLite's busy wait (a signal before it would be seen at once either way).
        wchan, deadline = Path(f"/proc/{command.pid}/wchan"), time.monotonic() + 10
        while time.monotonic() < deadline and "nanosleep" not in wchan.read_text():
            time.sleep(0.01)
        command.send_signal(signal.SIGINT)
        command.wait(timeout=20)  # without the fix: until the lock is released
        output = command.stdout.read()
    finally:
        watchdog.cancel()
        command.kill()
        other.close()
    assert command.returncode != 0 and "Traceback" not in output, output
    db.session.rollback()
    assert count(Unit) == 0


def test_ctrl_c_inside_the_lock_wait_reaches_the_command_as_such(sqlite_app):
    """Where the signal lands is a matter of timing: raised inside SQLAlchemy's own handling of a statement, it
    invalidates the connection, and restoring busy_timeout on it then raised PendingRollbackError instead: a
    traceback in place of the command's "Aborted!"."""
    import sqlite3

    import pytest
    from sqlalchemy import event

    from server.imports import turns
    other = sqlite3.connect(db.engine.url.database, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another import's write lock
    tries = []

    def interrupt_the_second_try(_conn, _cursor, statement, *_args):
        if statement == "BEGIN IMMEDIATE":
            tries.append(statement)
            if len(tries) == 2:
                raise KeyboardInterrupt
    event.listen(db.engine, "before_cursor_execute", interrupt_the_second_try)
    try:
        with pytest.raises(KeyboardInterrupt):
            turns.take_write_lock(None)
    finally:
        event.remove(db.engine, "before_cursor_execute", interrupt_the_second_try)
        other.close()
