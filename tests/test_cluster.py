"""Many app nodes, one deployment (CONTRACT §2): PostgreSQL, SeaweedFS, two gunicorn nodes behind HAProxy
(round-robin), one of them through PgBouncer in transaction mode. A session made on one node works on the
other; a photo stored through one node is served by the other; a node SIGKILLed in the middle of a batch
loses nothing, and the tablet's retry through the balancer stores every item exactly once. An import job started
through the balancer (its file in the object store) on a Redis broker shared by two workers completes on the other
worker when the one running it is SIGKILLed, with every row stored once."""
import hashlib
import io
import os
import signal
import subprocess
import threading
import time
import uuid

import pytest
from PIL import Image, ImageDraw
from sqlalchemy import create_engine, text

from harness.cluster import Cluster
from harness.live_server import BIN, Client, fresh_pg_database
from harness.object_store import BUCKET
from tests.conftest import PG_URL
from tests.test_jobs_worker import members_csv

BATCH = 30
JOB_ROWS = 2000
# Short heartbeat, staleness and sweep periods so a lost job comes back within seconds here (60 s in production).
JOB_TIMINGS = {"FIELDKIT_JOBS_STALE_SECONDS": "2", "FIELDKIT_JOBS_HEARTBEAT_SECONDS": "0.3",
               "FIELDKIT_JOBS_SWEEP_SECONDS": "0.5"}
POOL = {"FIELDKIT_DB_POOL_SIZE": "2", "FIELDKIT_DB_MAX_OVERFLOW": "0"}


@pytest.fixture
def cluster(tmp_path, seaweedfs):
    if not PG_URL:
        pytest.fail("FIELDKIT_TEST_PG_URL is not set: run the suite with `make test`")
    store = {**seaweedfs.env, "FIELDKIT_PHOTO_STORE": f"s3://{BUCKET}/cluster-{uuid.uuid4().hex[:8]}"}
    with fresh_pg_database(PG_URL) as url:
        deployment = Cluster(tmp_path, url, store)
        try:
            yield deployment
        finally:
            deployment.stop()


def jpeg(index: int) -> bytes:
    """A small distinct portrait per index (distinct pixels, so distinct stored objects)."""
    img = Image.new("RGB", (300, 400), (40 + index * 7 % 200, 90, 150))
    ImageDraw.Draw(img).ellipse((60, 40 + index % 50, 240, 300), fill=(220, 170, 140))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=90)
    return out.getvalue()


def item(member_id: int, index: int, photo: str) -> dict:
    return {"client_id": str(uuid.uuid4()), "member_id": member_id, "visit_id": None,
            "captured_at": "2025-08-08T14:03:11+07:00", "location_kind": "station", "photo_sha256": photo,
            "consent": True, "fields": {
                "full_name": f"Nguyễn Văn {index}", "date_of_birth": "1960-05-01", "gender": "male",
                "citizen_id": f"001060{index:06d}", "hometown": "Hà Nội", "permanent_address": "Số 1",
                "party_join_date": "1985-03-01", "party_official_date": "1986-03-01"}}


def upload(client: Client, data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()
    status, body = client.request("PUT", f"/api/v1/photos/{digest}", data, content_type="image/jpeg")
    assert status in (200, 201), body
    return digest


def stored(engine, keys) -> dict:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT client_id, id FROM submissions")).all()
    return {client_id: id_ for client_id, id_ in rows if client_id in keys}


@pytest.mark.postgres
def test_two_nodes_behind_a_balancer_share_sessions_photos_jobs_and_survive_a_node_or_worker_killed(cluster):
    cluster.redis()  # the shared job broker, before the nodes so that every process names it
    a = cluster.node("a", extra_env=POOL)
    members = a.prepare(members=BATCH, registry=True)["members"]
    admin_made = subprocess.Popen([str(BIN / "fieldkit"), "create-user", "admin", "--role", "unit_admin", "--unit",
                                   "P"], env=a.env, stdout=subprocess.DEVNULL)  # while the nodes start
    b = cluster.node("b", database_url=cluster.pgbouncer(pool=3), extra_env={**POOL, "FIELDKIT_DB_PGBOUNCER": "1"})
    a.start()
    b.start()
    cluster.balancer()
    # A job worker beside each node (B's through PgBouncer), on the one broker; started now, ready by the end.
    workers = {cluster.spawn(f"worker-{node.data_dir.name}", [str(BIN / "fieldkit"), "worker", "--workers", "1"],
                             env={**node.env, **JOB_TIMINGS}) for node in (a, b)}
    engine = create_engine(cluster.database_url)
    try:
        # A session made on node A works on node B (it lives in the database, not in a process).
        on_a = Client(a.port).login("officer")
        on_b = Client(b.port)
        on_b.cookie, on_b.csrf = on_a.cookie, on_a.csrf
        status, me = on_b.request("GET", "/api/v1/auth/me")
        assert status == 200 and me["username"] == "officer"

        # A photo stored through A (in the object store) is served by B, which reaches PostgreSQL via PgBouncer.
        first = upload(on_a, jpeg(0))
        status, body = on_b.post_json("/api/v1/sync/submissions",
                                      {"device_id": "tab", "items": [item(members[0], 0, first)]})
        assert status == 200 and body["results"][0]["outcome"] == "accepted", body
        status, served = on_b.request("GET", f"/api/v1/photos/{first}")
        assert status == 200 and Image.open(io.BytesIO(served)).size == (600, 800)
        assert on_a.request("GET", f"/api/v1/photos/{first}") == (200, served)

        # The tablet syncs through the balancer: photos first, round-robin over both nodes.
        tablet = cluster.client().login("officer")
        photos = [upload(tablet, jpeg(i)) for i in range(1, BATCH + 1)]
        # Bounded by the pools configured: node A's one gunicorn worker × 2, A's job worker × 2 (connected once it
        # has started, which may be by now), PgBouncer's pool of 3 for node B and B's job worker.
        with engine.connect() as conn:
            backends = conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                                         " AND pid <> pg_backend_pid()")).scalar()
        assert backends <= 2 + 2 + 3

        # Node A is killed while it commits a batch; the retry through the balancer reaches B.
        for _ in range(5):
            items = [item(members[i], i + 1, photos[i]) for i in range(BATCH)]
            keys = {i["client_id"] for i in items}
            at_kill = _kill_mid_batch(a, engine, items, keys)
            if at_kill is not None:
                break
        else:
            pytest.fail("five batches finished before node A could be killed in the middle")
        assert 0 < len(at_kill) < BATCH
        status, body = tablet.post_json("/api/v1/sync/submissions", {"device_id": "tab", "items": items})
        assert status == 200, body
        outcomes = {r["client_id"]: (r["outcome"], r["submission_id"]) for r in body["results"]}
        for key, submission_id in at_kill.items():
            assert outcomes[key] == ("duplicate", submission_id)
        assert sum(o == "accepted" for o, _ in outcomes.values()) == BATCH - len(at_kill)
        with engine.connect() as conn:
            counts = conn.execute(text("SELECT client_id, count(*) FROM submissions GROUP BY client_id")).all()
        assert {k: n for k, n in counts if k in keys} == {k: 1 for k in keys}  # every item exactly once
        for digest in photos:  # every photo readable through the balancer (from the object store)
            status, data = tablet.request("GET", f"/api/v1/photos/{digest}")
            assert status == 200 and Image.open(io.BytesIO(data)).size == (600, 800)

        assert admin_made.wait(60) == 0
        _job_survives_its_worker(cluster, engine, workers, before=BATCH)
    finally:
        engine.dispose()


