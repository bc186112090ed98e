"""identity_source on a submission (CONTRACT §5, issue 10): whether the ID card's QR code filled the identity.
Stored, returned by the review API, validated as a choice, and hashed so an older tablet that sends no key
writes the same item as one sending the default "typed"."""
import pytest

from server.extensions import db
from server.models import Submission
from tests.sync_support import item, post_items, stored_photo


@pytest.fixture
def officer(login_as, members):
    return login_as("officer", "C1")


@pytest.fixture
def admin(login_as, members):
    return login_as("unit_admin", "P")


def send(client, body) -> dict:
    response = post_items(client, [body])
    assert response.status_code == 200, response.get_json()
    return response.json["results"][0]


@pytest.mark.parametrize(("sent", "stored"), [({"identity_source": "qr"}, "qr"),
                                              ({"identity_source": "typed"}, "typed"), ({}, "typed")])
def test_identity_source_is_stored_and_shown_to_the_reviewer(officer, admin, members, sent, stored):
    result = send(officer, item(stored_photo(), member_id=members["m1"].id, **sent))
    assert result["outcome"] == "accepted"
    db.session.expire_all()
    assert db.session.get(Submission, result["submission_id"]).identity_source == stored
    review = admin.get(f"/api/v1/review/submissions/{result['submission_id']}")
    assert review.status_code == 200, review.get_json()
    assert review.json["submission"]["identity_source"] == stored


@pytest.mark.parametrize("value", ["camera", "QR", None, 1, ""])
def test_an_unknown_identity_source_is_refused_and_nothing_stored(officer, members, value):
    result = send(officer, item(stored_photo(), member_id=members["m1"].id, identity_source=value))
    assert result["outcome"] == "rejected"
    assert {(e["field"], e["code"]) for e in result["errors"]} == {("identity_source", "invalid_choice")}
    assert db.session.query(Submission).count() == 0


def test_an_older_tablet_without_the_key_and_typed_are_the_same_item(officer, members):
    body = item(stored_photo(), member_id=members["m1"].id)
    first = send(officer, body)
    assert first["outcome"] == "accepted"
    again = send(officer, {**body, "identity_source": "typed"})
    assert (again["outcome"], again["submission_id"]) == ("duplicate", first["submission_id"])
    changed = send(officer, {**body, "identity_source": "qr"})
    assert changed["outcome"] == "rejected" and changed["errors"][0]["code"] == "client_id_reused"


def test_a_scanned_record_resent_as_typed_is_a_different_item(officer, members):
    body = item(stored_photo(), member_id=members["m1"].id, identity_source="qr")
    first = send(officer, body)
    assert first["outcome"] == "accepted"
    assert send(officer, body)["outcome"] == "duplicate"
    without = {key: value for key, value in body.items() if key != "identity_source"}
    changed = send(officer, without)
    assert changed["outcome"] == "rejected" and changed["errors"][0]["code"] == "client_id_reused"
