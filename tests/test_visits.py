"""Visits API: planning, assignment history, scope, outcomes, replanning, bulk planning, closing by submission."""
from datetime import date

import pytest
from tests.fieldwork_helpers import add_member, add_submission
from sqlalchemy import func, select

from server.auth import create_user
from server.extensions import db
from server.models import AuditEvent, Visit
from server.units import add_unit
from server.visits import close_for_member, close_for_submission


@pytest.fixture
def crew(login_as, members):
    """A team lead of G1 and two officers of cell C1 (inside G1)."""
    return {"lead": login_as("team_lead", "G1"), "a": login_as("officer", "C1"), "b": login_as("officer", "C1")}


def plan(lead, member, assignee, **extra):
    body = {"member_id": member.id, "kind": "home", "assignee_id": assignee.user.id, "due_date": "2025-08-20",
            "note": "gọi trước", **extra}
    return lead.post("/api/v1/visits", json=body)


def audit_count(action):
    return db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == action))


def test_lead_plans_a_visit_whose_history_starts_with_the_first_assignment(crew, members):
    response = plan(crew["lead"], members["m1"], crew["a"])
    assert response.status_code == 201, response.json
    visit = response.json
    assert {k: visit[k] for k in ("member_id", "kind", "assignee_id", "due_date", "note", "status")} == {
        "member_id": members["m1"].id, "kind": "home", "assignee_id": crew["a"].user.id,
        "due_date": "2025-08-20", "note": "gọi trước", "status": "open"}
    assert [(h["assignee_id"], h["assigned_by"]) for h in visit["history"]] == [(crew["a"].user.id,
                                                                                  crew["lead"].user.id)]
    assert visit["unit_code"] == "C1" and visit["member_name"] == members["m1"].full_name
    assert audit_count("visit.create") == 1


def test_reassigning_adds_one_history_step_with_reason(crew, members):
    visit = plan(crew["lead"], members["m1"], crew["a"]).json
    response = crew["lead"].post(f"/api/v1/visits/{visit['id']}/assign",
                                 json={"assignee_id": crew["b"].user.id, "reason": "A ốm"})
    assert response.status_code == 200, response.json
    assert response.json["assignee_id"] == crew["b"].user.id
    steps = response.json["history"]
    assert len(steps) == 2
    lead = crew["lead"].user
    assert steps[1] | {"at": None} == {"assignee_id": crew["b"].user.id, "from_assignee_id": crew["a"].user.id,
                                        "assigned_by": lead.id, "assigned_by_name": lead.username,
                                        "reason": "A ốm", "at": None}
    assert audit_count("visit.assign") == 1


def test_assignee_who_cannot_reach_the_member_is_422(app, crew, members, login_as, tree):
    add_unit("C1B", "Chi bộ 1B", "cell", tree["G1"])
    db.session.commit()
    elsewhere = [login_as("officer", "C2"), login_as("officer", "C1B"), login_as("viewer", "C1")]
    for other in elsewhere:
        response = plan(crew["lead"], members["m1"], other)
        assert response.status_code == 422, other.user.username
        assert response.json["error"]["code"] == "assignee_out_of_scope"
        assert response.json["error"]["fields"]["assignee_id"][0]["code"] == "assignee_out_of_scope"
    assert plan(crew["lead"], members["m1"], crew["a"], assignee_id=999999).json["error"]["code"] == \
        "assignee_out_of_scope"
    visit = plan(crew["lead"], members["m1"], crew["a"]).json
    response = crew["lead"].post(f"/api/v1/visits/{visit['id']}/assign", json={"assignee_id": elsewhere[0].user.id})
    assert response.status_code == 422 and response.json["error"]["code"] == "assignee_out_of_scope"
    assert db.session.scalar(select(func.count()).select_from(Visit)) == 1


