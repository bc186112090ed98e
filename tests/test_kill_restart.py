"""A real gunicorn killed with SIGKILL in the middle of a 50-item batch loses nothing and stores nothing twice.

The server is stopped at a known point: once a few items are committed, the test freezes it (SIGSTOP) and
reads what is stored, so the server is certainly part-way through the batch when it is killed. (Taking the
database's write lock instead no longer stops it there: the batch commits in groups, and SQLite's busy
handler hands the lock back to the server between its groups before a waiting outsider wakes up.)
"""
import hashlib
import os
import signal
import threading
import time
import uuid

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import BACKENDS, PG_URL
from harness.live_server import Client, LiveServer, fresh_pg_database

BATCH = 50


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fieldkit.db'}"
        return
    if not PG_URL:
        pytest.fail("FIELDKIT_TEST_PG_URL is not set: run the suite with `make test`")
    with fresh_pg_database(PG_URL) as url:
        yield url


def _items(member_ids, photo):
    return [{"client_id": str(uuid.uuid4()), "member_id": member_id, "visit_id": None,
             "captured_at": "2025-08-08T14:03:11+07:00", "location_kind": "station", "photo_sha256": photo,
             "consent": True, "fields": {
                 "full_name": f"Nguyễn Văn {i}", "date_of_birth": "1960-05-01", "gender": "male",
                 "citizen_id": f"001060{i:06d}", "hometown": "Hà Nội", "permanent_address": "Số 1",
                 "party_join_date": "1985-03-01", "party_official_date": "1986-03-01"}}
            for i, member_id in enumerate(member_ids)]


def _stored(engine) -> dict:
    with engine.connect() as conn:
        return {row.client_id: row.id for row in conn.execute(text("SELECT client_id, id FROM submissions"))}


def _start_batch(port, items):
    """Send the batch from a thread; its only entry is the answer, or the error the dying server caused."""
    outcome = []

    def send():
        client = Client(port).login("officer")
        try:
            outcome.append(client.post_json("/api/v1/sync/submissions", {"device_id": "tab", "items": items}))
        except OSError as error:  # the server died under the request: what a tablet sees
            outcome.append(error)

    sender = threading.Thread(target=send)
    sender.start()
    return sender, outcome


def _kill_mid_batch(server, engine, database_url, items) -> dict | None:
    """Kill the server once 3+ items of `items` are committed; the committed ones, or None if it finished first."""
    keys = {item["client_id"] for item in items}
    sender, outcome = _start_batch(server.port, items)
    deadline = time.monotonic() + 60
    while len(keys & _stored(engine).keys()) < 3 and sender.is_alive():
        assert time.monotonic() < deadline, "the batch did not start"
        time.sleep(0.001)
    os.killpg(server.proc.pid, signal.SIGSTOP)
    at_kill = {k: v for k, v in _stored(engine).items() if k in keys}
    if len(at_kill) == len(items):  # this machine was faster than the poll: no middle to kill in
        os.killpg(server.proc.pid, signal.SIGCONT)
        sender.join(30)
        return None
    server.kill()
    sender.join(30)
    assert isinstance(outcome[0], OSError), outcome  # the client never got an answer
    return at_kill


def test_sigkill_mid_batch_then_retry_stores_every_item_exactly_once(tmp_path, database_url):
    photo = hashlib.sha256(b"portrait").hexdigest()
    server = LiveServer(tmp_path / "data", database_url, workers=1)
    setup = server.prepare(members=BATCH, photos=[photo])
    engine = create_engine(database_url)
    server.start()
    try:
        for _ in range(5):
            items = _items(setup["members"], photo)
            at_kill = _kill_mid_batch(server, engine, database_url, items)
            if at_kill is not None:
                break
        else:
            pytest.fail("five batches finished before the test could stop the server in the middle")
        assert 3 <= len(at_kill) < BATCH
        before_restart = _stored(engine)
        assert {k: v for k, v in before_restart.items() if k in at_kill} == at_kill  # nothing half-stored

        server.start()
        retry = Client(server.port).login("officer")
        status, body = retry.post_json("/api/v1/sync/submissions", {"device_id": "tab", "items": items})
        retry.close()
        assert status == 200
        results = body["results"]
        assert [r["client_id"] for r in results] == [i["client_id"] for i in items]
        for item, result in zip(items, results):
            if item["client_id"] in at_kill:
                assert (result["outcome"], result["submission_id"]) == ("duplicate", at_kill[item["client_id"]])
            else:
                assert result["outcome"] == "accepted"
        stored = _stored(engine)
        assert len(stored) == len(before_restart) + BATCH - len(at_kill)
        assert {i["client_id"] for i in items} <= stored.keys()  # each exactly once: client_id is the key
        with engine.connect() as conn:
            accepted_events = conn.execute(text(
                "SELECT count(*) FROM audit_events WHERE action = 'submission.accepted'")).scalar()
        assert accepted_events == len(stored)  # every item committed with its audit row, and only once
    finally:
        server.stop()
        engine.dispose()


def test_parallel_copies_across_worker_processes_are_stored_once(tmp_path, database_url):
    photo = hashlib.sha256(b"portrait").hexdigest()
    server = LiveServer(tmp_path / "data", database_url, workers=2, threads=4)
    setup = server.prepare(members=1, photos=[photo])
    (item,) = _items(setup["members"], photo)
    server.start()
    try:
        clients = [Client(server.port).login("officer") for _ in range(8)]
        barrier, answers = threading.Barrier(len(clients)), []

        def send(client):
            barrier.wait()
            answers.append(client.post_json("/api/v1/sync/submissions", {"device_id": "t", "items": [item]}))

        threads = [threading.Thread(target=send, args=(c,)) for c in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert [status for status, _ in answers] == [200] * len(clients)
        outcomes = sorted(body["results"][0]["outcome"] for _, body in answers)
        assert outcomes == ["accepted"] + ["duplicate"] * (len(clients) - 1)
        assert len({body["results"][0]["submission_id"] for _, body in answers}) == 1
        engine = create_engine(database_url)
        assert _stored(engine).keys() == {item["client_id"]}
        engine.dispose()
        for client in clients:
            client.close()
    finally:
        server.stop()
