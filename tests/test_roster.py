"""Roster download for offline search: full and delta, removals, visit notices, scope, cursor checks."""
import base64
from datetime import date, timedelta

import pytest
from tests.fieldwork_helpers import add_member, backdate
from sqlalchemy import select

from server.extensions import db
from server.models import AuditEvent, Member, Reconciliation, utcnow
from server.roster import encode_cursor

URL = "/api/v1/sync/roster"


@pytest.fixture
def crew(login_as, members):
    return {"lead": login_as("team_lead", "G1"), "a": login_as("officer", "C1"), "b": login_as("officer", "C1")}


def plan(crew, member, holder="a"):
    response = crew["lead"].post("/api/v1/visits", json={"member_id": member.id, "assignee_id": crew[holder].user.id,
                                                         "kind": "hospital", "due_date": "2025-08-21"})
    assert response.status_code == 201, response.json
    return response.json["id"]


def test_full_roster_carries_every_set_member_column_and_the_cell(app, crew, members, tree):
    full = add_member(tree["C1"], "M4", full_name="Đỗ Thị Lan", dob="1950", gender="female",
                      priority="veteran", needs_home_visit=True, old_card_number="0123456", phone="0912345678",
                      ethnicity="Kinh", religion="Không", home_visit_note="Nhà trong ngõ 5")
    db.session.add(Reconciliation(member_id=full.id, klass="mismatch", fields={
        "full_name": {"result": "minor", "record": "Đỗ Thị Lan", "registry": "ĐỖ THỊ LAN"},
        "date_of_birth": {"result": "match", "record": "1950", "registry": "1950-03-02"},
        "hometown": {"result": "mismatch", "record": "Hà Nội", "registry": "Nam Định"}}))
    db.session.commit()
    response = crew["a"].get(URL)
    assert response.status_code == 200
    body = response.json
    assert body["full"] is True and body["removed"] == {"members": [], "visits": []} and body["cursor"]
    by_id = {m["id"]: m for m in body["members"]}
    assert set(by_id) == {members["m1"].id, members["m2"].id, full.id}
    assert by_id[full.id] == {
        "id": full.id, "status": "pending", "member_code": "M4", "full_name": "Đỗ Thị Lan", "date_of_birth": "1950",
        "gender": "female", "hometown": "Hà Nội", "permanent_address": "Số 1 phố Huế, Hà Nội",
        "party_join_date": "1985-03-01", "party_official_date": "1986-03-01", "priority": "veteran",
        "needs_home_visit": True, "old_card_number": "0123456", "phone": "0912345678", "ethnicity": "Kinh",
        "religion": "Không", "home_visit_note": "Nhà trong ngõ 5", "unit_code": "C1", "unit_name": "Chi bộ Khu phố 1",
        "reconcile": {"class": "mismatch", "fields": {
            "full_name": {"result": "minor", "record": "Đỗ Thị Lan", "registry": "ĐỖ THỊ LAN"},
            "hometown": {"result": "mismatch", "record": "Hà Nội", "registry": "Nam Định"}}}}
    plain = by_id[members["m1"].id]
    assert plain["citizen_id"] == "001060012345" and plain["needs_home_visit"] is False
    assert "phone" not in plain and "reconcile" not in plain
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "roster.download")).one()
    assert (event.user_id, event.outcome, event.detail["members"]) == (crew["a"].user.id, "full", 3)
    assert "Đỗ" not in str(event.detail)


def test_roster_visits_are_the_callers_own_open_ones(crew, members):
    mine, theirs = plan(crew, members["m1"]), plan(crew, members["m2"], "b")
    visits = crew["a"].get(URL).json["visits"]
    assert visits == [{"id": mine, "member_id": members["m1"].id, "kind": "hospital",
                       "assignee_id": crew["a"].user.id, "due_date": "2025-08-21", "status": "open", "note": "",
                       "priority": "standard"}]
    assert [v["id"] for v in crew["b"].get(URL).json["visits"]] == [theirs]


