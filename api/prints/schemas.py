"""Schemas of the print notices endpoint (CONTRACT §6 `print-form`, audited here)."""
from marshmallow import Schema, fields, validate

from api.schemas import StrictSchema
from api.sync.schemas import ItemErrorSchema
from offline_queue.envelope import MAX_DEVICE_ID, MAX_ITEMS
from server.form_prints.ingest import PrintItemSchema


class PrintEnvelopeSchema(StrictSchema):
    device_id = fields.String(required=True, validate=validate.Length(1, MAX_DEVICE_ID))
    items = fields.List(fields.Nested(PrintItemSchema), required=True, validate=validate.Length(1, MAX_ITEMS))


class PrintResultSchema(Schema):
    client_id = fields.String(allow_none=True)
    outcome = fields.String(metadata={"enum": ["accepted", "duplicate", "rejected"]})
    errors = fields.List(fields.Nested(ItemErrorSchema), metadata={
        "description": "client_id_reused, and the field codes of submissions (required, invalid_datetime, "
                       "invalid_type, unknown_field)"})


class PrintResultsSchema(Schema):
    results = fields.List(fields.Nested(PrintResultSchema))