def test_officer_may_not_plan_or_reassign(crew, members):
    visit = plan(crew["lead"], members["m1"], crew["a"]).json
    assert plan(crew["a"], members["m2"], crew["a"]).status_code == 403
    response = crew["a"].post(f"/api/v1/visits/{visit['id']}/assign", json={"assignee_id": crew["b"].user.id})
    assert response.status_code == 403 and response.json["error"]["code"] == "forbidden"
    assert crew["a"].post("/api/v1/visits/bulk", json={"unit_codes": ["C1"], "assignee_ids": [crew["a"].user.id]}
                          ).status_code == 403


def test_other_units_visits_and_members_answer_404(crew, members, login_as):
    lead2, officer2 = login_as("team_lead", "G2"), login_as("officer", "C2")
    theirs = plan(lead2, members["m3"], officer2).json
    lead = crew["lead"]
    assert plan(lead, members["m3"], crew["a"]).status_code == 404
    for path, body in (("assign", {"assignee_id": crew["a"].user.id}), ("replan", {"assignee_id": crew["a"].user.id}),
                       ("outcome", {"result": "could_not_collect", "reason": "not_home"})):
        response = lead.post(f"/api/v1/visits/{theirs['id']}/{path}", json=body)
        assert response.status_code == 404 and response.json["error"]["code"] == "not_found"
    assert lead.get(f"/api/v1/visits/{theirs['id']}").status_code == 404
    assert lead.get("/api/v1/visits?status=all").json["visits"] == []


def test_second_open_visit_for_a_member_is_409(crew, members):
    assert plan(crew["lead"], members["m1"], crew["a"]).status_code == 201
    response = plan(crew["lead"], members["m1"], crew["b"])
    assert response.status_code == 409 and response.json["error"]["code"] == "visit_exists"


def test_outcome_resent_with_the_same_client_id_changes_nothing(crew, members):
    visit = plan(crew["lead"], members["m1"], crew["a"]).json
    body = {"result": "could_not_collect", "reason": "not_home", "note": "đi vắng", "client_id": "c-1"}
    first = crew["a"].post(f"/api/v1/visits/{visit['id']}/outcome", json=body)
    again = crew["a"].post(f"/api/v1/visits/{visit['id']}/outcome", json=body)
    assert first.status_code == again.status_code == 200
    assert first.json["status"] == again.json["status"] == "could_not_collect"
    assert first.json["outcome_reason"] == "not_home" and first.json["done_by"] == crew["a"].user.id
    assert audit_count("visit.outcome") == 1
    other = crew["a"].post(f"/api/v1/visits/{visit['id']}/outcome", json=body | {"client_id": "c-2"})
    assert other.status_code == 409 and other.json["error"]["code"] == "visit_closed"


def test_outcome_rejects_unknown_reason_and_non_holders(crew, members, login_as):
    visit = plan(crew["lead"], members["m1"], crew["a"]).json
    url = f"/api/v1/visits/{visit['id']}/outcome"
    bad = crew["a"].post(url, json={"result": "could_not_collect", "reason": "busy"})
    assert bad.status_code == 422 and "reason" in bad.json["error"]["fields"]
    stranger = crew["b"].post(url, json={"result": "could_not_collect", "reason": "refused"})
    assert stranger.status_code == 403
    crew["lead"].post(f"/api/v1/visits/{visit['id']}/assign", json={"assignee_id": crew["b"].user.id})
    former = crew["a"].post(url, json={"result": "could_not_collect", "reason": "refused"})
    assert former.status_code == 409 and former.json["error"]["code"] == "visit_reassigned"
    assert db.session.get(Visit, visit["id"]).status == "open"
    by_lead = crew["lead"].post(url, json={"result": "could_not_collect", "reason": "deceased"})
    assert by_lead.status_code == 200 and by_lead.json["status"] == "could_not_collect"


