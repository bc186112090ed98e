"""Schemas of the sync endpoints. The submission item itself is validated by offline_queue.validation;
it is reused here so the OpenAPI document describes exactly what the ingest accepts."""
from datetime import timezone

from marshmallow import Schema, ValidationError, fields, validate

from api.schemas import StrictSchema
from offline_queue.envelope import MAX_DEVICE_ID, MAX_ITEMS
from offline_queue.validation import ItemSchema
from server.error_codes import CLIENT_ONLY, CODES

OUTCOMES = ("accepted", "duplicate", "rejected")


class SubmissionItemSchema(ItemSchema):
    """One record captured on a tablet."""


class SubmissionsEnvelopeSchema(StrictSchema):
    device_id = fields.String(required=True, validate=validate.Length(1, MAX_DEVICE_ID))
    items = fields.List(fields.Nested(SubmissionItemSchema), required=True,
                        validate=validate.Length(1, MAX_ITEMS))


class ItemErrorSchema(Schema):
    field = fields.String(allow_none=True, metadata={"description": "API field name; null for the whole item"})
    code = fields.String(required=True, metadata={"description": "stable snake_case code, one of: " + ", ".join(
        entry.code for entry in CODES.values() if entry.status is None and entry.code not in CLIENT_ONLY)
        + ", not_found"})
    params = fields.Dict(metadata={"description": "e.g. {\"max\": 255} for too_long"})


class ItemResultSchema(Schema):
    client_id = fields.String(allow_none=True, metadata={"description": "as sent; null if none was usable"})
    outcome = fields.String(required=True, metadata={"enum": list(OUTCOMES)})
    submission_id = fields.Integer(allow_none=True)
    status = fields.String(allow_none=True, metadata={"enum": ["verified", "needs_review"],
                                                      "description": "review status; null when rejected"})
    errors = fields.List(fields.Nested(ItemErrorSchema))


class SubmissionResultsSchema(Schema):
    results = fields.List(fields.Nested(ItemResultSchema), required=True,
                          metadata={"description": "one per item, in the order sent"})


def _count():
    return fields.Integer(strict=True, load_default=0, validate=validate.Range(min=0, error="too_small"),
                          error_messages={"invalid": "invalid_type"})


class QueueCountsSchema(StrictSchema):
    queued = _count()
    sending = _count()
    needs_fix = _count()
    waiting = _count()



def _representable_in_utc(value) -> None:
    """9999-12-31T23:59-23:59 parses, but is past the calendar's end in UTC, where it is stored."""
    try:
        value.astimezone(timezone.utc)
    except OverflowError:
        raise ValidationError("invalid_datetime") from None


class DeviceReportSchema(StrictSchema):
    device_id = fields.String(required=True, validate=validate.Length(1, MAX_DEVICE_ID))
    counts = fields.Nested(QueueCountsSchema, required=True)
    oldest_unsent_at = fields.AwareDateTime(allow_none=True, load_default=None, validate=_representable_in_utc,
                                            error_messages={"invalid": "invalid_datetime",
                                                            "invalid_awareness": "invalid_datetime"})


class OkSchema(Schema):
    ok = fields.Boolean(required=True)


class DeviceSchema(Schema):
    user_id = fields.Integer()
    username = fields.String()
    device_id = fields.String()
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    oldest_unsent_at = fields.DateTime(allow_none=True)
    reported_at = fields.DateTime()
    stale = fields.Boolean(metadata={"description": "its oldest unsent record is over 48 hours old"})


class DevicesSchema(Schema):
    devices = fields.List(fields.Nested(DeviceSchema))
