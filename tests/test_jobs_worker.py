"""A real job worker (`fieldkit worker`, Huey's consumer) killed with SIGKILL in the middle of an import's write
stores nothing; the job then comes back on its own (the next worker's sweep finds its heartbeat stale and queues
it again) and completes, with no click. Both backends."""
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from server.extensions import db
from server.imports.importers import BATCH
from server.jobs import queue
from server.models import AuditEvent, Member

# Four batches (server.imports.importers.BATCH): the worker is held in the middle of writing them (HELD_WORKER).
ROWS = 20_000
FIELDKIT = str(Path(sys.executable).with_name("fieldkit"))
HEADER = ("member_code,unit_code,full_name,date_of_birth,gender,citizen_id,hometown,permanent_address,"
          "party_join_date,party_official_date,priority,needs_home_visit")


def members_csv(rows: int) -> bytes:
    lines = [HEADER] + [f"K{i:06d},C1,Nguyễn Văn Số {i},1960-05-01,male,,Hà Nội,Số {i} phố Huế,1985-03-01,"
                        f"1986-03-01,standard,no" for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


# `fieldkit worker` whose import stops in the middle of its write: at the first progress tick after a batch is
# written (its transaction still open) it tells the test (a file) and waits there for ever, its heartbeat still
# beating. Waiting for a tick that happened to come mid-write depended on the machine's speed: at ~50,000 rows/s
# 40,000 rows were written within one half-second tick, and the test saw the job done before it could kill.
HELD_WORKER = """
import os, threading
from pathlib import Path
from server.jobs import progress
tell = progress.CountingSource._tell

def held(self, done, force=False):
    tell(self, done, force)
    if self.report.created:  # a batch written, uncommitted
        mark = Path(os.environ["HELD_MARK"])
        mark.with_suffix(".part").write_text(str(done))
        mark.with_suffix(".part").replace(mark)  # whole when the test sees it
        threading.Event().wait()
progress.CountingSource._tell = held
from server.cli import main
main()
"""


def start_worker(app, tmp_path, held=None):
    env = dict(os.environ, FIELDKIT_DATA_DIR=str(tmp_path), DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
               SECRET_KEY="test", FIELDKIT_JOBS_STALE_SECONDS="2", FIELDKIT_JOBS_HEARTBEAT_SECONDS="0.3",
               FIELDKIT_JOBS_SWEEP_SECONDS="0.5")
    command = [FIELDKIT] if held is None else [sys.executable, "-c", HELD_WORKER]
    if held is not None:
        env["HELD_MARK"] = str(held)
    return subprocess.Popen([*command, "worker", "--workers", "1"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def wait_for(admin, job_id, ready, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = admin.get(f"/api/v1/jobs/{job_id}").json
        if ready(job):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} never got there: {job}")


def stored():
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Member))


def test_worker_killed_mid_import_stores_nothing_and_another_worker_completes_it_unasked(app, tree, login_as,
                                                                                          tmp_path):
    app.config.update(JOBS_IMMEDIATE=False, JOBS_STALE_SECONDS=2)
    queue.init_app(app)  # the SQLite queue file in the data dir, shared with the worker process
    admin = login_as("unit_admin", "P")
    upload = admin.post("/api/v1/imports", content_type="multipart/form-data", data={
        "import_kind": "members", "import_file": (io.BytesIO(members_csv(ROWS)), "members.csv")})
    assert upload.status_code == 202 and upload.json["state"] == "queued", upload.json
    job_id = upload.json["id"]
    assert [path.suffix for path in (tmp_path / "uploads").iterdir()] == [".csv"]  # kept in the upload store
    held = tmp_path / "held"
    worker = start_worker(app, tmp_path, held=held)
    try:
        deadline = time.monotonic() + 120
        while not held.exists():  # the worker is in the middle of the write, and stays there
            assert worker.poll() is None and time.monotonic() < deadline, "the worker never got to the write"
            time.sleep(0.05)
        job = admin.get(f"/api/v1/jobs/{job_id}").json
        assert job["state"] == "running" and job["progress"]["phase"] == "writing", job
        assert job["progress"]["rows"] == int(held.read_text()) >= BATCH  # at least one batch written
        assert job["progress"]["worker"].endswith(f":{worker.pid}")  # who runs it, as its heartbeat says
        retry = admin.post(f"/api/v1/jobs/{job_id}/retry").json  # its heartbeat goes on: not to be run again
        assert retry["error"]["code"] == "job_not_retryable", retry
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()
    finally:
        if worker.poll() is None:
            worker.kill()
    assert stored() == 0  # nothing half-imported: the one transaction died with the worker
    worker = start_worker(app, tmp_path)  # the next worker: its sweep finds the heartbeat stale, nobody clicks
    try:
        done = wait_for(admin, job_id, lambda j: j["state"] not in ("queued", "running"))
    finally:
        worker.send_signal(signal.SIGINT)
        worker.wait(30)
    assert done["state"] == "done" and done["attempts"] == 2, done
    assert done["report"]["created"] == ROWS and done["report"]["stored"]
    assert stored() == ROWS
    assert list((tmp_path / "uploads").iterdir()) == []  # the file is gone once stored; the report stays
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "job",
                                                                 AuditEvent.object_id == str(job_id))).all()
    assert actions == ["job.submit", "job.requeue", "job.end"]  # the killed run never ended; the second did


