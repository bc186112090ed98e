"""Group commit of a sync batch (offline_queue.ingest): one durable commit per group of items, each item in
its own savepoint, so a bad item still stands alone and an unexpected error loses nothing that was promised."""
import math
import threading

import pytest
from sqlalchemy import event, func, select

from offline_queue import ingest
from server.extensions import db
from server.models import RejectedPayload, Submission
from tests.sync_support import item, post_items, stored_photo
from tests.conftest import add_member


@pytest.fixture
def setup(app, tree, login_as):
    members = [add_member(tree["C1"], f"G{i}", citizen_id=f"0010600{i:05d}") for i in range(25)]
    db.session.commit()
    return login_as("officer", "C1"), members, stored_photo()


def test_a_batch_is_committed_in_groups_with_every_item_alone(app, setup):
    officer, members, photo = setup
    items = [item(photo, member_id=m.id) for m in members]
    items[4]["fields"]["gender"] = "robot"  # one bad item in the first group
    commits = []
    listener = lambda conn: commits.append(1)  # noqa: E731
    event.listen(db.engine, "commit", listener)
    try:
        response = post_items(officer, items)
    finally:
        event.remove(db.engine, "commit", listener)
    outcomes = [r["outcome"] for r in response.json["results"]]
    assert outcomes == ["accepted"] * 4 + ["rejected"] + ["accepted"] * 20
    # the helper's uploader row and the session's own bookkeeping, then ceil(25 / GROUP): not one per item
    assert len(commits) <= 2 + math.ceil(25 / ingest.GROUP)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Submission)) == 24
    assert db.session.scalar(select(func.count()).select_from(RejectedPayload)) == 1


def test_an_unexpected_error_rolls_back_only_the_open_group_and_answers_500(app, setup, monkeypatch):
    officer, members, photo = setup
    monkeypatch.setattr(ingest, "GROUP", 10)  # the bench's batches of 25 are one group: three here
    items = [item(photo, member_id=m.id) for m in members[:15]]
    real = ingest._accept

    def fails_on_the_twelfth(batch, raw, *args):
        if raw.get("client_id") == items[11]["client_id"]:
            raise RuntimeError("disk on fire")
        return real(batch, raw, *args)

    monkeypatch.setattr(ingest, "_accept", fails_on_the_twelfth)
    response = post_items(officer, items)
    assert response.status_code == 500  # nothing of this answer was promised
    db.session.expire_all()
    stored = set(db.session.scalars(select(Submission.client_id)))
    assert stored == {i["client_id"] for i in items[:ingest.GROUP]}  # the first group was committed before
    monkeypatch.setattr(ingest, "_accept", real)
    retry = post_items(officer, items)  # the tablet sends the same batch again
    outcomes = [r["outcome"] for r in retry.json["results"]]
    assert outcomes == ["duplicate"] * ingest.GROUP + ["accepted"] * (len(items) - ingest.GROUP)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Submission)) == len(items)  # each exactly once


def test_a_constraint_met_in_a_group_redoes_it_with_every_item_alone(app, setup, monkeypatch):
    """A group goes first without a savepoint per item; when a constraint speaks — here the same client_id stored by
    a concurrent request between the group's look-up and its insert — the group is rolled back whole and done again
    item by item: the item is answered as the stored one decides, every other item is accepted, each exactly once."""
    officer, members, photo = setup
    monkeypatch.setattr(ingest, "GROUP", 10)  # the concurrent request's member is outside the group's row locks
    items = [item(photo, member_id=m.id) for m in members[:ingest.GROUP]]
    other = item(photo, member_id=members[-1].id, client_id=items[3]["client_id"])  # the same id, another member
    real, sent = ingest._accept, []

    def concurrent_request_first(batch, raw, *args):
        if raw.get("client_id") == other["client_id"] and not db.session().in_nested_transaction() and not sent:
            sent.append("clash")  # before the request: it passes through here too
            if app.config["BACKEND"] == "postgres":  # another request stores and commits the same client_id
                answers = []
                worker = threading.Thread(target=lambda: answers.append(officer.client.post(
                    "/api/v1/sync/submissions", json={"device_id": "tablet-2", "items": [other]},
                    headers={"X-CSRF-Token": officer.csrf})))  # its own thread: its own app context and session
                worker.start()
                worker.join(30)
                assert [r["outcome"] for r in answers[0].json["results"]] == ["accepted"]
            else:  # SQLite: the group holds the one write lock, so the clash is made in the group itself
                db.session.add(Submission(**{**_row(items[3]), "client_id": other["client_id"]}))
        return real(batch, raw, *args)

    monkeypatch.setattr(ingest, "_accept", concurrent_request_first)
    response = post_items(officer, items)
    assert sent, "the clash was never made"
    outcomes = [r["outcome"] for r in response.json["results"]]
    expected = "rejected" if app.config["BACKEND"] == "postgres" else "accepted"  # another member's record holds it
    assert outcomes == ["accepted"] * 3 + [expected] + ["accepted"] * (ingest.GROUP - 4)
    db.session.expire_all()
    stored = list(db.session.scalars(select(Submission.client_id)))
    assert sorted(stored) == sorted({i["client_id"] for i in items})  # each once; the clash's own row if it stuck


def _row(body) -> dict:
    """A submissions row for `body` as a concurrent writer might leave it (only what the constraint sees matters)."""
    return {"client_id": body["client_id"], "content_hash": "0" * 64, "device_id": "tablet-2", "user_id": None,
            "unit_id": None, "member_id": body["member_id"], "captured_at": None, "location_kind": "station",
            "photo_sha256": body["photo_sha256"], "fields": body["fields"], "status": "verified"}