def test_replan_reopens_a_visit_that_could_not_be_done(crew, members):
    visit = plan(crew["lead"], members["m1"], crew["a"]).json
    url = f"/api/v1/visits/{visit['id']}/replan"
    early = crew["lead"].post(url, json={"assignee_id": crew["b"].user.id})
    assert early.status_code == 409 and early.json["error"]["code"] == "visit_open"
    crew["a"].post(f"/api/v1/visits/{visit['id']}/outcome", json={"result": "could_not_collect", "reason": "not_home"})
    assert crew["a"].post(url, json={"assignee_id": crew["b"].user.id}).status_code == 403
    response = crew["lead"].post(url, json={"assignee_id": crew["b"].user.id, "due_date": "2025-08-25",
                                            "reason": "hẹn buổi tối"})
    assert response.status_code == 200, response.json
    body = response.json
    assert (body["status"], body["assignee_id"], body["due_date"]) == ("open", crew["b"].user.id, "2025-08-25")
    assert len(body["history"]) == 2 and body["history"][-1]["reason"] == "hẹn buổi tối"
    assert body["outcome_reason"] == "not_home" and body["done_by"] is None


def test_lists_run_by_due_date_then_priority_and_officers_see_only_their_own(crew, members, tree):
    vet = add_member(tree["C1"], "M9", full_name="Phạm Văn Cựu", priority="veteran")
    db.session.commit()
    late = plan(crew["lead"], members["m1"], crew["a"], due_date="2025-08-30").json
    same_day_std = plan(crew["lead"], members["m2"], crew["a"], due_date="2025-08-21").json
    same_day_vet = plan(crew["lead"], vet, crew["b"], due_date="2025-08-21").json
    ids = [v["id"] for v in crew["lead"].get("/api/v1/visits").json["visits"]]
    assert ids == [same_day_vet["id"], same_day_std["id"], late["id"]]
    mine = crew["a"].get("/api/v1/visits").json["visits"]
    assert [v["id"] for v in mine] == [same_day_std["id"], late["id"]]
    assert crew["a"].get(f"/api/v1/visits?assignee={crew['b'].user.id}").status_code == 403
    assert [v["id"] for v in crew["lead"].get(f"/api/v1/visits?assignee={crew['b'].user.id}").json["visits"]] == \
        [same_day_vet["id"]]
    assert [v["id"] for v in crew["lead"].get("/api/v1/visits?due_before=2025-08-25").json["visits"]] == \
        [same_day_vet["id"], same_day_std["id"]]
    assert crew["lead"].get("/api/v1/visits?status=done").json["visits"] == []
    assert crew["lead"].get("/api/v1/visits?status=nonsense").status_code == 422


def test_viewer_may_not_list_visits(login_as, members):
    assert login_as("viewer", "G1").get("/api/v1/visits").status_code == 403


@pytest.fixture
def ward(app, tree, crew):
    """G1 gets a second cell; members needing a home visit in both cells, plus ones that must be skipped."""
    tree["C1B"] = add_unit("C1B", "Chi bộ 1B", "cell", tree["G1"])
    needy = [add_member(tree["C1" if i % 2 else "C1B"], f"H{i}", needs_home_visit=True,
                        priority="veteran" if i == 5 else "standard") for i in range(6)]
    fine = add_member(tree["C1"], "H-fine", needs_home_visit=False)
    collected = add_member(tree["C1"], "H-done", needs_home_visit=True)
    add_submission(collected, crew["a"].user)
    removed = add_member(tree["C1"], "H-gone", needs_home_visit=True)
    removed.removed_at = removed.created_at
    db.session.commit()
    g1_officer = create_user("officer_g1", "long enough password", "officer", "G1")
    db.session.commit()
    return {"needy": needy, "skip": [fine, collected, removed], "g1_officer": g1_officer}


