"""Running one job in a worker. The job's row goes `running` in its own short transaction; the work and the row's
final state (`done`, with its report) then commit together, so a worker killed in between leaves the data as it
was and the row `running` with a heartbeat that stops — which is how any worker's sweep (server.jobs.sweep) knows
it may queue the job again, without anyone clicking."""
from __future__ import annotations

import logging
import os
import tempfile
import threading
from contextlib import ExitStack, contextmanager, nullcontext
from pathlib import Path

from flask import current_app
from sqlalchemy import update

from server import audit
from server.extensions import db
from server.imports.files import FileProblem, source_for
from server.imports.importers import IMPORTS
from server.imports.report import ImportReport
from server.imports.reasons_vi import to_vi
from server.models import User, utcnow

from . import queue
from .models import Job, JobFile
from .uploads import upload_store

log = logging.getLogger("fieldkit.jobs")


def run_job(job_id: int) -> None:
    claimed = db.session.execute(update(Job).where(Job.id == job_id, Job.state == "queued").values(
        state="running", started_at=utcnow(), attempts=Job.attempts + 1, error=None))
    db.session.commit()
    if claimed.rowcount != 1:  # taken by another worker, or no longer wanted
        return
    job = db.session.get(Job, job_id)
    attempt, upload = job.attempts, (job.params or {}).get("upload")
    # How the job ended goes to the trail with the work it stored (or alone, when it stored nothing): on behalf of
    # whoever submitted it, at its unit. Read now: a failure's rollback expires the row.
    said = {"user": job.created_by_id, "object_type": "job", "object_id": job_id, "unit_id": job.unit_id,
            "kind": job.kind, "attempts": attempt}
    beat = queue.Heartbeat(queue.huey_for(), job_id, attempt, current_app.config["JOBS_HEARTBEAT_SECONDS"])
    beat.start()
    ours = True
    turn = ExitStack()
    try:
        beat.beat()
        queue.put_progress(job_id, {"phase": "starting", "percent": 0})  # the console: "waiting for its turn"
        db.session.commit()  # no read transaction held while waiting: SQLite could not make it a write afterwards
        # Held to the commit (the work's transaction keeps SQLite's write lock until then), or to a failure's record
        # below: given up before it, the next job would take the lock for its whole import, and the record wait
        # busy_timeout behind it and fail, leaving this job `running` with no heartbeat (a lost worker, it seems).
        turn.enter_context(_turn())
        if job.kind.startswith("import."):
            state, report = _import(job, upload)
        else:
            state, report = _reconcile(job)
        ours = _finish(job_id, attempt, state=state, report=report)
        if ours:
            audit.record("job.end", outcome=state, **said)
            if state == "done":
                db.session.execute(JobFile.__table__.delete().where(JobFile.job_id == job_id))
            db.session.commit()
        else:  # silent too long, the job went to another worker: its run decides, this one stores nothing
            db.session.rollback()
    except Exception as error:  # noqa: BLE001 - any failure ends the job as `failed`, never half-stored
        db.session.rollback()
        ours = _finish(job_id, attempt, state="failed", error=f"{type(error).__name__}"[:255])
        if ours:
            audit.record("job.end", outcome="failed", error=type(error).__name__, **said)
        db.session.commit()
        raise
    finally:
        turn.close()
        beat.stop(drop=ours)
        if ours:
            queue.drop_progress(job_id)
    if ours and upload and state in ("done", "rejected"):  # a rejected file is rejected again: no rerun needs it
        _delete_upload(upload)


# SQLite has one write lock, and an import or a reconciliation holds it for its whole transaction: two jobs at once
# in one worker process (its threads) would have the second wait busy_timeout and fail. They take turns instead,
# still `running` with a live heartbeat, so the sweep leaves them be. PostgreSQL jobs run side by side.
_SQLITE_TURN = threading.Lock()


def _turn():
    return _SQLITE_TURN if db.session.get_bind().dialect.name == "sqlite" else nullcontext()


def _finish(job_id: int, attempt: int, **values) -> bool:
    """End this run of the job, if it is still this run's: the sweep may have given a silent worker's job to
    another (attempts went up), and then this run's work must not commit (a fencing token, in effect)."""
    done = db.session.execute(update(Job).where(Job.id == job_id, Job.state == "running", Job.attempts == attempt)
                              .values(finished_at=utcnow(), **values))
    return done.rowcount == 1


def _delete_upload(key: str) -> None:
    try:
        upload_store(current_app).delete(key)
    except Exception as error:  # noqa: BLE001 - the job is stored; a leftover file is only space
        log.warning("upload not deleted", extra={"fields": {"error": type(error).__name__}})


@contextmanager
def _local_file(job: Job, upload: str | None):
    """A path to the job's file: from the upload store, or (a job queued before uploads were kept there) from
    its row in job_files."""
    if upload:
        with upload_store(current_app).local(upload) as path:
            yield path
        return
    data = db.session.get(JobFile, job.id)
    handle, name = tempfile.mkstemp(suffix=Path(job.filename or "").suffix.lower(), prefix="fieldkit-import-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data.data if data else b"")
        yield Path(name)
    finally:
        os.unlink(name)


def _import(job: Job, upload: str | None) -> tuple[str, dict]:
    from .imports import run_scoped_import
    from .progress import CountingSource
    kind = job.kind.removeprefix("import.")
    user = db.session.get(User, job.created_by_id) if job.created_by_id else None
    report = ImportReport(kind, job.filename or "upload")
    with _local_file(job, upload) as path:
        try:
            source = CountingSource(source_for(path), report, lambda p: queue.put_progress(job.id, p),
                                    one_pass=getattr(IMPORTS.get(kind), "WRITES_WHILE_CHECKING", False))
        except FileProblem as problem:
            report.reject(problem.line, [problem.reason])
        else:
            run_scoped_import(kind, source, report, job.unit, user)
    return ("done" if report.stored else "rejected"), report_dict(report)


def report_dict(report: ImportReport) -> dict:
    """The report as the console shows it: each line's reasons as the CLI prints them and, beside them, in
    Vietnamese (None for a reason not translated yet: the console shows that one in English)."""
    def lines(entries):
        return [{"line": line, "reasons": reasons, "reasons_vi": [to_vi(reason) for reason in reasons]}
                for line, reasons in entries]
    return {"rows_read": report.rows_read, "created": report.created, "updated": report.updated,
            "unchanged": report.unchanged, "stored": report.stored, "rejected_total": report.rejected_total,
            "rejected": lines(report.rejected), "warnings": lines(getattr(report, "warnings", []))}


def _reconcile(job: Job) -> tuple[str, dict]:
    from server.reconcile import run_reconciliation
    user = db.session.get(User, job.created_by_id) if job.created_by_id else None
    queue.put_progress(job.id, {"phase": "reconciling", "percent": None})
    return "done", run_reconciliation(unit=job.unit, user=user).as_dict()
