"""The queue: a Huey instance per app. SQLite storage in the data dir needs no server (the embedded default);
`FIELDKIT_JOBS_URL=redis://…` shares one broker among workers on several machines. Huey carries only a job id;
progress and a heartbeat go to Huey's key-value store, not the database, because an import holds SQLite's one
write lock for its whole transaction and a progress write there would wait behind it."""
from __future__ import annotations

import json
import time

from flask import current_app
from huey import MemoryHuey, RedisHuey, SqliteHuey
from huey.constants import EmptyData

_WORKER_APP = {}  # the app a consumer process serves (set by `fieldkit worker`)


def init_app(app) -> None:
    config = app.config
    url = config.get("JOBS_URL") or ""
    if config.get("JOBS_IMMEDIATE"):
        huey = MemoryHuey("fieldkit", immediate=True, results=False)
    elif url.startswith(("redis://", "rediss://", "unix://")):
        huey = RedisHuey("fieldkit", url=url, results=False)
    else:
        huey = SqliteHuey("fieldkit", filename=str(config["DATA_DIR"] / "jobs-queue.db"), results=False)
    task = huey.task(name="fieldkit.run_job", retries=0)(_run_job)
    app.extensions["fieldkit_jobs"] = (huey, task)


def huey_for(app=None):
    return (app or current_app).extensions["fieldkit_jobs"][0]


def enqueue(job_id: int) -> None:
    """Hand a job to the workers (the caller has committed its row first)."""
    current_app.extensions["fieldkit_jobs"][1](job_id)


def serve(app) -> None:
    _WORKER_APP["app"] = app


def _run_job(job_id: int) -> None:
    from .runner import run_job
    app = _WORKER_APP.get("app") or current_app._get_current_object()
    with app.app_context():  # its own session: never the submitting request's
        run_job(job_id)


def put_progress(job_id: int, progress: dict) -> None:
    progress = dict(progress, at=time.time())
    storage = huey_for().storage
    storage.put_data(f"job-progress:{job_id}", json.dumps(progress).encode())


def peek_progress(job_id: int) -> dict | None:
    value = huey_for().storage.peek_data(f"job-progress:{job_id}")
    return None if value is EmptyData else json.loads(value)


def drop_progress(job_id: int) -> None:
    huey_for().storage.pop_data(f"job-progress:{job_id}")
