"""The review API: the queue, each decision's effect on records, statuses, progress and the roster, the export."""
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from server.review.exports import HEADERS, TITLE, TITLE_ROWS
from server.extensions import db
from server.models import AuditEvent, Member, Reconciliation, RegistryRecord, Submission
from server.reconcile import run_reconciliation
from server.review.decisions import tablet_task
from server.text import name_key
from tests.review_support import build_crafted
from tests.sync_support import item, post_items, stored_photo

M3_FIELDS = {"full_name": "Lê Văn Hùng", "date_of_birth": "1965-02-02", "citizen_id": "002065004321"}


@pytest.fixture
def world(app, tree):
    people = build_crafted(tree)
    run_reconciliation()
    return people


@pytest.fixture
def admin(login_as, world):
    return login_as("unit_admin", "P")


@pytest.fixture
def officer(login_as, world):
    return login_as("officer", "G1")


def submit(officer, member, **fields) -> dict:
    """Send one record for `member` through the real sync endpoint; returns its result."""
    response = post_items(officer, [item(stored_photo(), member_id=member.id if member else None, fields=fields)])
    assert response.status_code == 200, response.json
    result = response.json["results"][0]
    assert result["outcome"] == "accepted", result
    return result


def items(admin, **query):
    response = admin.get("/api/v1/review/items", query_string=query)
    assert response.status_code == 200, response.json
    return response.json


def keys(page) -> set:
    return {(i["kind"], i["id"]) for i in page["items"]}


def progress(client, unit="C1") -> dict:
    body = client.get("/api/v1/progress", query_string={"unit": unit}).json
    return {k: body[k] for k in ("collected", "verified", "needs_review")}


def decisions(event_action="review.decision"):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == event_action)
                              .order_by(AuditEvent.id)).all()


# ---- access ------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["officer", "team_lead", "viewer"])
def test_only_unit_admins_may_review(login_as, world, role):
    client = login_as(role, "P")
    member = world["mismatch"]
    assert client.get("/api/v1/review/items").status_code == 403
    assert client.get(f"/api/v1/review/members/{member.id}").status_code == 403
    response = client.post(f"/api/v1/review/members/{member.id}/decision", json={"decision": "accept_registry"})
    assert response.status_code == 403 and response.json["error"]["code"] == "forbidden"
    assert client.get("/api/v1/review/export.xlsx?unit=C1").status_code == 403
    assert client.post("/api/v1/review/reconcile", json={}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Member, member.id).full_name == "Lê Văn Hùng"


def test_anything_outside_the_admins_scope_is_not_found(login_as, world, officer):
    sub = submit(officer, world["matched"], hometown="Hải Phòng")
    other = login_as("unit_admin", "A2")
    member = world["mismatch"]
    for response in (other.get(f"/api/v1/review/members/{member.id}"),
                     other.get(f"/api/v1/review/submissions/{sub['submission_id']}"),
                     other.post(f"/api/v1/review/members/{member.id}/decision", json={"decision": "accept_registry"}),
                     other.post(f"/api/v1/review/submissions/{sub['submission_id']}/decision",
                                json={"decision": "accept_submitted"}),
                     other.get("/api/v1/review/items?unit=C1"),
                     other.get("/api/v1/review/export.xlsx?unit=C1"),
                     other.post("/api/v1/review/reconcile", json={"unit_code": "C1"}),
                     other.get("/api/v1/review/members/999999")):
        assert response.status_code == 404 and response.json["error"]["code"] == "not_found"
    assert keys(items(other)) == set()  # its own subtree (C2) holds nothing to review
    db.session.expire_all()
    assert db.session.get(Member, member.id).full_name == "Lê Văn Hùng"


# ---- reconcile endpoint and the queue ------------------------------------------------------------

def test_reconcile_endpoint_counts_classes_for_a_unit_and_is_audited(admin, world):
    response = admin.post("/api/v1/review/reconcile", json={"unit_code": "C1"})
    assert response.status_code == 202, response.json  # a job; tests run jobs at once (JOBS_IMMEDIATE)
    assert response.json["state"] == "done" and response.json["kind"] == "reconcile"
    body = admin.get(f"/api/v1/jobs/{response.json['id']}").json["report"]
    assert body["total"] == 6 and body["unchanged"] == 6 and body["changed"] == 0
    assert body["classes"] == {"matched": 1, "matched_minor": 1, "mismatch": 2, "not_found": 1, "ambiguous": 1}
    event = decisions("reconcile.run")[-1]
    assert event.user_id == admin.user.id and event.detail["total"] == 6


