"""Print notices: the member forms printed on tablets, for the audit trail (CONTRACT §6 `print-form`)."""
from flask import current_app, request
from flask_smorest import Blueprint

from api.prints.schemas import PrintEnvelopeSchema, PrintResultsSchema
from api.schemas import ErrorSchema
from api.security import current_user
from offline_queue.envelope import parse_envelope
from server.form_prints.ingest import ingest_prints
from server.scope import require_role

blp = Blueprint("prints", __name__, url_prefix="/api/v1/prints", description="Member forms printed on tablets")


@blp.post("")
@blp.doc(requestBody={"required": True, "content": {"application/json": {"schema": PrintEnvelopeSchema}}})
@blp.response(200, PrintResultsSchema, description="one result per notice; every accepted notice is committed "
              "and audited as form.print")
@blp.alt_response(400, schema=ErrorSchema, description="invalid_json, invalid_envelope, no_items, too_many_items")
def prints():
    """Record that the member form was printed on a tablet (sent by the tablet's next sync, even if printed
    offline); each notice is accepted, a duplicate or rejected on its own."""
    user = current_user()
    require_role(user, "officer")
    device_id, items = parse_envelope(request.get_data(cache=False))
    tolerance = current_app.config["CAPTURED_AT_TOLERANCE_SECONDS"]
    return {"results": ingest_prints(user, device_id, items, tolerance_seconds=tolerance)}
