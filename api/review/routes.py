"""Review endpoints: reconciliation runs, the review queue, decisions and the per-cell export (unit admins).

The review screen itself is static/pwa/review/, served by the app's static route.
"""
from flask import send_file
from flask_smorest import Blueprint

from api.jobs.schemas import JobSchema
from api.review.schemas import (DecisionBodySchema, DecisionResultSchema, ExportQuerySchema, ItemPageSchema,
                                ItemQuerySchema, ItemSchema, ReconcileBodySchema)
from api.security import current_user
from server.review import decisions as review_decisions, exports, queue as review
from server.jobs import service as job_service
from server.scope import require_role, unit_in_scope

blp = Blueprint("review", __name__, url_prefix="/api/v1/review", description="Reconciliation and review")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _admin():
    user = current_user()
    require_role(user, "unit_admin")
    return user


@blp.post("/reconcile")
@blp.arguments(ReconcileBodySchema)
@blp.response(202, JobSchema)
@blp.alt_response(409, description="job_running")
def reconcile(body):
    """Compare every member of a unit in scope with the registry, as a background job (GET /jobs/{id}).

    The job's report holds the counts per class; rerunning keeps decisions and reopens only those whose
    comparison changed."""
    user = _admin()
    unit = unit_in_scope(body["unit_code"], user) if body.get("unit_code") else user.unit
    return job_service.job_dict(job_service.submit_reconcile(user, unit))


@blp.get("/items")
@blp.arguments(ItemQuerySchema, location="query")
@blp.response(200, ItemPageSchema)
def items(query):
    """List open review items: submissions needing review, then members whose party record differs."""
    return review.list_items(_admin(), query.get("unit"), query.get("class_"), query.get("field"),
                             query.get("kind"), query["page"], query["per_page"])


@blp.get("/submissions/<int:submission_id>")
@blp.response(200, ItemSchema)
def submission_item(submission_id):
    """Show one submission with the party record and the registry side by side."""
    return review.get_item("submission", submission_id, _admin())


@blp.get("/members/<int:member_id>")
@blp.response(200, ItemSchema)
def member_item(member_id):
    """Show one member's party record beside the registry."""
    return review.get_item("member", member_id, _admin())


@blp.post("/submissions/<int:submission_id>/decision")
@blp.arguments(DecisionBodySchema)
@blp.response(200, DecisionResultSchema)
@blp.alt_response(409, description="already_verified")
@blp.alt_response(422, description="invalid_input, no_registry_record, choose_candidate, member_required")
def decide_submission(body, submission_id):
    """Decide a submission: accept it, take the registry's values, ask the citizen to update, or send back."""
    return review_decisions.decide_submission(submission_id, body, _admin())


@blp.post("/members/<int:member_id>/decision")
@blp.arguments(DecisionBodySchema)
@blp.response(200, DecisionResultSchema)
@blp.alt_response(422, description="invalid_input, no_submission, no_registry_record, choose_candidate")
def decide_member(body, member_id):
    """Decide a member whose party record differs from the registry."""
    return review_decisions.decide_member(member_id, body, _admin())


@blp.get("/export.xlsx")
@blp.arguments(ExportQuerySchema, location="query")
@blp.response(200, {"type": "string", "format": "binary"}, content_type=XLSX,
              description="XLSX: members with unresolved differences, to print and sign")
def export_xlsx(query):
    """Download a unit's members with unresolved differences as a spreadsheet to print and sign."""
    user = _admin()
    unit = unit_in_scope(query["unit"], user)
    stream = exports.review_xlsx(unit, user)
    return send_file(stream, mimetype=XLSX, as_attachment=True, download_name=f"doi-chieu-{unit.code}.xlsx")
