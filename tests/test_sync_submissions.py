"""POST /api/v1/sync/submissions and the device reports, on SQLite and PostgreSQL (CONTRACT §5)."""
import threading
import unicodedata
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD, add_member
from server.extensions import db
from server.models import AuditEvent, Member, RejectedPayload, Submission, Visit, VisitAssignment, utcnow
from tests.sync_support import add_registry, item, post_items, stored_photo


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def only_result(response) -> dict:
    assert response.status_code == 200, response.get_json()
    (result,) = response.json["results"]
    return result


@pytest.fixture
def officer(login_as, members):
    return login_as("officer", "C1")


@pytest.fixture
def photo(app, officer):
    return stored_photo(uploader=officer.user)


# ------------------------------------------------------------------ accepted and reviewed

def test_matching_item_is_accepted_verified_and_marks_the_member(officer, members, photo):
    add_registry()
    before = members["m1"].updated_at
    body = item(photo, member_id=members["m1"].id)
    result = only_result(post_items(officer, [body], device_id="tab-7"))
    assert result["outcome"] == "accepted" and result["status"] == "verified" and result["errors"] == []
    assert result["client_id"] == body["client_id"]
    db.session.expire_all()
    row = db.session.get(Submission, result["submission_id"])
    assert (row.client_id, row.device_id, row.member_id, row.unit_id) == (
        body["client_id"], "tab-7", members["m1"].id, members["m1"].unit_id)
    assert row.review_reasons == [] and row.registry_result["class"] == "matched"
    assert row.received_at is not None and row.captured_at.isoformat() == "2025-08-08T07:03:11+00:00"
    member = db.session.get(Member, members["m1"].id)
    assert member.status == "verified" and member.updated_at > before
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "submission.accepted"))
    assert event.object_id == str(row.id) and event.device_id == "tab-7" and event.outcome == "verified"
    assert "Nguyễn" not in str(event.detail) and "001060012345" not in str(event.detail)


@pytest.mark.parametrize("typed_name", [
    unicodedata.normalize("NFD", "Nguyễn Văn An"),  # decomposed, as some keyboards send it
    "nguyễn  văn AN",                               # case and spacing
])
def test_name_differing_only_in_form_still_verifies_and_is_stored_nfc(officer, members, photo, typed_name):
    add_registry()
    result = only_result(post_items(officer, [item(photo, member_id=members["m1"].id,
                                                   fields={"full_name": typed_name})]))
    assert result["status"] == "verified"
    stored = db.session.get(Submission, result["submission_id"]).fields["full_name"]
    assert stored == unicodedata.normalize("NFC", " ".join(typed_name.split()))


def test_tone_mark_placement_verifies_but_another_vowel_needs_review(officer, tree, photo):
    hoa = add_member(tree["C1"], "H1", full_name="Lê Thị Hoà", dob="1970-01-01", gender="female",
                     citizen_id="001170000001")
    hung = add_member(tree["C1"], "H2", full_name="Phạm Văn Hùng", dob="1965-02-02", citizen_id="001065000002")
    db.session.commit()
    add_registry("001170000001", "Lê Thị Hòa", "1970-01-01", "female")
    add_registry("001065000002", "Phạm Văn Hùng", "1965-02-02", "male")
    common = {"date_of_birth": "1970-01-01", "gender": "female", "citizen_id": "001170000001"}
    placed = item(photo, member_id=hoa.id, fields={"full_name": "Lê Thị Hoà", **common})
    vowel = item(stored_photo(), member_id=hung.id,  # a photo of their own: one photo for two is photo_reused
                 fields={"full_name": "Phạm Văn Hưng", "date_of_birth": "1965-02-02", "citizen_id": "001065000002"})
    first, second = post_items(officer, [placed, vowel]).json["results"]
    assert (first["outcome"], first["status"]) == ("accepted", "verified")
    assert (second["outcome"], second["status"]) == ("accepted", "needs_review")
    row = db.session.get(Submission, second["submission_id"])
    assert row.review_reasons == ["registry_mismatch"]
    assert row.registry_result["fields"]["full_name"]["result"] == "mismatch"
    assert db.session.get(Member, hung.id).status == "needs_review"


