"""The queue: a Huey instance per app. SQLite storage in the data dir needs no server (the embedded default);
`FIELDKIT_JOBS_URL=redis://…` shares one broker among workers on several machines. Huey carries only a job id;
progress and a heartbeat (which worker runs the job, and when it last said so) go to Huey's key-value store, not the database, because an import holds SQLite's one
write lock for its whole transaction and a progress write there would wait behind it."""
from __future__ import annotations

import json
import os
import socket
import threading
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
    """Hand a job to the workers (the caller has committed its row first). The time is kept, so a sweep can hand
    it again if the message was lost (a worker killed between taking it and claiming the row): a second message
    is harmless, since only one worker can move the row from `queued` to `running`."""
    huey_for().storage.put_data(f"job-queued:{job_id}", json.dumps(time.time()).encode())
    current_app.extensions["fieldkit_jobs"][1](job_id)


def queued_at(job_id: int) -> float | None:
    value = huey_for().storage.peek_data(f"job-queued:{job_id}")
    return None if value is EmptyData else json.loads(value)


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Heartbeat(threading.Thread):
    """While a job runs, mark it alive every `interval` seconds, whatever the job is doing (a long commit, a
    reconciliation chunk): a mark older than JOBS_STALE_SECONDS means the worker is gone."""

    def __init__(self, huey, job_id: int, attempt: int, interval: float):
        super().__init__(name=f"job-heartbeat-{job_id}", daemon=True)
        self.huey, self.job_id, self.attempt, self.interval = huey, job_id, attempt, interval
        self.stopped = threading.Event()

    def beat(self) -> None:
        self.huey.storage.put_data(f"job-beat:{self.job_id}", json.dumps(
            {"at": time.time(), "attempt": self.attempt, "worker": worker_id()}).encode())

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                self.beat()
            except Exception:  # noqa: BLE001 - a broker hiccup: the next beat may pass; silence means stale
                pass

    def stop(self, drop: bool) -> None:
        self.stopped.set()
        if drop:
            self.huey.storage.pop_data(f"job-beat:{self.job_id}")


def peek_beat(job_id: int) -> dict | None:
    value = huey_for().storage.peek_data(f"job-beat:{job_id}")
    return None if value is EmptyData else json.loads(value)


def serve(app) -> None:
    _WORKER_APP["app"] = app


def _run_job(job_id: int) -> None:
    from .runner import run_job
    app = _WORKER_APP.get("app") or current_app._get_current_object()
    with app.app_context():  # its own session: never the submitting request's
        run_job(job_id)


def put_progress(job_id: int, progress: dict) -> None:
    progress = dict(progress, at=time.time(), worker=worker_id())
    storage = huey_for().storage
    storage.put_data(f"job-progress:{job_id}", json.dumps(progress).encode())


def peek_progress(job_id: int) -> dict | None:
    value = huey_for().storage.peek_data(f"job-progress:{job_id}")
    return None if value is EmptyData else json.loads(value)


def drop_progress(job_id: int) -> None:
    huey_for().storage.pop_data(f"job-progress:{job_id}")
    huey_for().storage.pop_data(f"job-queued:{job_id}")
