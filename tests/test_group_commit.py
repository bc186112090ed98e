"""Group commit of a sync batch (offline_queue.ingest): one durable commit per group of items, each item in
its own savepoint, so a bad item still stands alone and an unexpected error loses nothing that was promised."""
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


def test_a_batch_of_25_is_committed_in_three_groups_with_every_item_alone(app, setup):
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
    assert len(commits) <= 2 + 3
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Submission)) == 24
    assert db.session.scalar(select(func.count()).select_from(RejectedPayload)) == 1


def test_an_unexpected_error_rolls_back_only_the_open_group_and_answers_500(app, setup, monkeypatch):
    officer, members, photo = setup
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