def test_person_not_on_roster_needs_review_in_the_officers_unit(login_as, tree):
    officer = login_as("officer", "G1")
    add_registry()
    result = only_result(post_items(officer, [item(stored_photo())]))
    assert (result["outcome"], result["status"]) == ("accepted", "needs_review")
    row = db.session.get(Submission, result["submission_id"])
    assert row.member_id is None and row.unit_id == tree["G1"].id and row.review_reasons == ["not_on_roster"]


def test_second_submission_for_a_member_is_kept_for_review(officer, members, photo):
    add_registry()
    first = only_result(post_items(officer, [item(photo, member_id=members["m1"].id)]))
    second = only_result(post_items(officer, [item(photo, member_id=members["m1"].id)]))
    assert first["status"] == "verified" and second["status"] == "needs_review"
    assert first["submission_id"] != second["submission_id"]
    assert db.session.get(Submission, second["submission_id"]).review_reasons == ["second_submission"]
    assert db.session.get(Member, members["m1"].id).status == "verified"
    assert count(Submission) == 2


def test_visit_closes_even_after_it_was_reassigned_away(app, officer, members, photo, tree):
    from server.auth import create_user
    lead = create_user("lead_c1", PASSWORD, "team_lead", "C1")
    other = create_user("other_c1", PASSWORD, "officer", "C1")
    visit = Visit(member_id=members["m1"].id, kind="home", assignee_id=officer.user.id)
    db.session.add(visit)
    db.session.flush()
    visit.assignee_id = other.id
    db.session.add(VisitAssignment(visit_id=visit.id, from_assignee_id=officer.user.id, assignee_id=other.id,
                                   assigned_by_id=lead.id, reason="sick"))
    db.session.commit()
    result = only_result(post_items(officer, [item(photo, member_id=members["m1"].id, visit_id=visit.id,
                                                   location_kind="home")]))
    assert result["outcome"] == "accepted"
    db.session.expire_all()
    closed = db.session.get(Visit, visit.id)
    assert closed.status == "done" and closed.done_submission_id == result["submission_id"]
    assert closed.done_by_id == officer.user.id


# ------------------------------------------------------------------ idempotency

def test_same_client_id_twice_is_stored_once_and_answered_alike(officer, members, photo):
    add_registry()
    body = item(photo, member_id=members["m1"].id)
    first = only_result(post_items(officer, [body]))
    again = only_result(post_items(officer, [dict(reversed(list(body.items())))]))  # other key order
    assert first["outcome"] == "accepted" and again["outcome"] == "duplicate"
    assert (again["submission_id"], again["status"]) == (first["submission_id"], first["status"])
    assert count(Submission) == 1
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "submission.duplicate")) == 1


def test_repeat_is_a_duplicate_even_when_it_would_now_fail_validation(officer, members, photo, tree):
    body = item(photo, member_id=members["m1"].id)
    first = only_result(post_items(officer, [body]))
    members["m1"].unit_id = tree["C2"].id  # the member moved out of the officer's scope since
    db.session.commit()
    again = only_result(post_items(officer, [body]))
    assert again["outcome"] == "duplicate" and again["submission_id"] == first["submission_id"]
    fresh = only_result(post_items(officer, [item(photo, member_id=members["m1"].id)]))
    assert fresh["outcome"] == "rejected" and fresh["errors"][0]["code"] == "not_found"


def test_changed_content_under_an_accepted_client_id_is_rejected_and_kept(officer, members, photo):
    body = item(photo, member_id=members["m1"].id)
    only_result(post_items(officer, [body]))
    changed = item(photo, member_id=members["m1"].id, client_id=body["client_id"],
                   fields={"phone": "0912345678"})
    result = only_result(post_items(officer, [changed]))
    assert result["outcome"] == "rejected" and result["submission_id"] is None
    assert result["errors"] == [{"field": "client_id", "code": "client_id_reused", "params": {}}]
    kept = db.session.scalar(select(RejectedPayload))
    assert kept.payload == changed and kept.client_id == body["client_id"]
    assert count(Submission) == 1


def test_nfd_resend_of_an_nfc_item_is_the_same_item(officer, members, photo):
    body = item(photo, member_id=members["m1"].id)
    only_result(post_items(officer, [body]))
    nfd = dict(body, fields={k: unicodedata.normalize("NFD", v) for k, v in body["fields"].items()})
    assert only_result(post_items(officer, [nfd]))["outcome"] == "duplicate"