def test_bulk_plans_each_needy_member_once_round_robin(crew, ward):
    lead, users = crew["lead"], [crew["a"].user.id, ward["g1_officer"].id]
    planned = plan(lead, ward["needy"][1], crew["a"])  # already has an open visit: not planned again
    assert planned.status_code == 201
    body = {"unit_codes": ["G1"], "assignee_ids": users, "strategy": "round_robin", "due_date": "2025-08-22"}
    response = lead.post("/api/v1/visits/bulk", json=body)
    assert response.status_code == 200, response.json
    result = response.json
    assert result["created"] == 5 and len(result["visits"]) == 5
    visits = db.session.scalars(select(Visit).where(Visit.id.in_(result["visits"]))).all()
    assert sorted(v.member_id for v in visits) == sorted(m.id for i, m in enumerate(ward["needy"]) if i != 1)
    # Officer a (cell C1) cannot reach C1B members, so those all go to the G1 officer.
    for v in visits:
        if v.member.unit.code == "C1B":
            assert v.assignee_id == ward["g1_officer"].id
    assert result["per_assignee"] == {str(uid): sum(v.assignee_id == uid for v in visits) for uid in users}
    first = min(visits, key=lambda v: result["visits"].index(v.id))
    assert first.member.priority == "veteran"  # veterans are planned first
    assert all(len(v.history) == 1 and v.history[0].assigned_by_id == lead.user.id for v in visits)
    again = lead.post("/api/v1/visits/bulk", json=body).json
    assert again["created"] == 0 and again["visits"] == []
    assert audit_count("visit.bulk") == 2


def test_bulk_least_load_evens_out_open_visits(crew, ward, tree):
    lead = crew["lead"]
    g1 = ward["g1_officer"]
    # The G1 officer already holds two open visits; the C1 officer none.
    extra = [add_member(tree["C1"], f"L{i}") for i in range(2)]
    db.session.commit()
    for member in extra:
        assert lead.post("/api/v1/visits", json={"member_id": member.id, "assignee_id": g1.id}).status_code == 201
    result = lead.post("/api/v1/visits/bulk", json={"unit_codes": ["C1"], "assignee_ids": [g1.id, crew["a"].user.id],
                                                    "strategy": "least_load"}).json
    # Three needy members in C1: the C1 officer takes two to catch up, then the tie goes to the first listed.
    assert result["created"] == 3
    assert result["per_assignee"] == {str(g1.id): 1, str(crew["a"].user.id): 2}


def test_bulk_counts_members_nobody_chosen_can_reach(crew, ward):
    result = crew["lead"].post("/api/v1/visits/bulk", json={"unit_codes": ["G1"], "assignee_ids": [crew["a"].user.id]}
                               ).json
    assert (result["created"], result["skipped"]) == (3, 3)


def test_bulk_refuses_units_and_users_outside_scope(crew, ward, login_as):
    lead = crew["lead"]
    assert lead.post("/api/v1/visits/bulk", json={"unit_codes": ["G2"], "assignee_ids": [crew["a"].user.id]}
                     ).status_code == 404
    outsider = login_as("officer", "C2")
    response = lead.post("/api/v1/visits/bulk", json={"unit_codes": ["G1"], "assignee_ids": [outsider.user.id]})
    assert response.status_code == 422 and response.json["error"]["code"] == "assignee_out_of_scope"
    assert db.session.scalar(select(func.count()).select_from(Visit)) == 0


def test_submission_naming_a_visit_reassigned_away_closes_it_and_tells_the_old_holder(crew, members):
    visit_id = plan(crew["lead"], members["m1"], crew["a"]).json["id"]
    cursor_a = crew["a"].get("/api/v1/sync/roster").json["cursor"]
    crew["lead"].post(f"/api/v1/visits/{visit_id}/assign", json={"assignee_id": crew["b"].user.id,
                                                                  "reason": "đổi ca"})
    visit = db.session.get(Visit, visit_id)
    submission = add_submission(members["m1"], crew["b"].user, visit=visit)
    close_for_submission(visit, submission)
    db.session.commit()
    assert (visit.status, visit.done_by_id, visit.done_submission_id) == ("done", crew["b"].user.id, submission.id)
    delta = crew["a"].get(f"/api/v1/sync/roster?since={cursor_a}").json
    assert delta["removed"]["visits"] == [visit_id]
    assert [v["id"] for v in delta["visits"]] == []
    [notice] = delta["notices"]
    assert notice | {"at": None} == {"visit_id": visit_id, "member_id": members["m1"].id, "kind": "done",
                                     "to_user": crew["b"].user.username, "by_user": crew["b"].user.username,
                                     "reason": None, "at": None}
    reassign = crew["lead"].post(f"/api/v1/visits/{visit_id}/assign", json={"assignee_id": crew["a"].user.id})
    assert reassign.status_code == 409 and reassign.json["error"]["code"] == "visit_closed"


