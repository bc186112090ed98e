"""HTTP endpoints: one package per resource. `register(app, api)` is the only entry point."""
from api import errors, security
from api.schemas import ErrorSchema, refuse_unstorable_path
from server.error_codes import openapi_description
from server.json_body import check_request_body

STANDARD_ERRORS = {
    "401": "not_authenticated: no valid session",
    "403": "forbidden or csrf_failed",
    "404": "not_found: also anything outside the caller's scope",
}


def _blueprints():
    from api.audit.routes import blp as audit
    from api.auth.routes import blp as auth
    from api.docs import blp as docs
    from api.photos.routes import blp as photos
    from api.progress.routes import blp as progress
    from api.review.routes import blp as review
    from api.roster.routes import blp as roster
    from api.sync.routes import blp as sync
    from api.users.routes import blp as users
    from api.visits.routes import blp as visits
    from api.documents.routes import blp as documents
    from api.jobs.routes import blp as jobs
    from api.dashboard.routes import blp as dashboard
    from api.schedules.routes import bookings_blp, schedules_blp, stations_blp
    from api.cards.routes import blp as cards
    from api.prints.routes import blp as prints
    return [auth, photos, sync, roster, progress, visits, review, users, audit, documents, jobs, dashboard,
            stations_blp, schedules_blp, bookings_blp, cards, prints], [docs]


def _document_standard_errors(api):
    """Add the errors any endpoint can answer (401/403/404/500) to each operation of the spec."""
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path, operations in api.spec._paths.items():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for status, text in STANDARD_ERRORS.items():
                if not path.endswith("/auth/login"):
                    operation["responses"].setdefault(status, {"description": text, "content": error})
            operation["responses"].setdefault("500", {"description": "internal_error", "content": error})
            operation["responses"].setdefault("503", {  # api/errors.py handle_database
                "description": "database_busy: the database is busy or out of reach for now; retry after Retry-After",
                "content": error,
                "headers": {"Retry-After": {"description": "seconds", "schema": {"type": "integer"}}}})


def register(app, api):
    """Wire the API: smorest blueprints, auth hook, error handlers (after smorest's, so ours win)."""
    api.ERROR_SCHEMA = ErrorSchema
    app.config.setdefault("API_SPEC_OPTIONS", {}).setdefault("info", {})["description"] = (
        "Every 4xx/5xx answer is `{\"error\": {\"code\", \"message\", \"fields\"}}`; clients translate the "
        "code. The codes (from one catalogue, server/error_codes.py):\n\n" + openapi_description())
    api.init_app(app)
    documented, plain = _blueprints()
    for blp in documented:
        api.register_blueprint(blp)
    for blp in plain:
        app.register_blueprint(blp)
    _document_standard_errors(api)
    security.init_app(app)
    app.before_request(check_request_body)  # after the session check: one bounded JSON parse for every body
    errors.init_app(app)
    app.before_request(refuse_unstorable_path)  # after the session check, like the body's