def test_uppercase_client_id_names_the_same_item(officer, members, photo):
    body = item(photo, member_id=members["m1"].id)
    first = only_result(post_items(officer, [body]))
    again = only_result(post_items(officer, [dict(body, client_id=body["client_id"].upper())]))
    assert again["outcome"] == "duplicate" and again["submission_id"] == first["submission_id"]


def test_rejected_item_is_kept_every_time_and_a_fixed_resend_is_accepted(officer, members, photo):
    bad = item(photo, member_id=members["m1"].id, consent=False)
    for _ in range(2):
        assert only_result(post_items(officer, [bad]))["outcome"] == "rejected"
    kept = db.session.scalars(select(RejectedPayload)).all()
    assert len(kept) == 2 and all(k.payload == bad and k.device_id == "tablet-1" for k in kept)
    assert kept[0].user_id == officer.user.id and kept[0].unit_id == members["m1"].unit_id
    assert kept[0].errors == [{"field": "consent", "code": "consent_required", "params": {}}]
    fixed = dict(bad, consent=True)
    assert only_result(post_items(officer, [fixed]))["outcome"] == "accepted"
    assert count(Submission) == 1


def test_mixed_batch_answers_every_item_in_order_and_stores_the_good_ones(officer, members, photo):
    good1 = item(photo, member_id=members["m1"].id)
    bad = item(photo, member_id=members["m2"].id, fields={"date_of_birth": "1962-02-30"})
    good2 = item(photo, member_id=members["m2"].id, fields={
        "full_name": "Trần Thị Hoà", "date_of_birth": "1972", "gender": "female", "citizen_id": "001172000111"})
    missing_photo = item("0" * 64, member_id=members["m1"].id)
    results = post_items(officer, [good1, bad, good2, good1, missing_photo]).json["results"]
    assert [r["outcome"] for r in results] == ["accepted", "rejected", "accepted", "duplicate", "rejected"]
    assert [r["client_id"] for r in results] == [i["client_id"] for i in (good1, bad, good2, good1, missing_photo)]
    assert results[1]["errors"] == [{"field": "date_of_birth", "code": "invalid_date", "params": {}}]
    assert results[4]["errors"] == [{"field": "photo_sha256", "code": "photo_missing", "params": {}}]
    assert results[3]["submission_id"] == results[0]["submission_id"]
    assert count(Submission) == 2 and count(RejectedPayload) == 2
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("submission.%"))).all()
    assert sorted(actions) == sorted(["submission.accepted"] * 2 + ["submission.rejected"] * 2
                                     + ["submission.duplicate"])


