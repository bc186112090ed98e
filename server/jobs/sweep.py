"""Jobs that lost their worker come back on their own. Every `fieldkit worker` runs this sweep every
JOBS_SWEEP_SECONDS: a running job whose heartbeat is older than JOBS_STALE_SECONDS (the worker was killed, its
machine lost) goes back to `queued` and to the broker, where any worker takes it; after JOBS_MAX_ATTEMPTS runs it
is left `interrupted` instead (a file that kills every worker must not do so forever). A queued job whose message
may have been lost is handed to the broker again. Each change is a compare-and-set on (state, attempts), so two
sweeping workers move a job once, and the run that lost the job cannot commit (server.jobs.runner._finish).
Nothing is half-stored by the lost run: an import writes in one transaction, which died with its connection."""
from __future__ import annotations

import logging
import random
import threading
import time

from flask import current_app
from sqlalchemy import select, update

from server import audit
from server.extensions import db
from server.models import utcnow

from . import queue
from .models import Job

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


def start_sweeper(app) -> threading.Thread:
    """The sweep in a daemon thread of a worker process (every worker runs one; they do not need to agree)."""
    interval = app.config["JOBS_SWEEP_SECONDS"]

    def loop():
        while True:
            time.sleep(interval * random.uniform(0.8, 1.2))  # spread the workers' sweeps apart
            try:
                with app.app_context():
                    sweep_once()
            except Exception as error:  # noqa: BLE001 - a database or broker hiccup: the next pass retries
                log.warning("job sweep failed", extra={"fields": {"error": type(error).__name__}})

    thread = threading.Thread(target=loop, name="job-sweeper", daemon=True)
    thread.start()
    return thread
