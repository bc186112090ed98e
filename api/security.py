"""Session and CSRF checks for every /api/v1 request, in one before_request hook (not a check per view)."""
from flask import current_app, g, request

from server import auth
from server.errors import DomainError

PUBLIC_ENDPOINTS = {"auth.login"}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def current_user():
    """The signed-in user of this request (set by `authenticate`)."""
    return g.user


def session_token():
    return request.cookies.get(current_app.config["SESSION_COOKIE_NAME"])


def authenticate():
    """Resolve the session for API requests; refuse state changes without the session's CSRF token."""
    g.user = None
    if not request.path.startswith("/api/v1/") or request.endpoint is None or request.endpoint.startswith("pwa."):
        return None  # unknown paths fall through to a JSON 404
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    sess, user = auth.resolve_session(session_token())
    if request.method not in SAFE_METHODS and not auth.csrf_ok(sess, request.headers.get("X-CSRF-Token")):
        raise DomainError("Missing or wrong CSRF token.", code="csrf_failed", status=403)
    g.user = user
    g.auth_session = sess
    return None


def init_app(app):
    app.before_request(authenticate)
