"""Submitting, reading and rerunning jobs, inside the caller's scope (a job belongs to the unit it works on)."""
from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from server import audit
from server.errors import DomainError, Forbidden, NotFound
from server.extensions import db
from server.imports.importers import IMPORTS
from server.models import Unit, User, utcnow
from server.scope import MAX_ID, require_role, subtree_unit_ids

from . import queue
from .models import Job, JobFile
from .sweep import is_stale
from .uploads import new_key, upload_store

IMPORT_KINDS = ("units", "members", "registry", "cards")
SUFFIXES = (".csv", ".xlsx")


def submit_import(user: User, kind: str, filename: str, stream) -> Job:
    """Store the uploaded file (read from `stream` in chunks) where every worker can read it, then queue its job."""
    require_role(user, "unit_admin")
    if kind not in IMPORTS:
        raise DomainError(f"Imports of {kind} are not available on this server yet.",
                          code="import_kind_unsupported", status=422, fields={"import_kind": [
                              {"code": "import_kind_unsupported", "params": {"kind": kind}}]})
    if kind == "registry" and user.unit.parent_id is not None:
        raise Forbidden("Only an admin of the root unit imports registry extracts.")
    suffix = Path(filename).suffix.lower()
    if suffix not in SUFFIXES:
        raise DomainError("Upload a .csv or .xlsx file.", code="unsupported_file_type", status=415,
                          fields={"import_file": [{"code": "unsupported_file_type", "params": {}}]})
    _refuse_if_busy(f"import.{kind}", user.unit.id)  # before copying a large file for nothing
    store = upload_store(current_app)
    key = new_key(suffix)
    size, sha256 = store.save(stream, key)
    try:
        job = _insert(user, f"import.{kind}", user.unit, filename=Path(filename).name[-255:],
                      params={"upload": key, "bytes": size, "sha256": sha256})
        audit.record("job.submit", user=user, object_type="job", object_id=job.id, unit_id=job.unit_id,
                     kind=job.kind, bytes=size, sha256=sha256)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        store.delete(key)  # no job will read it
        raise
    return _commit_and_enqueue(job)


def _refuse_if_busy(kind: str, unit_id: int) -> None:
    active = db.session.scalar(select(Job).where(Job.kind == kind, Job.unit_id == unit_id,
                                                 Job.state.in_(("queued", "running"))))
    if active is not None and not is_stale(active):
        raise _busy()


def _busy() -> DomainError:
    return DomainError("A job of this kind is already queued or running for this unit; wait for it to end.",
                       code="job_running", status=409)


def submit_reconcile(user: User, unit: Unit) -> Job:
    job = _insert(user, "reconcile", unit)
    audit.record("job.submit", user=user, object_type="job", object_id=job.id, unit_id=unit.id, kind=job.kind)
    return _commit_and_enqueue(job)


def _insert(user: User, kind: str, unit: Unit, **values) -> Job:
    _interrupt_stale(kind, unit.id)
    job = Job(kind=kind, unit_id=unit.id, created_by_id=user.id, state="queued", **{"params": {}, **values})
    db.session.add(job)
    try:
        db.session.flush()  # the partial unique index: one queued or running job per kind and unit
    except IntegrityError:
        db.session.rollback()
        raise _busy() from None
    return job


def _commit_and_enqueue(job: Job) -> Job:
    db.session.commit()  # before the queue sees the id: a worker must find the row
    queue.enqueue(job.id)
    db.session.expire_all()
    return db.session.get(Job, job.id)


def _interrupt_stale(kind: str, unit_id: int) -> None:
    running = db.session.scalar(select(Job).where(Job.kind == kind, Job.unit_id == unit_id,
                                                  Job.state == "running"))
    if running is not None and is_stale(running):  # compare-and-set, as the sweep does: it may be requeueing it now
        db.session.execute(update(Job).where(Job.id == running.id, Job.state == "running",
                                             Job.attempts == running.attempts)
                           .values(state="interrupted", finished_at=utcnow(), error="worker_lost"))