def test_the_sweep_requeues_a_silent_job_until_its_last_attempt_and_rehands_a_lost_message(app, tree):
    from datetime import timedelta

    from server.jobs.models import Job
    from server.jobs.sweep import sweep_once
    from server.models import utcnow
    app.config.update(JOBS_IMMEDIATE=False, JOBS_STALE_SECONDS=2, JOBS_MAX_ATTEMPTS=2)
    queue.init_app(app)
    huey = queue.huey_for(app)
    long_ago = utcnow() - timedelta(seconds=30)
    silent, last, lost, beating = (Job(kind=kind, unit_id=tree[unit].id, state=state, attempts=attempts, params={},
                                       started_at=long_ago if state == "running" else None)
                                   for kind, unit, state, attempts in (("import.members", "P", "running", 1),
                                                                       ("import.members", "A1", "running", 2),
                                                                       ("import.units", "P", "queued", 0),
                                                                       ("import.units", "A1", "running", 1)))
    db.session.add_all([silent, last, lost, beating])
    db.session.commit()
    queue.Heartbeat(huey, beating.id, 1, 1).beat()  # its worker is alive
    assert sweep_once() == [silent.id, lost.id]
    db.session.expire_all()
    assert (silent.state, silent.attempts) == ("queued", 1)  # back on the broker: a worker will claim it
    assert (last.state, last.error) == ("interrupted", "worker_lost")  # its runs are used up: a person decides
    assert lost.state == "queued" and beating.state == "running"
    assert huey.pending_count() == 2
    assert sweep_once() == []  # handed once: the next pass leaves them be
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "job")
                                 .order_by(AuditEvent.id)).all()
    assert actions == ["job.requeue", "job.interrupt"]


