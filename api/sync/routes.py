"""Sync endpoints (CONTRACT §5): offline submissions and device queue reports.

The roster lives in api/roster. The submissions body is parsed by offline_queue.envelope, not by a
webargs schema, because a bad envelope (400) and a bad item (answered inside a 200) are different things.
"""
from flask import current_app, request
from flask_smorest import Blueprint

from api.schemas import ErrorSchema
from api.security import current_user
from api.sync.schemas import (DeviceReportSchema, DevicesSchema, OkSchema, SubmissionResultsSchema,
                              SubmissionsEnvelopeSchema)
from offline_queue import devices
from offline_queue.envelope import parse_envelope
from offline_queue.ingest import ingest_batch
from offline_queue.kept import refuse_never_valid
from server.scope import require_role

blp = Blueprint("sync", __name__, url_prefix="/api/v1/sync", description="Sync")

_ENVELOPE_BODY = {"required": True, "content": {"application/json": {"schema": SubmissionsEnvelopeSchema}}}


@blp.post("/submissions")
@blp.doc(requestBody=_ENVELOPE_BODY)
@blp.response(200, SubmissionResultsSchema, description="one result per item; every accepted item is committed")
@blp.alt_response(400, schema=ErrorSchema, description="invalid_json, invalid_envelope, no_items, "
                  "too_many_items: the whole request is refused and nothing is stored")
@blp.alt_response(413, schema=ErrorSchema, description="too_large: body over 64 MiB; item_too_large: an item "
                  "holds a string over 10× its field's longest value, nothing is stored")
def post_submissions():
    """Send a batch of records captured offline; each item is accepted, a duplicate, or rejected on its own."""
    user = current_user()
    require_role(user, "officer")
    device_id, items = parse_envelope(request.get_data(cache=False))
    refuse_never_valid(items)
    tolerance = current_app.config["CAPTURED_AT_TOLERANCE_SECONDS"]
    return {"results": ingest_batch(user, device_id, items, tolerance_seconds=tolerance)}


@blp.post("/device-report")
@blp.arguments(DeviceReportSchema)
@blp.response(200, OkSchema)
def post_device_report(body):
    """Report how many records this device still holds and how old the oldest unsent one is."""
    user = current_user()
    require_role(user, "officer")
    devices.record_report(user, body["device_id"], body["counts"], body["oldest_unsent_at"])
    return {"ok": True}


@blp.get("/devices")
@blp.response(200, DevicesSchema)
def list_devices():
    """List the latest queue report of each device of the users in scope (team lead and up)."""
    user = current_user()
    require_role(user, "team_lead")
    return {"devices": devices.reports_in_scope(user)}
