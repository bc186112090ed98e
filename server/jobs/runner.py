"""Running one job in a worker. The job's row goes `running` in its own short transaction; the work and the row's
final state (`done`, with its report) then commit together, so a worker killed in between leaves the data as it
was and the row `running` with a heartbeat that stops — which is how a rerun knows it may take over."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from sqlalchemy import update

from server.extensions import db
from server.imports.files import FileProblem, source_for
from server.imports.importers import IMPORTS, ImportReport
from server.models import User, utcnow

from . import queue
from .models import Job, JobFile


def run_job(job_id: int) -> None:
    claimed = db.session.execute(update(Job).where(Job.id == job_id, Job.state == "queued").values(
        state="running", started_at=utcnow(), attempts=Job.attempts + 1, error=None))
    db.session.commit()
    if claimed.rowcount != 1:  # taken by another worker, or no longer wanted
        return
    job = db.session.get(Job, job_id)
    queue.put_progress(job_id, {"phase": "starting", "percent": 0})
    try:
        if job.kind.startswith("import."):
            state, report = _import(job)
        else:
            state, report = _reconcile(job)
        job.state, job.report, job.finished_at = state, report, utcnow()
        if state == "done":
            db.session.execute(JobFile.__table__.delete().where(JobFile.job_id == job.id))
        db.session.commit()
    except Exception as error:  # noqa: BLE001 - any failure ends the job as `failed`, never half-stored
        db.session.rollback()
        db.session.execute(update(Job).where(Job.id == job_id).values(
            state="failed", finished_at=utcnow(), error=f"{type(error).__name__}"[:255]))
        db.session.commit()
        raise
    finally:
        queue.drop_progress(job_id)


def _import(job: Job) -> tuple[str, dict]:
    from .imports import run_scoped_import
    from .progress import CountingSource
    kind = job.kind.removeprefix("import.")
    user = db.session.get(User, job.created_by_id) if job.created_by_id else None
    report = ImportReport(kind, job.filename or "upload")
    data = db.session.get(JobFile, job.id)
    suffix = Path(job.filename or "").suffix.lower()
    handle, name = tempfile.mkstemp(suffix=suffix, prefix="fieldkit-import-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data.data if data else b"")
        try:
            source = CountingSource(source_for(Path(name)), report, lambda p: queue.put_progress(job.id, p),
                                    one_pass=getattr(IMPORTS.get(kind), "WRITES_WHILE_CHECKING", False))
        except FileProblem as problem:
            report.reject(problem.line, [problem.reason])
        else:
            run_scoped_import(kind, source, report, job.unit, user)
    finally:
        os.unlink(name)
    return ("done" if report.stored else "rejected"), report_dict(report)


def report_dict(report: ImportReport) -> dict:
    return {"rows_read": report.rows_read, "created": report.created, "updated": report.updated,
            "unchanged": report.unchanged, "stored": report.stored, "rejected_total": report.rejected_total,
            "rejected": [{"line": line, "reasons": reasons} for line, reasons in report.rejected],
            "warnings": [{"line": line, "reasons": reasons} for line, reasons in getattr(report, "warnings", [])]}


def _reconcile(job: Job) -> tuple[str, dict]:
    from server.reconcile import run_reconciliation
    user = db.session.get(User, job.created_by_id) if job.created_by_id else None
    queue.put_progress(job.id, {"phase": "reconciling", "percent": None})
    return "done", run_reconciliation(unit=job.unit, user=user).as_dict()