def test_queue_lists_members_whose_party_record_differs_with_the_registry_beside_it(admin, world):
    page = items(admin, kind="member")
    expected = {("member", world[k].id) for k in ("mismatch", "not_found", "ambiguous", "by_name")}
    assert keys(page) == expected and page["total"] == 4
    hung = next(i for i in page["items"] if i["id"] == world["mismatch"].id)
    assert hung["class"] == "mismatch" and hung["unit"]["code"] == "C1"
    name = next(f for f in hung["fields"] if f["name"] == "full_name")
    assert (name["party"], name["registry"], name["party_result"]) == ("Lê Văn Hùng", "Lê Văn Hưng", "mismatch")
    dob = next(f for f in hung["fields"] if f["name"] == "date_of_birth")
    assert dob["party_result"] == "match"
    lan = next(i for i in page["items"] if i["id"] == world["ambiguous"].id)
    assert sorted(c["citizen_id"] for c in lan["candidates"]) == ["001080000001", "001080000002"]


@pytest.mark.parametrize("query, expected", [
    ({"class": "ambiguous"}, {"ambiguous"}),
    ({"class": "not_found"}, {"not_found"}),
    ({"field": "full_name"}, {"mismatch"}),
    ({"field": "citizen_id"}, {"by_name"}),
    ({"unit": "C2"}, set()),
])
def test_queue_filters_by_class_field_and_unit(admin, world, query, expected):
    assert keys(items(admin, **query)) == {("member", world[k].id) for k in expected}


def test_queue_pages_cover_every_item_once(admin, world):
    first, second, third = (items(admin, per_page=2, page=n) for n in (1, 2, 3))
    assert first["total"] == 4 and len(first["items"]) == 2 and len(second["items"]) == 2
    assert third["items"] == []
    assert len(keys(first) | keys(second)) == 4


def test_a_submission_needing_review_shows_three_sources_and_minor_differences(admin, officer, world):
    result = submit(officer, world["matched"], full_name="NGUYỄN VĂN AN", hometown="Hải Phòng")
    assert result["status"] == "needs_review"
    page = items(admin, kind="submission")
    assert keys(page) == {("submission", result["submission_id"])}
    entry = page["items"][0]
    assert entry["member_id"] == world["matched"].id and "registry_mismatch" in entry["reasons"]
    by_name = {f["name"]: f for f in entry["fields"]}
    assert by_name["hometown"] == {"name": "hometown", "party": "Hà Nội", "submitted": "Hải Phòng",
                                   "registry": "Hà Nội", "party_result": "match", "submitted_result": "mismatch"}
    assert by_name["full_name"]["submitted_result"] == "minor"
    assert keys(items(admin, field="hometown")) == {("submission", result["submission_id"])}
    assert keys(items(admin, kind="submission", **{"class": "matched"})) == set()


# ---- decisions -------------------------------------------------------------------------------------

def test_accept_submitted_updates_the_member_and_verifies(admin, officer, world):
    member = world["matched"]
    result = submit(officer, member, full_name="Nguyễn Văn Anh", hometown="Hải Phòng")
    assert progress(admin) == {"collected": 1, "verified": 0, "needs_review": 1}
    before = member.updated_at

    response = admin.post(f"/api/v1/review/submissions/{result['submission_id']}/decision",
                          json={"decision": "accept_submitted", "note": "đã xem CCCD"})

    assert response.status_code == 200, response.json
    assert response.json["member"]["status"] == "verified"
    assert response.json["submission"] == {"id": result["submission_id"], "status": "verified"}
    db.session.expire_all()
    member = db.session.get(Member, member.id)
    assert (member.full_name, member.hometown) == ("Nguyễn Văn Anh", "Hải Phòng")
    assert member.name_key == name_key("Nguyễn Văn Anh") and member.updated_at > before
    assert member.status == "verified"
    assert db.session.get(Submission, result["submission_id"]).reviewed_by_id == admin.user.id
    assert progress(admin) == {"collected": 1, "verified": 1, "needs_review": 0}
    assert ("submission", result["submission_id"]) not in keys(items(admin))
    event = decisions()[-1]
    assert (event.outcome, event.object_type, event.object_id) == ("accept_submitted", "submission",
                                                                   str(result["submission_id"]))
    assert set(event.detail["changed"]) == {"full_name", "hometown"}
    assert "Anh" not in str(event.detail) and "CCCD" not in str(event.detail)  # no names, no notes


