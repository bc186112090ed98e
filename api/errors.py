"""The one place that turns errors into HTTP answers: JSON with a stable code, never HTML, never a traceback."""
import logging

from flask import jsonify, request
from marshmallow import ValidationError
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from server import is_sqlite_locked
from server.error_codes import CODES
from server.errors import DomainError
from server.extensions import db
from server.http import loggable_path

log = logging.getLogger("fieldkit.errors")

# The code a bare HTTP error answers with, by status: the catalogue's entry that owns the status.
HTTP_CODES = {status: (code, CODES[code].en) for status, code in (
    (400, "bad_request"), (401, "not_authenticated"), (403, "forbidden"), (404, "not_found"),
    (405, "method_not_allowed"), (409, "conflict"), (413, "too_large"), (415, "unsupported_media_type"),
    (422, "invalid_input"), (429, "too_many_requests"))}


def _as_code(message) -> dict:
    """A field error as {"code", "params"}. Schemas raise coded errors (api.schemas.StrictSchema recodes
    marshmallow's built-in messages); a bare catalogue code is accepted; anything else is `invalid`."""
    if isinstance(message, dict) and "code" in message:
        return {"code": message["code"], "params": message.get("params", {})}
    text = str(message)
    return {"code": text if text in CODES else "invalid", "params": {}}


def fields_from_messages(messages: dict, prefix: str = "") -> dict:
    """Flatten marshmallow's nested messages into {"field": [{"code", "params"}]} (nested keys dotted)."""
    out: dict = {}
    for key, value in messages.items():
        name = f"{prefix}{key}" if key != "_schema" else (prefix.rstrip(".") or "_schema")
        if isinstance(value, dict) and not ("code" in value and isinstance(value.get("code"), str)):
            out.update(fields_from_messages(value, f"{name}."))
        else:
            items = value if isinstance(value, list) else [value]
            out.setdefault(name, []).extend(_as_code(m) for m in items)
    return out


def error_response(status: int, code: str, message: str, fields: dict | None = None, headers=None):
    body = {"error": {"code": code, "message": message}}
    if fields:
        body["error"]["fields"] = fields
    response = jsonify(body)
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def handle_domain(error: DomainError):
    return error_response(error.status, error.code, error.message, error.fields, error.headers)


def handle_http(error: HTTPException):
    status = error.code or 500
    code, message = HTTP_CODES.get(status, ("error", error.name))
    fields = None
    data = getattr(error, "data", None) or {}
    if status == 422 and "messages" in data:  # webargs/flask-smorest validation
        messages = data["messages"]
        merged = {}
        for location_messages in messages.values():
            merged.update(location_messages if isinstance(location_messages, dict) else {})
        fields = fields_from_messages(merged)
    headers = {"Allow": ", ".join(error.valid_methods)} if getattr(error, "valid_methods", None) else None
    return error_response(status, code, message, fields, headers)


def handle_validation(error: ValidationError):
    return error_response(422, "invalid_input", CODES["invalid_input"].en,
                          fields_from_messages(error.messages if isinstance(error.messages, dict)
                                               else {"_schema": error.messages}))


# SQLSTATEs of a database that is busy or going away (lock or statement timeouts, deadlocks and serialization
# failures, too many connections, shutdown, connection classes 08…), not of a fault in the request or the code.
_TRANSIENT_STATES = {"55P03", "57014", "40001", "40P01", "53300", "57P01", "57P02", "57P03"}
RETRY_AFTER_SECONDS = 30


def is_transient(error: Exception) -> bool:
    """Whether a database error says "not now" rather than "never": a retry of the same request may succeed."""
    if isinstance(error, PoolTimeout):  # every pooled connection busy for pool_timeout
        return True
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    state = getattr(error.orig, "sqlstate", None)
    if type(error.orig).__module__.startswith("psycopg"):
        if state is None:  # raised by psycopg itself: a connection that could not be made is an OperationalError;
            return isinstance(error, OperationalError)  # a NUL in a text or a wrong parameter count is a bug
        return state in _TRANSIENT_STATES or state.startswith("08")
    return is_sqlite_locked(error)  # a long import holds SQLite's write lock, most often


def handle_database(error: Exception):
    if not is_transient(error):
        return handle_unexpected(error)
    db.session.rollback()
    # The class and state only: the statement's text and parameters may hold personal data.
    log.warning("database busy on %s %s: %s %s", request.method, loggable_path(503),
                type(getattr(error, "orig", error)).__name__,
                getattr(getattr(error, "orig", None), "sqlstate", None) or "")
    return error_response(503, "database_busy", CODES["database_busy"].en,
                          headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


def handle_unexpected(error: Exception):
    db.session.rollback()
    log.exception("unhandled error on %s %s", request.method, loggable_path(500))
    return error_response(500, "internal_error", CODES["internal_error"].en)


def init_app(app):
    """Answer every error as JSON (the PWA and API alike; HTML pages are only ever served by routes)."""
    app.register_error_handler(DomainError, handle_domain)
    app.register_error_handler(ValidationError, handle_validation)
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(DBAPIError, handle_database)
    app.register_error_handler(PoolTimeout, handle_database)
    app.register_error_handler(Exception, handle_unexpected)
