"""Hostile and broken input on every API surface: each answer is a 4xx in the JSON error shape with a
stable code — never a 500, never a traceback — and nothing is stored.

The cases come from a schemathesis run against a live gunicorn and from trying by hand what a broken
tablet or a curious user sends: ids beyond 64 bits, NUL characters and lone surrogates (PostgreSQL text
and UTF-8 cannot hold them), truncated and non-JSON bodies, wrong content types, garbage in query
parameters, offsets that push a time out of range, and methods a path does not take.
Every case runs on SQLite and on PostgreSQL: some of these only ever failed on one of them.
"""
import json
import re

import pytest

from server.extensions import db
from server.models import DeviceReport, User, Visit

HUGE = 10**23  # beyond 64 bits: SQLite refuses to bind it at all
CODE = re.compile(r"^[a-z][a-z0-9_]*$")


def post_json(client, path, body):
    """POST `body` as ASCII-escaped JSON: a lone surrogate travels as the escape "\\ud800", as it would."""
    return client.post(path, data=json.dumps(body), content_type="application/json")


def assert_error(response, status, code=None):
    """A JSON error of the contract's shape, with a snake_case code (and `code` if given)."""
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:300])
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert set(error) <= {"code", "message", "fields"} and CODE.match(error["code"]), error
    for problems in error.get("fields", {}).values():
        assert all(CODE.match(p["code"]) for p in problems), error
    if code is not None:
        assert error["code"] == code, error
    return error


@pytest.fixture
def admin(login_as, members):
    return login_as("unit_admin", "P")


# ---- ids too large for any column --------------------------------------------------------------------

BODIES = {"/decision": {"decision": "send_back", "note": "x"}, "/assign": {"assignee_id": 1},
          "/outcome": {"result": "could_not_collect", "reason": "moved"}, "/replan": {"assignee_id": 1},
          "/api/v1/users/<int:user_id>": {"active": True},
          "/move": {"start": "2030-01-07T08:00:00+07:00"}}


