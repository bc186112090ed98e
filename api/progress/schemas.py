from marshmallow import fields

from api.schemas import StrictSchema


class ProgressQuerySchema(StrictSchema):
    unit = fields.String(metadata={"description": "unit code; default the caller's unit"})


class ProgressUnitSchema(StrictSchema):
    code = fields.String()
    name = fields.String()
    kind = fields.String()


class ProgressEntrySchema(StrictSchema):
    unit = fields.Nested(ProgressUnitSchema)
    target = fields.Integer(metadata={"description": "live members of the subtree"})
    collected = fields.Integer(metadata={"description": "members with an accepted submission"})
    verified = fields.Integer(metadata={"description": "members with a verified submission"})
    needs_review = fields.Integer(metadata={"description": "collected − verified"})
    percent = fields.Float(metadata={"description": "collected/target×100, one decimal; 0 without a target"})
    booked = fields.Integer(metadata={"description": "members with an open or arrived booking (§7)"})
    cards_printed = fields.Integer(metadata={"description": "members with a card that is not void"})
    cards_handed_over = fields.Integer(metadata={"description": "members whose card was handed over"})


class ProgressSchema(ProgressEntrySchema):
    children = fields.List(fields.Nested(ProgressEntrySchema))