def test_accept_registry_on_a_submission_gives_the_member_the_registry_values(admin, officer, world):
    member = world["mismatch"]
    result = submit(officer, member, **M3_FIELDS)
    assert result["status"] == "needs_review"

    response = admin.post(f"/api/v1/review/submissions/{result['submission_id']}/decision",
                          json={"decision": "accept_registry"})

    assert response.status_code == 200, response.json
    assert response.json["class"] == "matched" and response.json["member"]["status"] == "verified"
    db.session.expire_all()
    assert db.session.get(Member, member.id).full_name == "Lê Văn Hưng"
    assert db.session.get(Submission, result["submission_id"]).status == "verified"
    assert progress(admin)["verified"] == 1
    assert ("member", member.id) not in keys(items(admin))


def test_accept_registry_on_a_member_item_resolves_it_without_a_submission(admin, world):
    member = world["mismatch"]
    response = admin.post(f"/api/v1/review/members/{member.id}/decision", json={"decision": "accept_registry"})
    assert response.status_code == 200, response.json
    assert response.json["class"] == "matched" and response.json["member"]["status"] == "pending"
    assert response.json["submission"] is None
    db.session.expire_all()
    assert db.session.get(Member, member.id).name_key == name_key("Lê Văn Hưng")
    assert ("member", member.id) not in keys(items(admin))
    assert decisions()[-1].detail["changed"] == ["full_name"]


def test_accept_registry_on_an_ambiguous_member_needs_a_chosen_candidate(admin, world):
    member = world["ambiguous"]
    url = f"/api/v1/review/members/{member.id}/decision"
    response = admin.post(url, json={"decision": "accept_registry"})
    assert response.status_code == 422 and response.json["error"]["code"] == "choose_candidate"
    response = admin.post(url, json={"decision": "accept_registry", "registry_citizen_id": "001060012345"})
    assert response.status_code == 422
    assert response.json["error"]["fields"]["registry_citizen_id"][0]["code"] == "not_a_candidate"

    response = admin.post(url, json={"decision": "accept_registry", "registry_citizen_id": "001080000002"})

    assert response.status_code == 200, response.json
    assert response.json["class"] == "matched"
    db.session.expire_all()
    assert db.session.get(Member, member.id).citizen_id == "001080000002"


def test_accept_registry_without_any_registry_record_is_refused(admin, world):
    member = world["not_found"]
    response = admin.post(f"/api/v1/review/members/{member.id}/decision", json={"decision": "accept_registry"})
    assert response.status_code == 422 and response.json["error"]["code"] == "no_registry_record"
    response = admin.post(f"/api/v1/review/members/{member.id}/decision", json={"decision": "accept_submitted"})
    assert response.status_code == 422 and response.json["error"]["code"] == "no_submission"
    assert decisions() == []


def test_citizen_must_update_registry_keeps_review_status_and_comes_back_after_a_registry_fix(admin, officer, world):
    member = world["mismatch"]
    result = submit(officer, member, **M3_FIELDS)
    url = f"/api/v1/review/submissions/{result['submission_id']}/decision"
    response = admin.post(url, json={"decision": "citizen_must_update_registry"})
    assert response.status_code == 422 and response.json["error"]["fields"]["note"][0]["code"] == "required"

    response = admin.post(url, json={"decision": "citizen_must_update_registry", "note": "sửa tên tại công an xã"})

    assert response.status_code == 200, response.json
    assert response.json["submission"]["status"] == "needs_review"
    assert response.json["member"]["status"] == "needs_review"
    assert progress(admin) == {"collected": 1, "verified": 0, "needs_review": 1}
    assert ("submission", result["submission_id"]) not in keys(items(admin))
    # The citizen has the registry corrected; the next import and run bring the record back for a last look.
    record = db.session.scalar(select(RegistryRecord).where(RegistryRecord.citizen_id == "002065004321"))
    record.full_name, record.name_key = "Lê Văn Hùng", name_key("Lê Văn Hùng")
    db.session.commit()
    assert admin.post("/api/v1/review/reconcile", json={}).json["report"]["reopened"] == 1
    page = items(admin)
    assert ("submission", result["submission_id"]) in keys(page)
    entry = next(i for i in page["items"] if i["id"] == result["submission_id"])
    assert entry["decision"]["decision"] == "citizen_must_update_registry" and entry["decision"]["stale"]
    assert entry["class"] == "matched"


