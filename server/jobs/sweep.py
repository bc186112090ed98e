"""Jobs that lost their worker come back on their own. Every `fieldkit worker` runs this sweep every
JOBS_SWEEP_SECONDS: a running job whose heartbeat is older than JOBS_STALE_SECONDS (the worker was killed, its
machine lost) goes back to `queued` and to the broker, where any worker takes it; after JOBS_MAX_ATTEMPTS runs it
is left `interrupted` instead (a file that kills every worker must not do so forever). A queued job whose message
may have been lost is handed to the broker again. Each change is a compare-and-set on (state, attempts), so two
sweeping workers move a job once, and the run that lost the job cannot commit (server.jobs.runner._finish).
Nothing is half-stored by the lost run: an import writes in one transaction, which died with its connection.

The sweep also keeps uploaded files from staying forever (they hold members' personal data): the file of a failed
or interrupted import is kept JOBS_KEEP_FAILED_HOURS for "Run again", then deleted, its job marked and audited;
and any upload older than that which no queued, running, failed or interrupted job names (a delete that failed
after its job ended, a crash between storing the file and its job) is deleted too."""
from __future__ import annotations

import logging
import random
import threading
import time
from datetime import timedelta

from flask import current_app
from sqlalchemy import exists, or_, select, update

from server import audit
from server.extensions import db
from server.models import utcnow

from . import queue
from .models import Job, JobFile
from .uploads import upload_store

log = logging.getLogger("fieldkit.jobs")


def last_sign(job: Job) -> float:
    """When the job's run last showed life: its heartbeat, its progress, else when it started."""
    marks = [(queue.peek_beat(job.id) or {}).get("at"), (queue.peek_progress(job.id) or {}).get("at"),
             job.started_at.timestamp() if job.started_at else None]
    return max((mark for mark in marks if mark is not None), default=0.0)


def is_stale(job: Job) -> bool:
    """Running, but its worker stopped beating (killed, machine lost)."""
    return job.state == "running" and time.time() - last_sign(job) > current_app.config["JOBS_STALE_SECONDS"]


def sweep_once() -> list[int]:
    """One pass (inside an app context); the ids of the jobs handed to the broker again."""
    limit = current_app.config["JOBS_STALE_SECONDS"]
    handed = []
    for job in db.session.scalars(select(Job).where(Job.state.in_(("queued", "running"))).order_by(Job.id)).all():
        if job.state == "queued":
            if time.time() - (queue.queued_at(job.id) or 0) > limit:
                db.session.rollback()  # end the read transaction before talking to the broker
                queue.enqueue(job.id)
                handed.append(job.id)
            continue
        if not is_stale(job):
            continue
        again = job.attempts < current_app.config["JOBS_MAX_ATTEMPTS"]
        values = {"state": "queued"} if again else {"state": "interrupted", "finished_at": utcnow(),
                                                      "error": "worker_lost"}
        moved = db.session.execute(update(Job).where(Job.id == job.id, Job.state == "running",
                                                     Job.attempts == job.attempts).values(**values))
        if moved.rowcount != 1:  # another sweep, or the run itself, got there first
            db.session.rollback()
            continue
        audit.record("job.requeue" if again else "job.interrupt", object_type="job", object_id=job.id,
                     unit_id=job.unit_id, kind=job.kind, attempts=job.attempts, outcome="worker_lost")
        db.session.commit()
        log.info("job worker lost", extra={"fields": {"job_id": job.id, "attempts": job.attempts,
                                                       "requeued": again}})
        if again:
            queue.enqueue(job.id)
            handed.append(job.id)
        else:  # nothing will run it: its marks in the broker's store go
            queue.drop_progress(job.id)
            queue.huey_for().storage.pop_data(f"job-beat:{job.id}")
    db.session.rollback()
    return handed


# Files are kept for hours or days: looking for expired ones every quarter of an hour is soon enough.
EXPIRE_EVERY_SECONDS = 900
KEEPS_FILE = ("queued", "running", "failed", "interrupted")
# An upload no job names may be one whose job is not committed yet (a large file is stored first): an orphan must
# be this old, however short JOBS_KEEP_FAILED_HOURS is set.
ORPHAN_MIN_AGE = timedelta(hours=1)


