"""Schemas of the cards endpoints (CONTRACT §8)."""
from marshmallow import Schema, fields, validate

from api.schemas import StrictSchema
from api.sync.schemas import ItemErrorSchema
from offline_queue.envelope import MAX_DEVICE_ID, MAX_ITEMS
from server.cards.handovers import HandoverItemSchema
from server.cards.models import CARD_STATUSES
from server.cards.queries import PENDING_REASONS

MAX_CARDS = 5000  # a consignment; a committee's batch is sent in a few of these
_NUMBER = fields.String(validate=validate.Length(1, 64))


class CardQuerySchema(StrictSchema):
    unit = fields.String(validate=validate.Length(1, 64), metadata={"description": "default: the caller's unit"})
    status = fields.String(validate=validate.OneOf(CARD_STATUSES))


class PendingQuerySchema(StrictSchema):
    unit = fields.String(validate=validate.Length(1, 64), metadata={"description": "default: the caller's unit"})


class HandoverListQuerySchema(StrictSchema):
    unit = fields.String(required=True, validate=validate.Length(1, 64), metadata={"description": "a cell"})


class CardStepSchema(Schema):
    status = fields.String(metadata={"enum": list(CARD_STATUSES)})
    unit_code = fields.String(allow_none=True)
    by = fields.String(allow_none=True, metadata={"description": "username; null for the CLI"})
    at = fields.DateTime()
    note = fields.String()


class CardSchema(Schema):
    card_number = fields.String()
    member_id = fields.Integer()
    batch_code = fields.String()
    unit_code = fields.String(metadata={"description": "where the card is now"})
    status = fields.String(metadata={"enum": list(CARD_STATUSES)})
    handed_over_at = fields.DateTime(allow_none=True)
    history = fields.List(fields.Nested(CardStepSchema))


class CardListSchema(Schema):
    cards = fields.List(fields.Nested(CardSchema))


class PendingMemberSchema(Schema):
    member_id = fields.Integer()
    reason = fields.String(metadata={"enum": list(PENDING_REASONS)})


class PendingSchema(Schema):
    members = fields.List(fields.Nested(PendingMemberSchema))


class ConsignmentCreateSchema(StrictSchema):
    to_unit = fields.String(required=True, validate=validate.Length(1, 64))
    card_numbers = fields.List(_NUMBER, required=True, validate=validate.Length(1, MAX_CARDS))
    note = fields.String(load_default="", validate=validate.Length(0, 1000))


class ReceiptSchema(StrictSchema):
    received = fields.List(_NUMBER, load_default=list, validate=validate.Length(0, MAX_CARDS))
    missing = fields.List(_NUMBER, load_default=list, validate=validate.Length(0, MAX_CARDS))
    damaged = fields.List(_NUMBER, load_default=list, validate=validate.Length(0, MAX_CARDS))


class CountsSchema(Schema):
    received = fields.Integer()
    missing = fields.Integer()
    damaged = fields.Integer()


class ConsignmentSchema(Schema):
    id = fields.Integer()
    from_unit = fields.String()
    to_unit = fields.String()
    card_numbers = fields.List(fields.String())
    status = fields.String(metadata={"enum": ["sent", "received"]})
    sent_at = fields.DateTime()
    sent_by = fields.String(allow_none=True)
    received_at = fields.DateTime(allow_none=True)
    counts = fields.Nested(CountsSchema, allow_none=True, metadata={"description": "once received"})
    received = fields.List(fields.String())
    missing = fields.List(fields.String())
    damaged = fields.List(fields.String())


class HandoverEnvelopeSchema(StrictSchema):
    device_id = fields.String(required=True, validate=validate.Length(1, MAX_DEVICE_ID))
    items = fields.List(fields.Nested(HandoverItemSchema), required=True, validate=validate.Length(1, MAX_ITEMS))


class HandoverResultSchema(Schema):
    client_id = fields.String(allow_none=True)
    outcome = fields.String(metadata={"enum": ["accepted", "duplicate", "rejected"]})
    handover_id = fields.Integer(allow_none=True)
    status = fields.String(allow_none=True, metadata={"enum": ["handed_over"]})
    errors = fields.List(fields.Nested(ItemErrorSchema), metadata={
        "description": "card_not_here, card_member_mismatch, already_handed_over, required (proxy_name), "
                       "handed_in_future, date_out_of_range (before 2020: a reset tablet clock), client_id_reused, "
                       "and the field codes of submissions"})


class HandoverResultsSchema(Schema):
    results = fields.List(fields.Nested(HandoverResultSchema))
