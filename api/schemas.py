"""Shared schema pieces: a strict base (unknown fields refused) and the error envelope for the OpenAPI spec."""
from marshmallow import RAISE, Schema, fields


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE
        ordered = True


class FieldErrorSchema(Schema):
    code = fields.String(required=True)
    params = fields.Dict()


class ErrorBodySchema(Schema):
    code = fields.String(required=True, metadata={"description": "stable snake_case code"})
    message = fields.String(required=True)
    fields = fields.Dict(keys=fields.String(), values=fields.List(fields.Nested(FieldErrorSchema)))


class ErrorSchema(Schema):
    error = fields.Nested(ErrorBodySchema, required=True)