def test_two_imports_at_once_in_one_worker_both_complete(app, tree, login_as, monkeypatch):
    """A worker runs jobs in threads. On SQLite an import holds the only write lock for its whole transaction: the
    second waits for it (its turn, and BEGIN IMMEDIATE's long wait) instead of failing. PostgreSQL: side by side.
    The claims keep the production busy_timeout: a claim made while the first import writes waits for its commit."""
    import threading

    from server.jobs.runner import run_job
    app.config.update(JOBS_IMMEDIATE=False)
    queue.init_app(app)
    jobs = []
    for unit, cell, prefix in (("A1", "C1", "K"), ("A2", "C2", "L")):
        admin = login_as("unit_admin", unit)
        rows = members_csv(8000).decode().replace(",C1,", f",{cell},").replace("\nK", f"\n{prefix}")
        answer = admin.post("/api/v1/imports", content_type="multipart/form-data", data={
            "import_kind": "members", "import_file": (io.BytesIO(rows.encode()), "members.csv")})
        assert answer.status_code == 202, answer.json
        jobs.append(answer.json["id"])
    db.session.remove()
    db.engine.dispose()

    def run(job_id):
        with app.app_context():
            try:
                run_job(job_id)
            except Exception:  # noqa: BLE001 - the job row says how it ended; asserted below
                pass
            finally:
                db.session.remove()
    threads = [threading.Thread(target=run, args=(job_id,)) for job_id in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    from server.jobs.models import Job
    db.session.rollback()
    assert [(db.session.get(Job, job_id).state, db.session.get(Job, job_id).error) for job_id in jobs] == [
        ("done", None), ("done", None)]
    assert stored() == 16000


def test_a_reconciliation_claimed_beside_an_import_in_one_worker_waits_for_its_turn(app, tree, login_as,
                                                                                     monkeypatch):
    """The worker's two threads claim an import and a reconciliation at the same moment. On SQLite the import
    holds the only write lock from its first read to its commit, and a reconciliation writes without waiting
    for it as an import does (BEGIN IMMEDIATE): it would wait busy_timeout at its first write and fail. It waits
    for its turn instead. The import keeps its lock until the reconciliation is at the door of its turn (or has
    given up), so the order is forced, not left to timing. PostgreSQL: side by side."""
    import threading

    from server.jobs import runner
    from server.jobs.models import Job
    app.config.update(JOBS_IMMEDIATE=False)
    queue.init_app(app)
    admin = login_as("unit_admin", "A1")
    upload = admin.post("/api/v1/imports", content_type="multipart/form-data", data={
        "import_kind": "members", "import_file": (io.BytesIO(members_csv(1000)), "members.csv")})
    reconcile = admin.post("/api/v1/review/reconcile", json={})
    assert upload.status_code == 202 and reconcile.status_code == 202, (upload.json, reconcile.json)
    import_id, reconcile_id = upload.json["id"], reconcile.json["id"]
    monkeypatch.setenv("FIELDKIT_SQLITE_BUSY_TIMEOUT_MS", "3000")  # without turns: fails in seconds, not minutes
    db.session.remove()
    db.engine.dispose()

    claimed = threading.Barrier(2, timeout=60)
    sqlite = app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
    import_writing, reconcile_at_turn = threading.Event(), threading.Event()
    real_progress, real_turn = queue.put_progress, runner._SQLITE_TURN

    def progress(job_id, value):
        real_progress(job_id, value)
        if value.get("phase") == "starting":  # after its claim, before its turn
            claimed.wait()  # both claimed before the import takes the lock
            if job_id == reconcile_id:
                assert import_writing.wait(60)
        elif job_id == import_id and not import_writing.is_set():  # reading its file: the lock is its own
            import_writing.set()
            if sqlite:  # PostgreSQL has no turns to wait at, and a first import holds members until its commit:
                reconcile_at_turn.wait(60)  # holding on there only made both wait out the 60 s

    class Turn:
        def __enter__(self):
            if threading.current_thread().name == "reconcile":
                reconcile_at_turn.set()
            return real_turn.__enter__()

        def __exit__(self, *exc):
            return real_turn.__exit__(*exc)
    monkeypatch.setattr(queue, "put_progress", progress)
    monkeypatch.setattr(runner, "_SQLITE_TURN", Turn())

    def run(job_id):
        with app.app_context():
            try:
                runner.run_job(job_id)
            except Exception:  # noqa: BLE001 - the job row says how it ended; asserted below
                pass
            finally:
                db.session.remove()
                if job_id == reconcile_id:
                    reconcile_at_turn.set()  # ended without a turn: the import need not hold on
    threads = [threading.Thread(target=run, args=(import_id,), name="import"),
               threading.Thread(target=run, args=(reconcile_id,), name="reconcile")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    db.session.rollback()
    ended = {job.kind: (job.state, job.error) for job in db.session.scalars(select(Job))}
    assert ended == {"import.members": ("done", None), "reconcile": ("done", None)}
    assert stored() == 1000


def test_a_job_that_fails_in_its_turn_records_its_failure_before_the_next_job_takes_the_lock(app, tree, login_as,
                                                                                              monkeypatch):
    """On SQLite a job that fails gives its turn up only once its failure is stored: released before, the next job
    took the turn and the write lock for its whole import, the failure's record waited busy_timeout behind it and
    failed, and the job was left `running`, its heartbeat gone: shown as a lost worker, then run again.
    PostgreSQL: side by side, the failure recorded all the same."""
    import threading

    from server.jobs import runner
    from server.jobs.models import Job
    app.config.update(JOBS_IMMEDIATE=False)
    queue.init_app(app)
    ids = {}
    for unit, cell, prefix, name in (("A1", "C1", "K", "failing"), ("A2", "C2", "L", "next")):
        admin = login_as("unit_admin", unit)
        rows = members_csv(1000).decode().replace(",C1,", f",{cell},").replace("\nK", f"\n{prefix}")
        answer = admin.post("/api/v1/imports", content_type="multipart/form-data", data={
            "import_kind": "members", "import_file": (io.BytesIO(rows.encode()), "members.csv")})
        assert answer.status_code == 202, answer.json
        ids[name] = answer.json["id"]
    monkeypatch.setenv("FIELDKIT_SQLITE_BUSY_TIMEOUT_MS", "3000")  # the broken case fails in seconds
    db.session.remove()
    db.engine.dispose()

    real_import, real_finish = runner._import, runner._finish
    failing_in_turn, next_at_turn, next_writing, failing_ended = (threading.Event() for _ in range(4))
    ordered = app.config["BACKEND"] == "sqlite"  # PostgreSQL has no turns to order

    def failing_import(job, upload):
        if job.id != ids["failing"]:
            return real_import(job, upload)
        failing_in_turn.set()
        assert not ordered or next_at_turn.wait(60)  # the next job waits at the door of the turn
        raise RuntimeError("a bug met by this import")
    monkeypatch.setattr(runner, "_import", failing_import)
    if ordered:
        claimed = threading.Barrier(2, timeout=60)
        real_progress, real_turn, owner = queue.put_progress, runner._SQLITE_TURN, {}

        def progress(job_id, value):
            real_progress(job_id, value)
            if value.get("phase") == "starting":
                claimed.wait()  # both claimed before either takes the turn
                if job_id == ids["next"]:
                    assert failing_in_turn.wait(60)
            elif job_id == ids["next"] and not next_writing.is_set():  # holds the write lock now
                next_writing.set()
                failing_ended.wait(60)

        class Turn:
            def __enter__(self):
                if threading.current_thread().name == "next":
                    next_at_turn.set()
                real_turn.__enter__()
                owner["name"] = threading.current_thread().name

            def __exit__(self, *exc):
                owner.pop("name", None)
                return real_turn.__exit__(*exc)

        def finish(job_id, attempt, **values):
            if values.get("state") == "failed" and owner.get("name") != "failing":
                next_writing.wait(60)  # the turn is no longer this job's: let the next one take the lock first
            return real_finish(job_id, attempt, **values)
        monkeypatch.setattr(queue, "put_progress", progress)
        monkeypatch.setattr(runner, "_SQLITE_TURN", Turn())
        monkeypatch.setattr(runner, "_finish", finish)

    def run(name):
        with app.app_context():
            try:
                runner.run_job(ids[name])
            except Exception:  # noqa: BLE001 - the job row says how it ended; asserted below
                pass
            finally:
                db.session.remove()
                if name == "failing":
                    failing_ended.set()
    threads = [threading.Thread(target=run, args=(name,), name=name) for name in ("failing", "next")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    db.session.rollback()
    ended = {name: (db.session.get(Job, job_id).state, db.session.get(Job, job_id).error)
             for name, job_id in ids.items()}
    assert ended == {"failing": ("failed", "RuntimeError"), "next": ("done", None)}
    assert stored() == 1000