def get_job(user: User, job_id: int) -> Job:
    require_role(user, "unit_admin")
    if not 0 < job_id <= MAX_ID:
        raise NotFound()
    job = db.session.scalar(select(Job).where(Job.id == job_id, Job.unit_id.in_(subtree_unit_ids(user.unit))))
    if job is None:
        raise NotFound()
    return job


def list_jobs(user: User, kind: str | None = None, limit: int = 50) -> list[Job]:
    require_role(user, "unit_admin")
    stmt = (select(Job).where(Job.unit_id.in_(subtree_unit_ids(user.unit)))
            .order_by(Job.id.desc()).limit(limit))
    if kind:
        stmt = stmt.where(Job.kind == kind)
    return list(db.session.scalars(stmt))


def retry(user: User, job_id: int) -> Job:
    """Run a failed, interrupted or stalled job again (its file is kept until it is stored)."""
    job = get_job(user, job_id)
    if job.state not in ("failed", "interrupted") and not is_stale(job):
        raise DomainError("Only a failed or interrupted job can be run again.", code="job_not_retryable",
                          status=409)
    if job.kind.startswith("import.") and not _file_kept(job):
        raise _file_deleted() if (job.params or {}).get("upload_expired_at") else DomainError(
            "The file of this job is gone; upload it again.", code="job_not_retryable", status=409)
    # Not if a worker's sweep marked the file deleted since it was checked above (it deletes it right after).
    not_expired = Job.params["upload_expired_at"].as_string().is_(None)
    try:  # the partial unique index answers on the UPDATE itself: another job of this kind queued or running
        # Only from the state read above: two clicks at once both read `failed`, and each queued (and audited) a
        # run of the one job.
        queued = db.session.execute(update(Job).where(Job.id == job.id, Job.state == job.state, not_expired)
                                    .values(state="queued", finished_at=None))
    except IntegrityError:
        db.session.rollback()
        raise DomainError("Another job of this kind is queued or running for this unit.", code="job_running",
                          status=409) from None
    if queued.rowcount != 1:
        db.session.rollback()
        if db.session.scalar(select(Job.state).where(Job.id == job.id)) in ("queued", "running"):
            raise DomainError("This job is queued or running already.", code="job_running", status=409)
        raise _file_deleted()
    audit.record("job.retry", user=user, object_type="job", object_id=job.id, unit_id=job.unit_id, kind=job.kind)
    return _commit_and_enqueue(job)


def _file_deleted() -> DomainError:
    return DomainError("The file of this job was deleted (failed imports keep it "
                       f"{current_app.config['JOBS_KEEP_FAILED_HOURS']:g} hours); upload it again.",
                       code="job_not_retryable", status=409)


def _file_kept(job: Job) -> bool:
    upload = (job.params or {}).get("upload")
    if upload:
        return upload_store(current_app).exists(upload)
    return db.session.get(JobFile, job.id) is not None


def job_dict(job: Job) -> dict:
    progress = queue.peek_progress(job.id) if job.state == "running" else None
    if job.state == "running":
        beat = queue.peek_beat(job.id)  # which worker runs it (host:pid), even before its first progress
        progress = dict(progress or {}, **({"worker": beat["worker"]} if beat else {}))
        if is_stale(job):
            progress["stalled"] = True
        progress = progress or None
    return {"id": job.id, "kind": job.kind, "unit_code": job.unit.code, "state": job.state,
            "filename": job.filename, "progress": progress, "report": job.report, "error": job.error,
            "attempts": job.attempts, "created_by": job.created_by_id, "created_at": job.created_at,
            "started_at": job.started_at, "finished_at": job.finished_at, **_file_times(job)}


def _file_times(job: Job) -> dict:
    """For a failed or interrupted import: until when its file is kept for "Run again", or when it was deleted."""
    params = job.params or {}
    if job.state not in ("failed", "interrupted") or not job.kind.startswith("import."):
        return {}
    if params.get("upload_expired_at"):
        return {"file_deleted_at": datetime.fromisoformat(params["upload_expired_at"])}
    if job.finished_at is None:
        return {}
    return {"file_kept_until": job.finished_at + timedelta(hours=current_app.config["JOBS_KEEP_FAILED_HOURS"])}