def test_delta_sends_only_what_changed_since_the_cursor(crew, members):
    backdate()
    cursor = crew["a"].get(URL).json["cursor"]
    members["m2"].phone = "0987654321"
    db.session.commit()
    delta = crew["a"].get(f"{URL}?since={cursor}").json
    assert delta["full"] is False
    assert [(m["id"], m["phone"]) for m in delta["members"]] == [(members["m2"].id, "0987654321")]
    assert delta["cursor"] != cursor
    # Still inside the overlap window before the new cursor: sent again, which upserting makes harmless.
    assert crew["a"].get(f"{URL}?since={delta['cursor']}").json["members"] == delta["members"]


def test_delta_resends_rows_stamped_just_before_the_cursor(crew, members):
    """A transaction that flushed before the cursor was issued but committed after it is still delivered."""
    backdate()
    cursor = crew["a"].get(URL).json["cursor"]
    late = utcnow() - timedelta(minutes=2)
    db.session.execute(Member.__table__.update().where(Member.id == members["m1"].id).values(updated_at=late))
    db.session.commit()
    assert [m["id"] for m in crew["a"].get(f"{URL}?since={cursor}").json["members"]] == [members["m1"].id]


def test_delta_includes_a_new_reconciliation_result(crew, members):
    backdate()
    cursor = crew["a"].get(URL).json["cursor"]
    now = utcnow()  # a decision taken after the comparison it answers (a later comparison makes it stale)
    db.session.add(Reconciliation(member_id=members["m1"].id, klass="not_found", fields={}, decision="send_back",
                                  decision_note="hỏi số CCCD", run_at=now - timedelta(seconds=1), decided_at=now))
    db.session.commit()
    delta = crew["a"].get(f"{URL}?since={cursor}").json
    assert [(m["id"], m["reconcile"]) for m in delta["members"]] == [
        (members["m1"].id, {"class": "not_found", "fields": {}, "decision": "send_back", "note": "hỏi số CCCD"})]


def test_removed_member_is_listed_for_deletion(crew, members):
    backdate()
    cursor = crew["a"].get(URL).json["cursor"]
    members["m1"].removed_at = utcnow()
    db.session.commit()
    delta = crew["a"].get(f"{URL}?since={cursor}").json
    assert delta["removed"]["members"] == [members["m1"].id]
    assert members["m1"].id not in [m["id"] for m in delta["members"]]
    assert members["m1"].id not in [m["id"] for m in crew["a"].get(URL).json["members"]]


def test_reassignment_away_removes_the_visit_with_a_notice_and_delivers_it_to_the_new_holder(crew, members):
    visit_id = plan(crew, members["m1"])
    backdate()
    cursor_a = crew["a"].get(URL).json["cursor"]
    cursor_b = crew["b"].get(URL).json["cursor"]
    crew["lead"].post(f"/api/v1/visits/{visit_id}/assign", json={"assignee_id": crew["b"].user.id,
                                                                  "reason": "A nghỉ phép"})
    old = crew["a"].get(f"{URL}?since={cursor_a}").json
    assert old["visits"] == [] and old["removed"]["visits"] == [visit_id]
    [notice] = old["notices"]
    assert notice["at"] and notice | {"at": None} == {
        "visit_id": visit_id, "member_id": members["m1"].id, "kind": "reassigned", "to_user": crew["b"].user.username,
        "by_user": crew["lead"].user.username, "reason": "A nghỉ phép", "at": None}
    new = crew["b"].get(f"{URL}?since={cursor_b}").json
    assert [v["id"] for v in new["visits"]] == [visit_id] and new["removed"]["visits"] == [] and new["notices"] == []


def test_own_outcome_removes_the_visit_without_a_notice(crew, members):
    visit_id = plan(crew, members["m1"])
    backdate()
    cursor = crew["a"].get(URL).json["cursor"]
    crew["a"].post(f"/api/v1/visits/{visit_id}/outcome", json={"result": "could_not_collect", "reason": "moved"})
    delta = crew["a"].get(f"{URL}?since={cursor}").json
    assert delta["removed"]["visits"] == [visit_id] and delta["notices"] == []


def test_officer_of_another_cell_never_sees_these_members_or_visits(crew, members, login_as):
    plan(crew, members["m1"])
    other = login_as("officer", "C2")
    body = other.get(URL).json
    assert [m["id"] for m in body["members"]] == [members["m3"].id]
    assert body["visits"] == []
    backdate()
    cursor = other.get(URL).json["cursor"]
    members["m1"].removed_at = utcnow()
    members["m2"].phone = "0900000000"
    db.session.commit()
    delta = other.get(f"{URL}?since={cursor}").json
    assert delta["members"] == [] and delta["removed"] == {"members": [], "visits": []}