def test_late_submission_by_the_old_holder_closes_the_visit_for_the_new_one(crew, members):
    visit_id = plan(crew["lead"], members["m1"], crew["a"]).json["id"]
    crew["lead"].post(f"/api/v1/visits/{visit_id}/assign", json={"assignee_id": crew["b"].user.id})
    cursor_b = crew["b"].get("/api/v1/sync/roster").json["cursor"]
    visit = db.session.get(Visit, visit_id)
    close_for_submission(visit, add_submission(members["m1"], crew["a"].user, visit=visit))
    db.session.commit()
    delta = crew["b"].get(f"/api/v1/sync/roster?since={cursor_b}").json
    assert delta["removed"]["visits"] == [visit_id]
    assert [(n["kind"], n["by_user"]) for n in delta["notices"]] == [("done", crew["a"].user.username)]
    listed = crew["lead"].get("/api/v1/visits?status=done").json["visits"]
    assert [(v["id"], v["done_by"]) for v in listed] == [(visit_id, crew["a"].user.id)]


def test_visit_dates_are_real_dates(crew, members):
    response = plan(crew["lead"], members["m1"], crew["a"], due_date="2025-02-30")
    assert response.status_code == 422 and "due_date" in response.json["error"]["fields"]
    assert date.fromisoformat(plan(crew["lead"], members["m1"], crew["a"]).json["due_date"])


def test_closed_visit_reaches_the_assignees_roster_delta_with_a_notice(crew, members):
    visit_id = plan(crew["lead"], members["m1"], crew["a"]).json["id"]
    cursor = crew["a"].get("/api/v1/sync/roster").json["cursor"]
    closed = close_for_member(add_submission(members["m1"], crew["b"].user))
    db.session.commit()
    assert [v.id for v in closed] == [visit_id] and db.session.get(Visit, visit_id).status == "done"
    delta = crew["a"].get(f"/api/v1/sync/roster?since={cursor}").json
    assert delta["removed"]["visits"] == [visit_id]
    assert [(n["kind"], n["by_user"]) for n in delta["notices"]] == [("done", crew["b"].user.username)]


def test_absurd_ids_read_as_not_found(crew, members):
    huge = 10**20
    assert plan(crew["lead"], members["m1"], crew["a"], member_id=huge).status_code == 404
    assert plan(crew["lead"], members["m1"], crew["a"], assignee_id=huge).json["error"]["code"] == \
        "assignee_out_of_scope"
    for path in ("assign", "replan"):
        assert crew["lead"].post(f"/api/v1/visits/{huge}/{path}", json={"assignee_id": crew["a"].user.id}
                                 ).status_code == 404
    assert crew["lead"].get(f"/api/v1/visits/{huge}").status_code == 404
    assert crew["lead"].get("/api/v1/visits?assignee=99999999999").status_code == 422


def test_member_collected_at_the_station_has_their_open_visit_closed(app, tree, login_as):
    """Nobody is visited twice: a record taken anywhere closes the member's open visit."""
    from tests.sync_support import item, post_items, stored_photo

    lead = login_as("team_lead", "G1")
    holder = login_as("officer", "C1")
    member = add_member(tree["C1"], "MV1", citizen_id="001060012345")
    db.session.commit()
    visit = lead.post("/api/v1/visits", json={"member_id": member.id, "kind": "home",
                                               "assignee_id": holder.user.id, "due_date": "2030-01-01",
                                               "note": ""}).json
    station = login_as("officer", "G1")
    body = item(stored_photo(), member_id=member.id)
    assert post_items(station, [body]).json["results"][0]["outcome"] == "accepted"
    assert lead.get(f"/api/v1/visits/{visit['id']}").json["status"] == "done"