def _kill_mid_batch(node, engine, items, keys) -> dict | None:
    """Send `items` to `node`, freeze it once a group is committed, SIGKILL it; the committed ones, or None."""
    outcome = []

    def send():
        client = Client(node.port).login("officer")
        try:
            outcome.append(client.post_json("/api/v1/sync/submissions", {"device_id": "tab", "items": items}))
        except OSError as error:
            outcome.append(error)

    sender = threading.Thread(target=send)
    sender.start()
    deadline = time.monotonic() + 60
    while not stored(engine, keys) and sender.is_alive():
        assert time.monotonic() < deadline, "the batch did not start"
        time.sleep(0.001)
    os.killpg(node.proc.pid, signal.SIGSTOP)
    at_kill = stored(engine, keys)
    if len(at_kill) == len(items):
        os.killpg(node.proc.pid, signal.SIGCONT)
        sender.join(30)
        return None
    node.kill()
    sender.join(30)
    assert isinstance(outcome[0], OSError), outcome
    return at_kill


def multipart(fields: dict, filename: str, data: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
             for name, value in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="import_file"; filename="{filename}"\r\n'
                 f"Content-Type: text/csv\r\n\r\n".encode() + data + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def job_state(engine, job_id: int) -> tuple[str, int]:
    with engine.connect() as conn:
        state = conn.execute(text("SELECT state FROM jobs WHERE id = :id"), {"id": job_id}).scalar()
        return state, conn.execute(text("SELECT count(*) FROM members")).scalar()


def _job_survives_its_worker(cluster, engine, workers: set, before: int) -> None:
    """Upload an import through the balancer; SIGKILL the worker that runs it; the other worker completes it."""
    admin = cluster.client().login("admin")
    body, content_type = multipart({"import_kind": "members"}, "members.csv",
                                   members_csv(JOB_ROWS).replace(b",C1,", b",C,"))
    status, job = admin.request("POST", "/api/v1/imports", body, content_type=content_type)
    assert status == 202, job
    job_id = job["id"]

    # Freeze both workers the moment one has claimed the job, find the one its heartbeat names, kill it.
    deadline = time.monotonic() + 30
    while True:
        assert time.monotonic() < deadline, "no worker took the job"
        if job_state(engine, job_id)[0] == "running":
            for proc in workers:
                os.killpg(proc.pid, signal.SIGSTOP)
            status, job = admin.request("GET", f"/api/v1/jobs/{job_id}")
            if (job["progress"] or {}).get("worker"):
                break
            for proc in workers:  # claimed, but not beating yet: let it start
                os.killpg(proc.pid, signal.SIGCONT)
        time.sleep(0.005)
    pid = int(job["progress"]["worker"].rsplit(":", 1)[1])
    victim = next(proc for proc in workers if proc.pid == pid)
    os.killpg(victim.pid, signal.SIGKILL)
    victim.wait(10)
    (survivor,) = workers - {victim}
    os.killpg(survivor.pid, signal.SIGCONT)
    assert job_state(engine, job_id) == ("running", before)  # killed mid-job: nothing of it stored

    deadline = time.monotonic() + 60  # no retry: the survivor's sweep finds the heartbeat stale
    while job["state"] in ("queued", "running"):
        assert time.monotonic() < deadline, f"the job never completed on the other worker: {job}"
        time.sleep(0.1)
        status, job = admin.request("GET", f"/api/v1/jobs/{job_id}")
    assert job["state"] == "done" and job["attempts"] == 2, job
    assert job["report"]["created"] == JOB_ROWS and survivor.poll() is None
    with engine.connect() as conn:
        total, distinct = conn.execute(text("SELECT count(*), count(DISTINCT member_code) FROM members")).one()
    assert total == distinct == before + JOB_ROWS  # every row stored once
