"""Sign-in, sessions, CSRF and throttling (CONTRACT §5 Authentication)."""
from datetime import timedelta

from sqlalchemy import select

from server.auth import create_user
from server.extensions import db
from server.login_throttle.models import LoginThrottle
from server.models import AuditEvent
from tests.conftest import PASSWORD


def _user(tree, username="ana", role="officer", unit="C1"):
    user = create_user(username, PASSWORD, role, unit)
    db.session.commit()
    return user


def test_login_returns_user_csrf_and_strict_httponly_cookie(client, tree):
    _user(tree)
    response = client.post("/api/v1/auth/login", json={"username": "ana", "password": PASSWORD})
    assert response.status_code == 200
    body = response.json
    assert body["user"] == {"id": body["user"]["id"], "username": "ana", "role": "officer", "unit_code": "C1",
                            "display_name": "ana"}
    assert len(body["csrf_token"]) >= 32
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" not in cookie


def test_cookie_is_secure_over_https(client, tree):
    _user(tree)
    response = client.post("/api/v1/auth/login", json={"username": "ana", "password": PASSWORD},
                           base_url="https://localhost")
    assert "Secure" in response.headers["Set-Cookie"]


def test_wrong_password_and_unknown_user_answer_the_same(client, tree):
    _user(tree)
    wrong = client.post("/api/v1/auth/login", json={"username": "ana", "password": "nope-nope"})
    unknown = client.post("/api/v1/auth/login", json={"username": "bob", "password": "nope-nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json == unknown.json
    assert wrong.json["error"]["code"] == "invalid_credentials"


def test_me_without_session_is_not_authenticated(client):
    response = client.get("/api/v1/auth/me")
    assert response.status_code == 401
    assert response.json["error"]["code"] == "not_authenticated"


def test_me_after_login_and_logout_ends_the_session_on_the_server(client, tree):
    _user(tree)
    login = client.post("/api/v1/auth/login", json={"username": "ana", "password": PASSWORD})
    token = login.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]
    assert client.get("/api/v1/auth/me").json["username"] == "ana"
    out = client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": login.json["csrf_token"]})
    assert out.status_code == 204
    # A copy of the old cookie no longer works: the session is gone server-side, not just forgotten by the client.
    client.set_cookie("fieldkit_session", token)
    assert client.get("/api/v1/auth/me").status_code == 401


def test_state_change_without_or_with_wrong_csrf_is_refused(client, tree):
    _user(tree)
    login = client.post("/api/v1/auth/login", json={"username": "ana", "password": PASSWORD})
    missing = client.post("/api/v1/auth/logout")
    wrong = client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": "x" + login.json["csrf_token"]})
    assert missing.status_code == wrong.status_code == 403
    assert missing.json["error"]["code"] == wrong.json["error"]["code"] == "csrf_failed"
    assert client.get("/api/v1/auth/me").status_code == 200  # still signed in


def test_eleventh_failure_is_throttled_even_with_the_right_password(client, tree, app):
    _user(tree)
    for _ in range(10):
        assert client.post("/api/v1/auth/login", json={"username": "ana", "password": "bad-bad-bad"}).status_code == 401
    response = client.post("/api/v1/auth/login", json={"username": "ana", "password": PASSWORD})
    assert response.status_code == 429
    assert response.json["error"]["code"] == "too_many_attempts"
    assert 1 <= int(response.headers["Retry-After"]) <= 15 * 60
    # Another username is not affected.
    _user(tree, "bea")
    assert client.post("/api/v1/auth/login", json={"username": "bea", "password": PASSWORD}).status_code == 200


def test_throttle_lifts_when_failures_age_out_of_the_window(client, tree, app):
    _user(tree)
    for _ in range(10):
        client.post("/api/v1/auth/login", json={"username": "ana", "password": "bad-bad-bad"})
    for counter in db.session.scalars(select(LoginThrottle)):
        counter.window_start -= timedelta(minutes=16)
    db.session.commit()
    assert client.post("/api/v1/auth/login", json={"username": "ana", "password": PASSWORD}).status_code == 200


def test_logins_are_audited_without_personal_data(client, tree):
    _user(tree)
    client.post("/api/v1/auth/login", json={"username": "ana", "password": "bad-bad-bad"})
    client.post("/api/v1/auth/login", json={"username": "ana", "password": PASSWORD})
    outcomes = db.session.scalars(select(AuditEvent.outcome).where(AuditEvent.action == "auth.login")
                                  .order_by(AuditEvent.id)).all()
    assert outcomes == ["failed", "ok"]
    details = db.session.scalars(select(AuditEvent.detail)).all()
    assert "ana" not in repr(details)
    client.post("/api/v1/auth/login", json={"username": "nobody-by-this-name", "password": PASSWORD})
    unknown = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).one()
    assert (unknown.outcome, unknown.object_id, unknown.unit_id) == ("failed", None, tree["P"].id)  # seen at the root
    assert "nobody" not in repr(unknown.detail)


def test_login_body_must_be_json_with_both_fields(client, tree):
    response = client.post("/api/v1/auth/login", json={"username": "ana"})
    assert response.status_code == 422
    assert response.json["error"]["fields"]["password"][0]["code"] == "required"
    extra = client.post("/api/v1/auth/login", json={"username": "a", "password": "b", "x": 1})
    assert extra.json["error"]["fields"]["x"][0]["code"] == "unknown_field"
    garbage = client.post("/api/v1/auth/login", data=b"\xff{", content_type="application/json")
    assert garbage.status_code in (400, 422) and "error" in garbage.json


def test_overlong_username_is_just_wrong_credentials_and_still_throttled(client, tree):
    name = "x" * 300
    for _ in range(10):
        response = client.post("/api/v1/auth/login", json={"username": name, "password": "whatever-1"})
        assert response.status_code == 401 and response.json["error"]["code"] == "invalid_credentials"
    assert client.post("/api/v1/auth/login", json={"username": name, "password": "x"}).status_code == 429


def test_the_unknown_user_hash_costs_what_a_real_one_does():
    """server.auth._DUMMY_HASH is written out: it must be a hash of the method and parameters new passwords get
    (else an unknown username would answer faster or slower than a known one), and a valid one."""
    from werkzeug.security import check_password_hash, generate_password_hash

    from server.auth import _DUMMY_HASH
    assert _DUMMY_HASH.split("$")[0] == generate_password_hash("x").split("$")[0]
    assert check_password_hash(_DUMMY_HASH, "not-a-password")