def test_viewer_may_not_download_the_roster(login_as, members):
    response = login_as("viewer", "C1").get(URL)
    assert response.status_code == 403 and response.json["error"]["code"] == "forbidden"


@pytest.mark.parametrize("cursor", ["not-a-cursor", base64.urlsafe_b64encode(b"[1,2]").decode(),
                                    base64.urlsafe_b64encode(b'{"v":1,"t":"yesterday"}').decode(), "%FF%FE",
                                    base64.urlsafe_b64encode(b'{"v":1,"t":"0001-01-01T00:00:00+00:00"}').decode(),
                                    base64.urlsafe_b64encode(b'{"v":1,"t":"2999-01-01T00:00:00+00:00"}').decode()])
def test_bad_cursor_is_400_invalid_cursor(crew, cursor):
    response = crew["a"].get(f"{URL}?since={cursor}")
    assert response.status_code == 400 and response.json["error"]["code"] == "invalid_cursor"


def test_cursor_of_another_user_gets_the_full_roster(crew, members):
    cursor = crew["b"].get(URL).json["cursor"]
    body = crew["a"].get(f"{URL}?since={cursor}").json
    assert body["full"] is True and len(body["members"]) == 2


def test_cursor_older_than_a_day_gets_the_full_roster_and_still_the_notices(crew, members):
    visit_id = plan(crew, members["m1"])
    stale = encode_cursor(utcnow() - timedelta(days=2), crew["a"].user)
    crew["lead"].post(f"/api/v1/visits/{visit_id}/assign", json={"assignee_id": crew["b"].user.id})
    body = crew["a"].get(f"{URL}?since={stale}").json
    assert body["full"] is True and len(body["members"]) == 2 and body["visits"] == []
    assert [(n["visit_id"], n["kind"]) for n in body["notices"]] == [(visit_id, "reassigned")]


def test_roster_needs_a_session(client, members):
    response = client.get(URL)
    assert response.status_code == 401 and response.json["error"]["code"] == "not_authenticated"


def test_party_dates_are_iso(crew, members):
    member = next(m for m in crew["a"].get(URL).json["members"] if m["id"] == members["m1"].id)
    assert date.fromisoformat(member["party_join_date"]) == members["m1"].party_join_date


def test_member_moved_to_another_units_cell_leaves_the_old_units_tablets(app, tree, login_as, tmp_path):
    """A transfer by import: the old unit's officer gets the member and their open visit as removals."""
    from server.imports.importers import import_file

    header = ("member_code,unit_code,full_name,date_of_birth,gender,citizen_id,hometown,permanent_address,"
              "party_join_date,party_official_date,priority,needs_home_visit\n")
    row = "MV9,{cell},Đỗ Thị Thuỷ,1961-04-02,female,001161000123,Hà Nội,Số 2 phố Huế,1985-03-01,1986-03-01,standard,yes\n"
    first, moved = tmp_path / "m1.csv", tmp_path / "m2.csv"
    first.write_text(header + row.format(cell="C1"), encoding="utf-8")
    moved.write_text(header + row.format(cell="C2"), encoding="utf-8")
    assert import_file("members", first).stored
    officer = login_as("officer", "C1")
    lead = login_as("team_lead", "G1")
    member_id = officer.get("/api/v1/sync/roster").json["members"][0]["id"]
    visit = lead.post("/api/v1/visits", json={"member_id": member_id, "kind": "home",
                                               "assignee_id": officer.user.id, "due_date": "2030-01-01",
                                               "note": ""}).json
    cursor = officer.get("/api/v1/sync/roster").json["cursor"]
    assert import_file("members", moved).stored
    delta = officer.get(f"/api/v1/sync/roster?since={cursor}").json
    assert delta["full"] is False
    assert member_id in delta["removed"]["members"]
    assert visit["id"] in delta["removed"]["visits"]
    assert all(m["id"] != member_id for m in delta["members"])
    # The new unit's officer sees the member; a full roster of the old unit no longer holds them.
    assert [m["id"] for m in login_as("officer", "C2").get("/api/v1/sync/roster").json["members"]] == [member_id]
    assert officer.get("/api/v1/sync/roster").json["members"] == []