def test_send_back_reaches_the_officers_roster_with_its_note(admin, officer, world):
    member = world["by_name"]
    url = f"/api/v1/review/members/{member.id}/decision"
    assert admin.post(url, json={"decision": "send_back"}).status_code == 422
    cursor = officer.get("/api/v1/sync/roster").json["cursor"]

    response = admin.post(url, json={"decision": "send_back", "note": "hỏi số CCCD"})

    assert response.status_code == 200, response.json
    assert response.json["decision"]["decision"] == "send_back" and response.json["member"]["status"] == "pending"
    rec = db.session.get(Reconciliation, member.id)
    assert rec.decision_note == "hỏi số CCCD" and rec.decided_by_id == admin.user.id
    assert ("member", member.id) not in keys(items(admin))
    delta = officer.get("/api/v1/sync/roster", query_string={"since": cursor}).json
    sent = next(m for m in delta["members"] if m["id"] == member.id)
    assert sent["reconcile"]["decision"] == "send_back"
    assert sent["reconcile"]["fields"]["citizen_id"]["registry"] == "001075000009"


def test_a_verified_submission_cannot_be_decided_again(admin, officer, world):
    result = submit(officer, world["matched"])
    assert result["status"] == "verified"
    response = admin.post(f"/api/v1/review/submissions/{result['submission_id']}/decision",
                          json={"decision": "accept_registry"})
    assert response.status_code == 409 and response.json["error"]["code"] == "already_verified"


def test_a_person_not_on_the_roster_is_attached_to_a_member_by_the_decision(admin, officer, world):
    result = submit(officer, None, **M3_FIELDS)
    assert result["status"] == "needs_review"
    url = f"/api/v1/review/submissions/{result['submission_id']}/decision"
    response = admin.post(url, json={"decision": "accept_submitted"})
    assert response.status_code == 422 and response.json["error"]["code"] == "member_required"
    response = admin.post(url, json={"decision": "accept_submitted", "member_id": world["other"].id + 1000})
    assert response.status_code == 422

    response = admin.post(url, json={"decision": "accept_submitted", "member_id": world["mismatch"].id})

    assert response.status_code == 200, response.json
    db.session.expire_all()
    sub = db.session.get(Submission, result["submission_id"])
    assert sub.member_id == world["mismatch"].id and sub.status == "verified"
    assert db.session.get(Member, world["mismatch"].id).status == "verified"


def test_unknown_decision_and_fields_are_refused(admin, world):
    url = f"/api/v1/review/members/{world['mismatch'].id}/decision"
    response = admin.post(url, json={"decision": "approve"})
    assert response.status_code == 422 and "decision" in response.json["error"]["fields"]
    response = admin.post(url, json={"decision": "send_back", "note": "x", "extra": 1})
    assert response.status_code == 422 and "extra" in response.json["error"]["fields"]


# ---- export ---------------------------------------------------------------------------------------

