"""Cross-cutting HTTP behaviour: JSON errors, security headers, health, OpenAPI, logs without personal data."""
import json
import logging

import pytest
from flask import Blueprint

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
