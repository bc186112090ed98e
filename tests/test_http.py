"""Cross-cutting HTTP behaviour: JSON errors, security headers, health, OpenAPI, logs without personal data."""
import io
import json
import logging
import re
import sqlite3

import pytest
from flask import Blueprint

from server.extensions import db
from server.http import JsonLines


def test_unknown_api_path_and_wrong_method_answer_json(client):
    missing = client.get("/api/v1/does-not-exist")
    assert missing.status_code == 404 and missing.json["error"]["code"] == "not_found"
    wrong = client.put("/api/v1/auth/login")
    assert wrong.status_code == 405 and wrong.json["error"]["code"] == "method_not_allowed"
    assert missing.mimetype == wrong.mimetype == "application/json"


def test_unexpected_error_is_a_json_500_that_reveals_nothing(sqlite_app):
    bp = Blueprint("boom", __name__)

    @bp.get("/boom-test")
    def boom():
        raise RuntimeError("secret detail Nguyễn 001060012345")

    sqlite_app.register_blueprint(bp)
    response = sqlite_app.test_client().get("/boom-test")
    assert response.status_code == 500
    assert response.json["error"]["code"] == "internal_error"
    assert "secret" not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/", "/api/v1/auth/me", "/healthz", "/api/v1/nope"])
def test_every_response_carries_security_headers(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Request-Id"]


def test_healthz_checks_the_database(client, app):
    assert client.get("/healthz").json == {"status": "ok", "database": "ok"}


def test_request_body_over_the_cap_is_refused_before_reading(client, app):
    app.config["MAX_CONTENT_LENGTH"] = 4096  # the real cap is 64 MiB; the rule is the same
    response = client.post("/api/v1/auth/login", data=b"x" * 5000, content_type="application/json")
    assert response.status_code == 413
    assert response.json["error"]["code"] == "too_large"


def test_openapi_documents_every_api_route_with_error_responses(client, app):
    spec = client.get("/api/openapi.json").json
    assert spec["openapi"].startswith("3.")
    documented = {(path, method) for path, ops in spec["paths"].items() for method in ops
                  if method in ("get", "post", "put", "head", "delete", "patch")}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = rule.rule.replace("<", "{").replace(">", "}")
        path = path.replace("{int:", "{").replace("{string:", "{").replace("{path:", "{")
        for method in rule.methods - {"OPTIONS", "HEAD"}:
            assert (path, method.lower()) in documented, f"{method} {path} is not in the OpenAPI document"
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            if isinstance(op, dict) and "responses" in op:
                errors = [code for code in op["responses"] if code[0] in "45"]
                assert errors, f"{method} {path} documents no error response"
    assert "Error" in spec["components"]["schemas"]


def test_docs_page_loads_its_scripts_locally(client):
    page = client.get("/api/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "/api/docs/static/swagger-ui-bundle.js" in html and "<script>" not in html
    assert client.get("/api/docs/static/swagger-ui-bundle.js").status_code == 200


def test_json_log_lines_carry_ids_not_query_strings(client, app, caplog):
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logging.getLogger("fieldkit.access").addHandler(handler)
    try:
        client.get("/api/v1/auth/me?q=Nguy%E1%BB%85n")
    finally:
        logging.getLogger("fieldkit.access").removeHandler(handler)
    line = json.loads(JsonLines().format(records[-1]))
    assert line["path"] == "/api/v1/auth/me" and line["status"] == 401 and line["request_id"]
    assert "Nguy" not in json.dumps(line) and "q=" not in json.dumps(line)


def test_the_access_line_of_a_request_that_committed_names_its_user_without_loading_them_again(app, login_as):
    """After the view's commit the user's row is expired: the access line takes the id from the row's identity, so
    a request that stored something does not load the user and their unit once more just to be logged."""
    from sqlalchemy import event
    officer = login_as("officer", "C1")
    records, statements = [], []
    handler = logging.Handler()
    handler.emit = records.append

    def seen(_conn, _cursor, statement, *_):
        statements.append(statement)
    logging.getLogger("fieldkit.access").addHandler(handler)
    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        response = officer.post("/api/v1/sync/device-report", json={
            "device_id": "tablet-1", "counts": {"queued": 3}, "oldest_unsent_at": None})
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
        logging.getLogger("fieldkit.access").removeHandler(handler)
    assert response.status_code < 300
    assert json.loads(JsonLines().format(records[-1]))["user_id"] == officer.user.id
    assert not [statement for statement in statements if statement.lstrip().startswith("SELECT users.")]


MEMBERS_HEADER = ("member_code,unit_code,full_name,date_of_birth,gender,citizen_id,hometown,permanent_address,"
                  "party_join_date,party_official_date,priority,needs_home_visit,phone\n")


def test_a_day_of_requests_and_errors_logs_no_personal_data(app, members, login_as, capfd, monkeypatch):
    """What production writes to stderr (JSON lines) over sign-ins, sync, an import, exports and every kind of
    error (400, 401, 404, 405, 413, 422, 500, 503, a failed job) holds no name, citizen ID, birth date, phone,
    password, session token or CSRF token, though the requests carry them everywhere a client can put them."""
    from sqlalchemy.exc import OperationalError

    import api.progress.routes
    import server.jobs.runner
    from server.http import _configure_logging
    from tests.sync_support import item, post_items, stored_photo

    app.config["LOG_JSON"] = True
    _configure_logging(app)  # as production: JSON lines on stderr (the tests' own config writes plain text)
    capfd.readouterr()
    secret_person = {"full_name": "Trương Thị Bí Mật", "citizen_id": "001179004242",
                     "date_of_birth": "1979-04-02", "phone": "0912345678"}
    password = "sai mật khẩu Trương"
    anonymous = app.test_client()
    anonymous.post("/api/v1/auth/login", json={"username": secret_person["full_name"], "password": password})
    anonymous.get(f"/api/v1/members/{secret_person['citizen_id']}")  # no such route: the path is the client's text
    anonymous.get(f"/Trương Thị Bí Mật/{secret_person['citizen_id']}.html")  # the app's catch-all, no such file
    officer, admin = login_as("officer", "C1"), login_as("unit_admin", "A1")
    officer.get(f"/api/v1/visits/{secret_person['citizen_id']}")  # an int route: a 12-digit "id" is a citizen ID
    officer.get(f"/api/v1/cards/{secret_person['citizen_id']}", headers={"X-Request-Id": secret_person["full_name"]})
    officer.get("/api/v1/sync/roster")
    photo = stored_photo(officer.user)
    post_items(officer, [item(photo, member_id=members["m1"].id, fields={"phone": secret_person["phone"]}),
                         item(photo, fields=secret_person),
                         item(photo, fields={**secret_person, "citizen_id": "0011790042"})])
    officer.post("/api/v1/sync/submissions", data=f'{{"device_id": "{secret_person["full_name"]}", "items": [',
                 content_type="application/json")  # 400
    officer.post("/api/v1/visits/1/outcome", json={"result": "x", "reason": secret_person["full_name"]})  # 422
    officer.delete(f"/api/v1/visits?name={secret_person['full_name']}")  # 405
    officer.post("/api/v1/sync/submissions", data=b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1))  # 413
    rows = ",".join([f"S1,C1,{secret_person['full_name']},{secret_person['date_of_birth']},female",
                     secret_person["citizen_id"], "Huế,Huế,1990-01-01,1991-01-01,standard,no",
                     secret_person["phone"]])
    admin.post("/api/v1/imports", content_type="multipart/form-data", data={
        "import_kind": "members", "import_file": (io.BytesIO((MEMBERS_HEADER + rows + "\n").encode()),
                                                  f"{secret_person['full_name']}.csv")})
    admin.get("/api/v1/review/export.xlsx?unit=C1")
    admin.get("/api/v1/cards/handover-list.pdf?unit=C1")

    def boom(*args, **kwargs):
        raise RuntimeError(f"failed for {secret_person['full_name']} {secret_person['citizen_id']}")

    def busy(*args, **kwargs):
        raise OperationalError(f"SELECT * FROM members WHERE citizen_id = '{secret_person['citizen_id']}'",
                               {"full_name": secret_person["full_name"]},
                               sqlite3.OperationalError("database is locked"))

    monkeypatch.setattr(api.progress.routes, "unit_progress", boom)
    assert officer.get(f"/api/v1/progress?unit={secret_person['citizen_id']}").status_code == 500
    monkeypatch.setattr(api.progress.routes, "unit_progress", busy)
    assert officer.get("/api/v1/progress").status_code == 503
    monkeypatch.setattr(server.jobs.runner, "_reconcile", boom)
    job = admin.post("/api/v1/review/reconcile", json={"unit_code": "C1"}).get_json()
    assert admin.get(f"/api/v1/jobs/{job['id']}").get_json()["state"] == "failed"
    admin.post("/api/v1/auth/logout")

    err = capfd.readouterr().err
    cookies = [cookie.value for client in (officer, admin) for cookie in client.client._cookies.values()]
    secrets = [*secret_person.values(), password, "Trương", "Tr\\u01b0\\u01a1ng", members["m1"].full_name,
               members["m1"].citizen_id, officer.csrf, admin.csrf, *cookies]
    assert cookies and not [secret for secret in secrets if secret in err], err
    assert not re.search(r"(?<![0-9a-f])\d{12}(?![0-9a-f])", err), err  # no 12-digit number outside hex ids
    lines = [json.loads(line) for line in err.splitlines() if line.strip()]  # every line is a JSON object
    assert {line["logger"] for line in lines} >= {"fieldkit.access", "fieldkit.errors", "huey"}
    assert {line.get("status") for line in lines} >= {400, 401, 404, 405, 413, 422, 500, 503}


def test_gunicorns_own_log_lines_drop_what_the_request_carried():
    """gunicorn logs a request it cannot parse, and an error escaping the app, by quoting the request (URI with
    its query string, the request line, a header) and the exception's message: its logger keeps neither."""
    from gunicorn.config import Config

    from server.gunicorn_conf import PrivateLogger

    log = PrivateLogger(Config())
    lines = []
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(logging.Formatter().format(record))
    log.error_log.addHandler(handler)
    try:
        raise UnicodeEncodeError("latin-1", "Trương Thị Bí Mật 001179004242", 0, 6, "ordinal not in range")
    except UnicodeEncodeError:
        log.exception("Error handling request %s %s", "GET", "/api/v1/cards/001179004242?q=Trương")
    log.warning("Invalid request from ip=10.0.0.7: Invalid HTTP request line: 'GET /Trương Thị Bí Mật HTTP/1.1'")
    text = "\n".join(lines)
    assert lines == ["Error handling request: UnicodeEncodeError", "Invalid request from ip=10.0.0.7"], text
    assert "Trương" not in text and "001179004242" not in text