def expire_uploads() -> dict:
    """Delete the upload files kept past JOBS_KEEP_FAILED_HOURS (inside an app context): those of failed and
    interrupted jobs (each job marked `upload_expired_at` and audited, so "Run again" says the file is gone)
    and those no job keeps. Returns {"jobs": [ids], "orphans": count}."""
    keep = timedelta(hours=current_app.config["JOBS_KEEP_FAILED_HOURS"])
    cutoff = utcnow() - keep
    store = upload_store(current_app)
    expired = []
    not_marked = Job.params["upload_expired_at"].as_string().is_(None)
    # Plain values, not Job objects: each commit below expires loaded objects, and a reloaded one would carry the
    # state a "Run again" gave it meanwhile, so the compare-and-set would compare with that and delete its file.
    stale = db.session.execute(select(Job.id, Job.state, Job.attempts, Job.params, Job.unit_id, Job.kind).where(
        Job.state.in_(("failed", "interrupted")), Job.finished_at < cutoff,
        or_(Job.params["upload"].as_string().is_not(None), exists().where(JobFile.job_id == Job.id)))
        .order_by(Job.id)).all()
    db.session.rollback()
    for job_id, state, attempts, old, unit_id, kind in stale:
        key = (old or {}).get("upload")
        params = dict(old or {}, upload=None, upload_expired_at=utcnow().isoformat())
        # Compare-and-set on what was selected: a "Run again" that got there first keeps its file, and a job
        # another worker's sweep marked meanwhile is not marked (nor audited) twice.
        moved = db.session.execute(update(Job).where(
            Job.id == job_id, Job.state == state, Job.attempts == attempts, Job.finished_at < cutoff, not_marked)
            .values(params=params))
        if moved.rowcount != 1:
            db.session.rollback()
            continue
        db.session.execute(JobFile.__table__.delete().where(JobFile.job_id == job_id))
        audit.record("job.upload_expire", object_type="job", object_id=job_id, unit_id=unit_id,
                     kind=kind, kept_hours=keep.total_seconds() / 3600)
        db.session.commit()
        expired.append(job_id)
        if key:
            _delete(store, key)
    kept = {key for (params,) in db.session.execute(select(Job.params).where(Job.state.in_(KEEPS_FILE)))
            if (key := (params or {}).get("upload"))}
    db.session.rollback()
    orphan_cutoff = min(cutoff, utcnow() - ORPHAN_MIN_AGE)
    orphans = [key for key in store.older_than(orphan_cutoff.timestamp()) if key not in kept]
    deleted = sum(_delete(store, key) for key in orphans)
    if deleted:
        audit.record("job.upload_expire", object_type="upload", outcome="no_job", count=deleted,
                     unit_id=audit.root_unit_id(),  # files of no job, so of no unit: the whole tree's
                     kept_hours=keep.total_seconds() / 3600)
        db.session.commit()
    if expired or deleted:
        log.info("upload files expired", extra={"fields": {"jobs": len(expired), "orphans": deleted}})
    return {"jobs": expired, "orphans": deleted}


def _delete(store, key: str) -> bool:
    try:
        store.delete(key)
        return True
    except Exception as error:  # noqa: BLE001 - the next pass tries again (the file is then an orphan)
        log.warning("upload not deleted", extra={"fields": {"error": type(error).__name__}})
        return False


def start_sweeper(app) -> threading.Thread:
    """The sweep in a daemon thread of a worker process (every worker runs one; they do not need to agree)."""
    interval = app.config["JOBS_SWEEP_SECONDS"]

    def run(name, step):  # each pass on its own: a broker that is down must not keep files past their time
        try:
            with app.app_context():
                step()
        except Exception as error:  # noqa: BLE001 - a database or broker hiccup: the next pass retries
            log.warning("job %s failed", name, extra={"fields": {"error": type(error).__name__}})

    def loop():
        expired_at = None
        while True:
            time.sleep(interval * random.uniform(0.8, 1.2))  # spread the workers' sweeps apart
            run("sweep", sweep_once)
            if expired_at is None or time.monotonic() - expired_at >= EXPIRE_EVERY_SECONDS:
                expired_at = time.monotonic()
                run("expire", expire_uploads)

    thread = threading.Thread(target=loop, name="job-sweeper", daemon=True)
    thread.start()
    return thread