def int_rules(app):
    """Every (path with HUGE for its id, method, body) of the API that takes an id in its path."""
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or "<int:" not in rule.rule:
            continue
        path = re.sub(r"<int:\w+>", str(HUGE), rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            body = next((b for suffix, b in BODIES.items() if rule.rule.endswith(suffix)), None)
            yield path, method, body


def test_an_id_beyond_64_bits_in_any_path_is_simply_not_found(app, admin):
    cases = list(int_rules(app))
    assert len(cases) >= 9  # visits (5), review (4), users (1): a rule renamed away would shrink this
    for path, method, body in cases:
        response = admin.get(path) if method == "GET" else admin.post(path, json=body)
        assert_error(response, 404, "not_found")


@pytest.mark.parametrize("path,body,status,code", [
    ("/api/v1/visits", {"member_id": HUGE, "assignee_id": 1}, 404, "not_found"),
    ("/api/v1/visits", {"member_id": 1, "assignee_id": HUGE}, 422, "assignee_out_of_scope"),
    ("/api/v1/visits/bulk", {"unit_codes": ["C1"], "assignee_ids": [HUGE]}, 422, "assignee_out_of_scope"),
])
def test_an_id_beyond_64_bits_in_a_body_is_refused_like_a_missing_one(admin, path, body, status, code):
    assert_error(admin.post(path, json=body), status, code)


def test_giving_an_off_roster_record_to_a_member_id_beyond_64_bits_says_not_found(app, admin, login_as):
    from tests.sync_support import item, post_items, stored_photo
    officer = login_as("officer", "C1")
    stranger = item(stored_photo(), fields={"full_name": "Người Lạ", "citizen_id": "001062000777",
                                            "date_of_birth": "1962-06-06"})
    submission_id = post_items(officer, [stranger]).json["results"][0]["submission_id"]
    error = assert_error(admin.post(f"/api/v1/review/submissions/{submission_id}/decision",
                                    json={"decision": "accept_submitted", "member_id": HUGE}), 422, "invalid_input")
    assert error["fields"] == {"member_id": [{"code": "not_found", "params": {}}]}


@pytest.mark.parametrize("before_id", [str(HUGE), str(-HUGE), "-1", "0"])
def test_audit_paging_from_an_absurd_event_id_is_refused(admin, before_id):
    error = assert_error(admin.get(f"/api/v1/audit?before_id={before_id}"), 422, "invalid_input")
    assert list(error["fields"]) == ["before_id"]


# ---- text that no database can store -----------------------------------------------------------------

NUL, SURROGATE = "a\u0000b", "\ud800"
RLO, ESC = "Nguy\u202eễn", "a\x1b[31mb"  # a bidi override and a terminal escape: issue 15


@pytest.mark.parametrize("bad", [NUL, SURROGATE, RLO, ESC], ids=["nul", "lone_surrogate", "rlo", "esc"])
@pytest.mark.parametrize("path,body,field", [
    ("/api/v1/visits", lambda m, bad: {"member_id": m, "assignee_id": 0, "note": bad}, "note"),
    ("/api/v1/users", lambda m, bad: {"username": "new.user", "password": "long enough", "role": "officer",
                                      "unit_code": "C1", "display_name": bad}, "display_name"),
    ("/api/v1/users", lambda m, bad: {"username": "new.user", "password": "long enough", "role": "officer",
                                      "unit_code": bad}, "unit_code"),
    ("/api/v1/visits/bulk", lambda m, bad: {"unit_codes": ["C1", bad], "assignee_ids": [1]}, "unit_codes"),
    ("/api/v1/review/reconcile", lambda m, bad: {"unit_code": bad}, "unit_code"),
    ("/api/v1/sync/device-report", lambda m, bad: {"device_id": bad, "counts": {}}, "device_id"),
    ("/api/v1/auth/login", lambda m, bad: {"username": bad, "password": "x"}, "username"),
])
def test_nul_and_lone_surrogates_in_a_body_are_refused_by_field(app, admin, members, path, body, field, bad):
    stored = {model: db.session.query(model).count() for model in (User, Visit, DeviceReport)}
    error = assert_error(post_json(admin, path, body(members["m1"].id, bad)), 422, "invalid_input")
    assert error["fields"] == {field: [{"code": "invalid_characters", "params": {}}]}
    db.session.rollback()
    assert {model: db.session.query(model).count() for model in stored} == stored


@pytest.mark.parametrize("bad", ["\u0000", "\ud800", "\udfff x"])
def test_a_key_that_cannot_be_stored_is_refused_without_echoing_it(admin, bad):
    response = post_json(admin, "/api/v1/visits", {bad: 1, "member_id": 1, "assignee_id": 1})
    error = assert_error(response, 422, "invalid_input")
    assert error["fields"] == {"_schema": [{"code": "invalid_characters", "params": {}}]}


@pytest.mark.parametrize("query,field", [
    ("/api/v1/progress?unit=%00", "unit"), ("/api/v1/visits?unit=C%001", "unit"),
    ("/api/v1/review/items?unit=%00", "unit"), ("/api/v1/review/export.xlsx?unit=%00", "unit"),
    ("/api/v1/users?unit=%00", "unit"), ("/api/v1/audit?action=%00", "action"),
    ("/api/v1/sync/roster?since=%00", "since"),
])
def test_nul_in_a_query_parameter_is_refused_by_field(admin, query, field):
    error = assert_error(admin.get(query), 422, "invalid_input")
    assert error["fields"] == {field: [{"code": "invalid_characters", "params": {}}]}


# ---- garbage in query parameters ---------------------------------------------------------------------

@pytest.mark.parametrize("query,status,code", [
    ("/api/v1/audit?limit=-1", 422, "invalid_input"), ("/api/v1/audit?limit=abc", 422, "invalid_input"),
    ("/api/v1/audit?before_id=", 422, "invalid_input"), ("/api/v1/visits?assignee=abc", 422, "invalid_input"),
    ("/api/v1/visits?assignee=", 422, "invalid_input"), ("/api/v1/visits?assignee=-1", 422, "invalid_input"),
    ("/api/v1/visits?status=", 422, "invalid_input"), ("/api/v1/visits?due_before=2020-13-45", 422, "invalid_input"),
    ("/api/v1/review/items?page=0", 422, "invalid_input"), ("/api/v1/review/items?per_page=100000", 422, "invalid_input"),
    ("/api/v1/review/items?class=%ff", 422, "invalid_input"), ("/api/v1/users?role=root", 422, "invalid_input"),
    ("/api/v1/progress?unit=", 200, None), ("/api/v1/progress?unit=%ed%a0%80", 404, "not_found"),
    ("/api/v1/review/export.xlsx?unit=", 404, "not_found"), ("/api/v1/sync/roster?since=%ff%fe", 400, "invalid_cursor"),
    ("/api/v1/sync/roster?since=" + "A" * 5000, 400, "invalid_cursor"),
])
def test_garbage_query_parameters_answer_a_coded_4xx(admin, query, status, code):
    response = admin.get(query)
    if status == 200:
        assert response.status_code == 200
    else:
        assert_error(response, status, code)


def test_an_empty_since_is_the_whole_roster(login_as, members):
    officer = login_as("officer", "C1")
    body = officer.get("/api/v1/sync/roster?since=").get_json()
    assert body["full"] is True and {m["id"] for m in body["members"]} == {members["m1"].id, members["m2"].id}


# ---- broken bodies, content types and methods ---------------------------------------------------------

@pytest.mark.parametrize("data,content_type,status,code", [
    (b'{"member_id": 1', "application/json", 400, "invalid_json"),  # truncated
    (b"\xff\xfe{}", "application/json", 400, "invalid_json"),  # not UTF-8
    (b"[]", "application/json", 422, "invalid_input"), (b"null", "application/json", 422, "invalid_input"),
    (b'"x"', "application/json", 422, "invalid_input"),
    (b'{"member_id": 1e400, "assignee_id": 1}', "application/json", 422, "invalid_input"),
    (b'{"member_id": NaN, "assignee_id": 1}', "application/json", 422, "invalid_input"),
    (b'{"member_id": "x", "assignee_id": 1}', "application/json", 422, "invalid_input"),
    (b'{"member_id": 1, "assignee_id": 1}', "text/plain", 422, "invalid_input"),  # not read as JSON at all
    (b"[" * 100_000, "application/json", 400, "invalid_json"),  # issue 15: these three were 500s
    (b'{"a":' * 50_000, "application/json", 400, "invalid_json"),
    (b'{"member_id": ' + b"9" * 5000 + b', "assignee_id": 1}', "application/json", 400, "invalid_json"),
    (b"member_id=1&assignee_id=1", "application/x-www-form-urlencoded", 422, "invalid_input"),
])
def test_broken_bodies_answer_a_coded_4xx_and_store_nothing(admin, data, content_type, status, code):
    response = admin.post("/api/v1/visits", data=data, content_type=content_type)
    assert_error(response, status, code)
    db.session.rollback()
    assert db.session.query(Visit).count() == 0


def test_a_body_over_the_request_limit_is_refused_before_it_is_read(app, admin):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = admin.post("/api/v1/visits", data=b"{" + b" " * 4096 + b"}", content_type="application/json")
    assert_error(response, 413, "too_large")


@pytest.mark.parametrize("offset", ["-23:59", "+23:59"])
def test_a_queue_report_whose_time_leaves_the_calendar_in_utc_is_refused(admin, offset):
    when = "9999-12-31T23:59:59" if offset.startswith("-") else "0001-01-01T00:00:00"
    response = admin.post("/api/v1/sync/device-report",
                          json={"device_id": "tab", "counts": {}, "oldest_unsent_at": when + offset})
    error = assert_error(response, 422, "invalid_input")
    assert error["fields"] == {"oldest_unsent_at": [{"code": "invalid_datetime", "params": {}}]}
    db.session.rollback()
    assert db.session.query(DeviceReport).count() == 0


@pytest.mark.parametrize("method,path", [
    ("GET", "/api/v1/auth/login"), ("GET", "/api/v1/sync/submissions"), ("GET", "/api/v1/sync/device-report"),
    ("GET", "/api/v1/visits/bulk"), ("GET", "/api/v1/review/reconcile"), ("PUT", "/api/v1/visits"),
    ("DELETE", "/api/v1/visits/1"), ("PATCH", "/api/v1/users/1"),
])
def test_a_method_a_path_does_not_take_answers_405_with_allow(admin, method, path):
    response = admin.client.open(path, method=method, headers={"X-CSRF-Token": admin.csrf})
    assert_error(response, 405, "method_not_allowed")
    assert response.headers["Allow"]


def test_a_csrf_token_replayed_from_another_session_is_refused(login_as, members):
    """A token is bound to its session: one lifted from another user's (or the same user's other) session
    never authorises a change, and the change is not made."""
    lead, other = login_as("team_lead", "G1"), login_as("team_lead", "G1")
    officer = login_as("officer", "C1")
    body = {"member_id": members["m1"].id, "assignee_id": officer.user.id}
    assert_error(lead.post("/api/v1/visits", json=body, headers={"X-CSRF-Token": other.csrf}), 403, "csrf_failed")
    db.session.rollback()
    assert db.session.query(Visit).count() == 0
    assert lead.post("/api/v1/visits", json=body).status_code == 201  # its own token still works


def test_an_unknown_api_path_is_a_json_404(admin):
    for path in ("/api/v1/nonexistent", "/api/v1/visits/abc", "/api/v1/visits/-1", "/api/v2/visits"):
        assert_error(admin.get(path), 404, "not_found")


# ---- issue 15: JSON bombs on every endpoint, control characters in reasons and notes --------------------

BOMBS = {"deep_array": b"[" * 100_000, "deep_object": b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
         "long_integer": b'{"device_id": ' + b"7" * 5000 + b"}"}
JSON_ENDPOINTS = ["/api/v1/auth/login", "/api/v1/visits", "/api/v1/visits/bulk", "/api/v1/visits/1/assign",
                  "/api/v1/visits/1/outcome", "/api/v1/users", "/api/v1/users/1", "/api/v1/review/reconcile",
                  "/api/v1/review/members/1/decision", "/api/v1/sync/device-report", "/api/v1/sync/submissions"]


@pytest.mark.parametrize("bomb", list(BOMBS), ids=list(BOMBS))
def test_a_json_bomb_is_invalid_json_on_every_endpoint(admin, bomb):
    for path in JSON_ENDPOINTS:
        response = admin.post(path, data=BOMBS[bomb], content_type="application/json")
        assert_error(response, 400, "invalid_json")


@pytest.mark.parametrize("bad", [RLO, ESC], ids=["rlo", "esc"])
def test_control_and_bidi_characters_in_reasons_and_notes_are_refused(admin, login_as, members, bad):
    officer = login_as("officer", "C1")
    visit = admin.post("/api/v1/visits", json={"member_id": members["m1"].id, "assignee_id": officer.user.id})
    assert visit.status_code == 201, visit.json
    cases = [(f"/api/v1/visits/{visit.json['id']}/assign", {"assignee_id": officer.user.id, "reason": bad}, "reason"),
             (f"/api/v1/review/members/{members['m1'].id}/decision", {"decision": "send_back", "note": bad}, "note")]
    for path, body, field in cases:
        error = assert_error(post_json(admin, path, body), 422, "invalid_input")
        assert error["fields"] == {field: [{"code": "invalid_characters", "params": {}}]}
