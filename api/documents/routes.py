"""Document endpoints (CONTRACT §10): the member form of a submission and the per-cell signature list, as A4 PDFs.

Scope and roles are checked here before anything is read; server/documents renders and audits.
"""
from flask import current_app
from flask_smorest import Blueprint

from api.documents.schemas import CollectedQuerySchema
from api.schemas import ErrorSchema
from api.security import current_user
from offline_queue.photo_store import current_store
from server.documents import pdf_response
from server.documents.collected import collected_pdf
from server.documents.member_form import member_form_pdf
from server.scope import require_role, unit_in_scope

blp = Blueprint("documents", __name__, url_prefix="/api/v1", description="Printed documents (A4 PDF)")

_PDF = {"200": {"description": "an A4 PDF in Vietnamese (text extractable, never cached)",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}}


@blp.get("/submissions/<int:submission_id>/form.pdf")
@blp.doc(responses=_PDF)
@blp.alt_response(403, schema=ErrorSchema, description="forbidden: viewers may not print personal data")
@blp.alt_response(404, schema=ErrorSchema,
                  description="not_found: no such submission, or it lies outside the caller's scope")
def member_form(submission_id):
    """Print the member form (phiếu đảng viên) of an accepted submission, with its portrait (officer+)."""
    user = current_user()
    require_role(user, "officer")
    data, filename = member_form_pdf(submission_id, user, current_store(current_app).read)
    return pdf_response(data, filename)


@blp.get("/exports/collected.pdf")
@blp.arguments(CollectedQuerySchema, location="query")
@blp.doc(responses=_PDF)
@blp.alt_response(403, schema=ErrorSchema, description="forbidden: unit admins only")
@blp.alt_response(404, schema=ErrorSchema, description="not_found: no such unit, or outside the caller's scope")
@blp.alt_response(422, schema=ErrorSchema, description="cell_or_grassroots_required: the unit is an "
                  "affiliated committee or the province; invalid_input: `unit` missing")
def collected(query):
    """Print the signature list of collected records for a cell, or for each cell of a grassroots unit."""
    user = current_user()
    require_role(user, "unit_admin")
    data, filename = collected_pdf(unit_in_scope(query["unit"], user), user)
    return pdf_response(data, filename)