def test_export_lists_unresolved_differences_with_vietnamese_headers_and_is_audited(admin, officer, world):
    submit(officer, world["matched"], hometown="Hải Phòng")  # a collected record that differs, in review
    admin.post(f"/api/v1/review/members/{world['not_found'].id}/decision",
               json={"decision": "citizen_must_update_registry", "note": "kiểm tra lại số định danh"})

    response = admin.get("/api/v1/review/export.xlsx?unit=C1")

    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = [[cell or "" for cell in row] for row in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == TITLE and rows[1][0] == "Đơn vị: Chi bộ Khu phố 1 (C1)"
    assert rows[2][0].startswith("Ngày lập: ") and tuple(rows[TITLE_ROWS]) == HEADERS
    by_code = {row[1]: dict(zip(HEADERS, row)) for row in rows[TITLE_ROWS + 1:]}
    assert {row["Chi bộ"] for row in by_code.values()} == {"Chi bộ Khu phố 1"}
    assert set(by_code) == {"M1", "M3", "M4", "M5", "M6"}  # M2 differs only by tone placement
    hung = by_code["M3"]
    assert hung["Trường khác biệt"] == "Họ và tên"
    assert hung["Hồ sơ đảng"] == "Họ và tên: Lê Văn Hùng" and hung["CSDL dân cư"] == "Họ và tên: Lê Văn Hưng"
    assert hung["Ngày sinh"] == "02/02/1965" and hung["Giới tính"] == "Nam" and hung["Ký xác nhận"] == ""
    assert by_code["M1"]["Hồ sơ đảng"] == "Quê quán: Hà Nội (kê khai: Hải Phòng)"
    assert "Không tìm thấy" in by_code["M4"]["CSDL dân cư"]
    assert by_code["M4"]["Ghi chú"] == "Đảng viên cần điều chỉnh CSDL dân cư: kiểm tra lại số định danh"
    event = decisions("export.review_xlsx")[-1]
    assert event.user_id == admin.user.id and event.detail == {"rows": 5}


def test_a_member_decision_to_accept_takes_the_members_waiting_submission(admin, officer, world):
    member = world["mismatch"]
    result = submit(officer, member, **M3_FIELDS, hometown="Nam Định")
    admin.post(f"/api/v1/review/submissions/{result['submission_id']}/decision",
               json={"decision": "send_back", "note": "xác minh quê quán"})

    response = admin.post(f"/api/v1/review/members/{member.id}/decision", json={"decision": "accept_submitted"})

    assert response.status_code == 200, response.json
    assert response.json["submission"] == {"id": result["submission_id"], "status": "verified"}
    db.session.expire_all()
    assert db.session.get(Member, member.id).hometown == "Nam Định"


def test_a_send_back_task_is_open_until_a_newer_record_arrives(admin, officer, world):
    member = world["not_found"]
    admin.post(f"/api/v1/review/members/{member.id}/decision", json={"decision": "send_back", "note": "gặp trực tiếp"})
    rec = db.session.get(Reconciliation, member.id)
    task = tablet_task(rec.decision, rec.decision_note, rec.decided_at, rec.run_at)
    assert task == {"decision": "send_back", "note": "gặp trực tiếp"}
    later = rec.decided_at + timedelta(seconds=1)
    assert tablet_task(rec.decision, rec.decision_note, rec.decided_at, rec.run_at, rec.decided_at) == task
    assert tablet_task(rec.decision, rec.decision_note, rec.decided_at, rec.run_at, later) == {}
    # a comparison that changed after the decision makes it stale: the tablet no longer shows it
    assert tablet_task(rec.decision, rec.decision_note, rec.decided_at, later) == {}


def test_the_send_back_banner_leaves_the_roster_once_a_new_record_arrives(admin, officer, world):
    member = world["by_name"]
    admin.post(f"/api/v1/review/members/{member.id}/decision", json={"decision": "send_back", "note": "hỏi CCCD"})
    before = next(m for m in officer.get("/api/v1/sync/roster").json["members"] if m["id"] == member.id)
    assert before["reconcile"]["decision"] == "send_back" and before["reconcile"]["note"] == "hỏi CCCD"
    cursor = officer.get("/api/v1/sync/roster").json["cursor"]
    assert submit(officer, member)["outcome"] == "accepted"
    delta = officer.get("/api/v1/sync/roster", query_string={"since": cursor}).json
    after = next(m for m in delta["members"] if m["id"] == member.id)
    assert "decision" not in after["reconcile"] and "note" not in after["reconcile"]


def test_a_difference_the_field_settled_leaves_the_queue_as_resolved_by_the_field(admin, officer, world):
    member = world["mismatch"]  # Lê Văn Hùng on the party record, Lê Văn Hưng in the registry
    assert ("member", member.id) in keys(items(admin, kind="member"))
    result = submit(officer, member, full_name="Lê Văn Hưng", date_of_birth="1965-02-02", citizen_id="002065004321")
    assert result["status"] == "verified"
    page = items(admin)
    assert ("member", member.id) not in keys(page) and page["resolved_by_field"] == 1
    shown = admin.get(f"/api/v1/review/members/{member.id}").json
    assert shown["resolved_by_field"] is True and shown["class"] == "mismatch"
    assert admin.get(f"/api/v1/review/members/{world['not_found'].id}").json["resolved_by_field"] is False


def test_a_person_not_on_the_roster_is_named_by_the_member_code_people_see(admin, officer, world):
    result = submit(officer, None, **M3_FIELDS)
    entry = admin.get(f"/api/v1/review/submissions/{result['submission_id']}").json
    sub = db.session.get(Submission, result["submission_id"])
    assert entry["submission"]["photo_sha256"] == sub.photo_sha256
    assert entry["submission"]["photo_quality"] == {}  # stored_photo() leaves an empty report; the real one is kept
    url = f"/api/v1/review/submissions/{result['submission_id']}/decision"
    wrong = admin.post(url, json={"decision": "accept_submitted", "member_code": "NO-SUCH"})
    assert wrong.status_code == 422 and "member_code" in wrong.json["error"]["fields"]
    other_unit = admin.post(url, json={"decision": "accept_submitted", "member_code": world["other"].member_code})
    assert other_unit.status_code == 200  # the province admin's scope holds C2 too
    db.session.expire_all()
    assert db.session.get(Submission, result["submission_id"]).member_id == world["other"].id