def test_parallel_posts_of_one_item_store_it_once(app, officer, members, photo):
    body = item(photo, member_id=members["m1"].id)
    clients = []
    for _ in range(6):
        client = app.test_client()
        login = client.post("/api/v1/auth/login", json={"username": officer.user.username, "password": PASSWORD})
        clients.append((client, login.json["csrf_token"]))
    barrier, answers = threading.Barrier(len(clients)), []

    def send(client, csrf):
        barrier.wait()
        response = client.post("/api/v1/sync/submissions", json={"device_id": "t", "items": [body]},
                               headers={"X-CSRF-Token": csrf})
        answers.append((response.status_code, response.json["results"][0]))

    threads = [threading.Thread(target=send, args=pair) for pair in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert [status for status, _ in answers] == [200] * len(clients)
    outcomes = sorted(result["outcome"] for _, result in answers)
    assert outcomes == ["accepted"] + ["duplicate"] * (len(clients) - 1)
    assert len({result["submission_id"] for _, result in answers}) == 1
    assert db.session.scalar(select(func.count()).where(Submission.client_id == body["client_id"])) == 1


def test_parallel_first_submissions_for_one_member_leave_exactly_one_first(app, officer, members, photo):
    add_registry()
    clients = []
    for _ in range(4):
        client = app.test_client()
        login = client.post("/api/v1/auth/login", json={"username": officer.user.username, "password": PASSWORD})
        clients.append((client, login.json["csrf_token"]))
    barrier, answers = threading.Barrier(len(clients)), []
    bodies = [item(photo, member_id=members["m1"].id) for _ in clients]  # four records of one member

    def send(client, csrf, body):
        barrier.wait()
        response = client.post("/api/v1/sync/submissions", headers={"X-CSRF-Token": csrf},
                               json={"device_id": "t", "items": [body]})
        answers.append(response.json["results"][0])

    threads = [threading.Thread(target=send, args=(*pair, body)) for pair, body in zip(clients, bodies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(a["status"] for a in answers) == ["needs_review"] * 3 + ["verified"]
    db.session.expire_all()
    reasons = sorted(tuple(s.review_reasons) for s in db.session.scalars(select(Submission)))
    assert reasons == [()] + [("second_submission",)] * 3


# ------------------------------------------------------------------ scope

def test_other_units_member_is_rejected_exactly_like_a_nonexistent_one(officer, members, photo):
    foreign = item(photo, member_id=members["m3"].id)
    missing = item(photo, member_id=999_999)
    first, second = post_items(officer, [foreign, missing]).json["results"]
    assert first["errors"] == second["errors"] == [{"field": "member_id", "code": "not_found", "params": {}}]
    assert {k: v for k, v in first.items() if k != "client_id"} == {
        k: v for k, v in second.items() if k != "client_id"}


def test_other_units_visit_is_not_found_and_a_visit_of_another_member_mismatches(officer, members, photo):
    foreign = Visit(member_id=members["m3"].id, kind="home")
    of_m2 = Visit(member_id=members["m2"].id, kind="home")
    db.session.add_all([foreign, of_m2])
    db.session.commit()
    results = post_items(officer, [item(photo, member_id=members["m1"].id, visit_id=foreign.id),
                                   item(photo, member_id=members["m1"].id, visit_id=of_m2.id),
                                   item(photo, member_id=members["m1"].id, visit_id=10**6)]).json["results"]
    assert [r["errors"] for r in results] == [
        [{"field": "visit_id", "code": "not_found", "params": {}}],
        [{"field": "visit_id", "code": "visit_member_mismatch", "params": {}}],
        [{"field": "visit_id", "code": "not_found", "params": {}}]]


def test_viewer_may_not_submit_and_nothing_is_stored(login_as, members, photo):
    viewer = login_as("viewer", "C1")
    response = post_items(viewer, [item(photo, member_id=members["m1"].id)])
    assert response.status_code == 403 and response.json["error"]["code"] == "forbidden"
    assert count(Submission) == count(RejectedPayload) == 0


def test_submissions_need_a_session_and_the_csrf_token(client, officer, members, photo):
    assert post_items(client, [item(photo)]).status_code == 401
    response = officer.client.post("/api/v1/sync/submissions", json={"device_id": "t", "items": [item(photo)]})
    assert response.status_code == 403 and response.json["error"]["code"] == "csrf_failed"


# ------------------------------------------------------------------ input only PostgreSQL could choke on

@pytest.mark.parametrize("spoil, field, code", [
    ({"fields": {"full_name": "Nguyễn\u0000An"}}, "full_name", "invalid_characters"),
    ({"fields": {"hometown": "\U0001F600 Hà Nội"}}, None, None),  # emoji: a real character, accepted
    ({"member_id": 10**12}, "member_id", "not_found"),
    ({"member_id": -1}, "member_id", "not_found"),
    ({"visit_id": 10**30}, "visit_id", "not_found"),
    ({"client_id": "x" * 1000}, "client_id", "invalid_client_id"),
    ({"consent": 1e308}, "consent", "consent_required"),
    ({"fields": {"phone": "0" * 1000}}, "phone", "too_long"),  # longer: 413 item_too_large (test_hardening)
])
def test_odd_values_are_answered_and_kept_on_either_database(officer, members, photo, spoil, field, code):
    body = item(photo, member_id=members["m1"].id)
    body.update({k: v for k, v in spoil.items() if k != "fields"})
    body["fields"].update(spoil.get("fields", {}))
    result = only_result(post_items(officer, [body]))
    if code is None:
        assert result["outcome"] == "accepted"
        return
    assert result["outcome"] == "rejected"
    assert {"field": field, "code": code} in [{"field": e["field"], "code": e["code"]} for e in result["errors"]]
    db.session.expire_all()
    assert db.session.scalar(select(RejectedPayload)).payload == body


# ------------------------------------------------------------------ envelope

@pytest.mark.parametrize("data, code", [
    (b"{not json", "invalid_json"),
    (b"\xff\xfe{}", "invalid_json"),
    (b'{"device_id": "t", "items": [NaN]}', "invalid_json"),
    (b'{"device_id": "t", "items": [1e999]}', "invalid_json"),
    (b'{"device_id": "t", "items": ["\\ud800"]}', "invalid_json"),
    (b"[]", "invalid_envelope"),
    (b'{"items": []}', "invalid_envelope"),
    (b'{"device_id": "", "items": [{}]}', "invalid_envelope"),
    (b'{"device_id": "t\\u0000", "items": [{}]}', "invalid_envelope"),
    (b'{"device_id": "t", "items": {"a": 1}}', "invalid_envelope"),
    (b'{"device_id": "t", "items": [{}], "extra": 1}', "invalid_envelope"),
    (b'{"device_id": "t", "items": []}', "no_items"),
    (b'{"device_id": "t", "items": [' + b",".join([b"{}"] * 51) + b"]}", "too_many_items"),
    (b'{"device_id": "t", "items": [' + b"[" * 5000 + b"]" * 5000 + b"]}", "invalid_json"),
    (b'{"device_id": "t", "items": [[[[[[[[[[1]]]]]]]]]]}', "invalid_envelope"),
])
def test_malformed_envelope_is_refused_whole_and_nothing_is_stored(officer, data, code):
    response = officer.post("/api/v1/sync/submissions", data=data, content_type="application/json")
    assert response.status_code == 400 and response.json["error"]["code"] == code
    assert count(RejectedPayload) == count(Submission) == 0
    assert db.session.scalar(select(func.count()).where(AuditEvent.action.like("submission.%"))) == 0


def test_body_over_the_cap_is_refused_with_413(app, officer):
    app.config["MAX_CONTENT_LENGTH"] = 4096  # the real cap is 64 MiB; the rule is the same
    response = officer.post("/api/v1/sync/submissions", data=b"x" * 5000, content_type="application/json")
    assert response.status_code == 413 and response.json["error"]["code"] == "too_large"


# ------------------------------------------------------------------ device reports

def test_device_report_is_upserted_and_shown_to_leads_in_scope(login_as, officer, members):
    old = (utcnow() - timedelta(hours=49)).isoformat()
    for queued in (3, 5):
        response = officer.post("/api/v1/sync/device-report", json={
            "device_id": "tab-1", "counts": {"queued": queued, "sending": 0, "needs_fix": 1, "waiting": 0},
            "oldest_unsent_at": old})
        assert response.status_code == 200 and response.json == {"ok": True}
    officer.post("/api/v1/sync/device-report", json={"device_id": "tab-2", "counts": {}, "oldest_unsent_at": None})
    devices = login_as("team_lead", "G1").get("/api/v1/sync/devices").json["devices"]
    assert [(d["device_id"], d["counts"]["queued"], d["stale"]) for d in devices] == [
        ("tab-1", 5, True), ("tab-2", 0, False)]
    assert devices[0]["username"] == officer.user.username and devices[0]["user_id"] == officer.user.id
    assert login_as("team_lead", "C2").get("/api/v1/sync/devices").json["devices"] == []
    assert officer.get("/api/v1/sync/devices").status_code == 403


@pytest.mark.parametrize("body", [
    {"device_id": "t", "counts": {"queued": -1}},
    {"device_id": "t", "counts": {"queued": "3"}},
    {"device_id": "t", "counts": {"lost": 1}},
    {"device_id": "", "counts": {}},
    {"device_id": "t", "counts": {}, "oldest_unsent_at": "2025-08-08T10:00:00"},
])
def test_bad_device_report_is_a_coded_422(officer, body):
    response = officer.post("/api/v1/sync/device-report", json=body)
    assert response.status_code == 422 and response.json["error"]["code"] == "invalid_input"
    assert response.json["error"]["fields"]


def test_openapi_documents_the_sync_endpoints(client):
    spec = client.get("/api/openapi.json").json
    post = spec["paths"]["/api/v1/sync/submissions"]["post"]
    assert {"200", "400", "413"} <= set(post["responses"])
    assert post["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("SubmissionsEnvelope")
    item_schema = spec["components"]["schemas"]["SubmissionItem"]
    assert item_schema["additionalProperties"] is False and "consent" in item_schema["required"]
    assert "/api/v1/sync/device-report" in spec["paths"] and "/api/v1/sync/devices" in spec["paths"]
