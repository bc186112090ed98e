"""HTTP endpoints: one package per resource. `register(app, api)` is the only entry point."""
from api import errors, security
from api.schemas import ErrorSchema

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
    documented = [auth, photos, sync, roster, progress, visits, review, users, audit]
    from api.cards.routes import blp as cards
    documented.append(cards)
    return documented, [docs]


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


def register(app, api):
    """Wire the API: smorest blueprints, auth hook, error handlers (after smorest's, so ours win)."""
    api.ERROR_SCHEMA = ErrorSchema
    api.init_app(app)
    documented, plain = _blueprints()
    for blp in documented:
        api.register_blueprint(blp)
    for blp in plain:
        app.register_blueprint(blp)
    _document_standard_errors(api)
    security.init_app(app)
    errors.init_app(app)
