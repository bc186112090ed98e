"""Cross-cutting HTTP behaviour: request ids, security headers, JSON-lines access log, /healthz."""
import json
import logging
import re
import sys
import time
import uuid

from flask import current_app, g, jsonify, request
from sqlalchemy import inspect, text
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.middleware.proxy_fix import ProxyFix

from .errors import DomainError
from .extensions import db

# 'wasm-unsafe-eval' lets the app compile its own vendored WebAssembly (the ID-card QR reader); it allows no
# eval of JavaScript, and the wasm, like every script, can only come from this origin.
CSP = ("default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' blob: data:; "
       "media-src 'self' blob: mediastream:; connect-src 'self'; worker-src 'self'; manifest-src 'self'; "
       "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")

access_log = logging.getLogger("fieldkit.access")
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")

# Endpoints allowed a larger body than MAX_CONTENT_LENGTH: endpoint -> (config key of its cap, error code, field).
# The view must stream the body (werkzeug spools multipart files to disk past 500 KB).
BODY_LIMITS: dict[str, tuple[str, str, str]] = {}


class JsonLines(logging.Formatter):
    """One JSON object per line. Callers pass only ids and outcomes: paths are logged without query strings."""

    def format(self, record):
        entry = {"ts": round(record.created, 3), "level": record.levelname.lower(), "logger": record.name,
                 "msg": record.getMessage()}
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exc_type"] = record.exc_info[0].__name__  # the type only: messages can carry input
        return json.dumps(entry, ensure_ascii=False)


# Loggers of libraries that log inside our processes: the job queue's consumer logs a failed job's traceback,
# whose last line quotes the exception (a database error quotes the row it could not write). They get our
# handler, so in production they too write JSON lines with the exception's type only.
LIBRARY_LOGGERS = ("huey",)


def _configure_logging(app):
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLines() if app.config.get("LOG_JSON") else logging.Formatter("%(name)s %(message)s"))
    for name in ("fieldkit", *LIBRARY_LOGGERS):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(logging.INFO)
        logger.propagate = False


def loggable_path(status: int) -> str | None:
    """The request's path as a log line may show it. A path the server answered is one of its own objects; a path
    it refused is the client's text, which may be anything typed into a URL (a citizen ID where an id goes, a
    name in a file path), so an error logs the route matched (`/api/v1/visits/<int:visit_id>`), or nothing."""
    if status < 400:
        return request.path
    return request.url_rule.rule if request.url_rule is not None else None


def _before():
    given = request.headers.get("X-Request-Id", "")
    # A client's id only if it looks like one: it is written to every log line of the request.
    g.request_id = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
    g.started = time.perf_counter()
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    own = BODY_LIMITS.get(request.endpoint or "")
    if own:
        limit = request.max_content_length = current_app.config[own[0]]  # werkzeug stops a longer chunked body
    if limit and (request.content_length or 0) > limit:
        if own:
            raise DomainError(f"The file is larger than {limit // (1024 * 1024)} MiB.", code=own[1], status=413,
                              fields={own[2]: [{"code": own[1], "params": {"max_mib": limit // (1024 * 1024)}}]})
        raise RequestEntityTooLarge()  # refuse on the declared length, before reading a byte


def _after(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Request-Id"] = g.get("request_id", "")
    if request.path.startswith("/api/"):
        response.headers.setdefault("Cache-Control", "no-store")
    user = g.get("user")
    # The id from the row's identity, never `user.id`: after the view's commit the row is expired, and reading an
    # attribute would load the user and their unit again, one more query for every request that stored something.
    user_id = inspect(user).identity[0] if user is not None else None
    access_log.info("request", extra={"fields": {
        "request_id": g.get("request_id"), "method": request.method, "path": loggable_path(response.status_code),
        "status": response.status_code, "user_id": user_id,
        "ms": round((time.perf_counter() - g.get("started", time.perf_counter())) * 1000, 1)}})
    return response


def healthz():
    """Report whether the database answers; 503 when it does not."""
    try:
        db.session.execute(text("SELECT 1"))
        return jsonify({"status": "ok", "database": "ok"})
    except Exception:  # noqa: BLE001 - any database failure is "down" for a health check
        db.session.rollback()
        return jsonify({"status": "error", "database": "unreachable"}), 503


def init_app(app):
    _configure_logging(app)
    if app.config.get("TRUSTED_PROXIES"):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["TRUSTED_PROXIES"], x_proto=0, x_host=0)
    app.before_request(_before)
    app.after_request(_after)
    app.add_url_rule("/healthz", "healthz", healthz)
