"""Shared schema pieces: a strict base (unknown fields refused) and the error envelope for the OpenAPI spec."""
from collections.abc import Mapping
from datetime import date

from flask import request
from marshmallow import RAISE, Schema, ValidationError, fields, pre_load, validate

from server.error_codes import CODES, coded
from server.errors import NotFound

_INVALID_CHARACTERS = coded("invalid_characters")
# What marshmallow's "invalid" means, by field type (the first match in the field's class order wins).
_INVALID = ((fields.DateTime, "invalid_datetime"), (fields.Date, "invalid_date"), (fields.Field, "invalid_type"))
_BUILT_IN = {"required": "required", "null": "required", "type": "invalid_type", "validator_failed": "invalid",
             "too_large": "out_of_range", "special": "out_of_range", "format": "invalid_datetime"}


class _Coded:
    """A marshmallow validator that answers a catalogue code with params instead of English prose."""

    def __init__(self, inner):
        self.inner = inner

    def __call__(self, value):
        try:
            return self.inner(value)
        except ValidationError:
            raise ValidationError(self.code(value)) from None

    def code(self, value) -> dict:
        inner = self.inner
        if isinstance(inner.error, str) and inner.error in CODES:  # the schema chose its code already
            return coded(inner.error)
        if isinstance(inner, validate.OneOf):
            return coded("invalid_choice", choices=list(inner.choices))
        if isinstance(inner, validate.Length):
            if inner.min is not None and len(value) < inner.min:
                return coded("required") if inner.min == 1 else coded("too_short", min=inner.min)
            return coded("too_long", max=inner.max)
        if isinstance(inner, validate.Range):
            return coded("out_of_range", min=inner.min, max=inner.max)
        return coded("invalid")


class _WholeInteger(fields.Integer):
    """marshmallow's Integer (not strict) turns 1.9 into 1: a body's `"member_id": 1.9` planned a visit for
    member 1. A number with a fraction is refused as invalid_type; 2.0 and "2" (a query string) still read as 2."""

    def _validated(self, value):
        if isinstance(value, float) and not value.is_integer():
            raise self.make_error("invalid", input=value)
        return super()._validated(value)


def _recode(field) -> None:
    """Give a bound field (and a list's items) coded messages instead of marshmallow's English ones."""
    if type(field) is fields.Integer and not field.strict:
        field.__class__ = _WholeInteger
    invalid = next(code for kind, code in _INVALID if isinstance(field, kind))
    for key, message in list(field.error_messages.items()):
        if isinstance(message, dict) or (isinstance(message, str) and message in CODES):
            continue  # already a code, chosen by the field's type or the schema
        field.error_messages[key] = coded(invalid if key == "invalid" else _BUILT_IN.get(key, "invalid"))
    # marshmallow's own validators speak English; a schema's own functions already raise codes.
    field.validators = [_Coded(v) if isinstance(v, validate.Validator) else v for v in field.validators]
    if isinstance(field, fields.List):
        _recode(field.inner)


# Control characters other than tab and line ends (ESC can drive a terminal that shows a log or an export) and
# the bidirectional overrides and isolates (U+202E makes "gpj.exe" read "exe.jpg"): such text reaches other
# people's tablets and sheets, so every JSON body refuses it here, in one place.
_BIDI = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_REFUSED = {chr(code) for code in range(32) if chr(code) not in "\t\n\r"} | {"\x7f"} | _BIDI


def unstorable(value) -> bool:
    """True for text holding NUL or a lone surrogate, at any depth: PostgreSQL text cannot store NUL, and
    no UTF-8 database or answer can hold a lone surrogate, so either would otherwise fail as a 500.
    Also true for the control and bidi characters of _REFUSED."""
    if isinstance(value, str):
        return any(char in _REFUSED or "\ud800" <= char <= "\udfff" for char in value)
    if isinstance(value, Mapping):
        return any(unstorable(key) or unstorable(item) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return any(unstorable(item) for item in value)
    return False


def refuse_unstorable_path() -> None:
    """before_request: a path segment (a station, cell or card code) holding such text names nothing that could
    exist, so it answers 404 like any missing thing, before a lookup sends it to the database (PostgreSQL
    refuses NUL with an error, a 500)."""
    if request.path.startswith("/api/") and any(
            isinstance(value, str) and unstorable(value) for value in (request.view_args or {}).values()):
        raise NotFound()


class StrictSchema(Schema):
    """Unknown fields refused; every failure answers a catalogue code (server/error_codes.py), never prose."""

    class Meta:
        unknown = RAISE
        ordered = True

    error_messages = {"unknown": coded("unknown_field"), "type": coded("invalid_type")}

    def on_bind_field(self, field_name, field_obj):
        _recode(field_obj)

    @pre_load
    def _refuse_unstorable_text(self, data, **kwargs):
        """Refuse such text field by field (`invalid_characters`), before anything is looked up or stored;
        a key holding it is reported under `_schema`, never echoed back."""
        if not isinstance(data, Mapping):
            return data
        errors = {}
        for key in data:
            if unstorable(key):
                errors["_schema"] = [_INVALID_CHARACTERS]
            elif unstorable(data.getlist(key) if hasattr(data, "getlist") else data[key]):
                errors[key] = [_INVALID_CHARACTERS]
        if errors:
            raise ValidationError(errors)
        return data


# Visit due dates and other planning dates lie in this window: year 0001 or 9999 is a typo or an attack,
# and would sort every list wrong on every tablet.
PLANNING_DATES = (date(2020, 1, 1), date(2099, 12, 31))


def planning_date(value) -> None:
    """marshmallow validator: a date inside PLANNING_DATES, else `date_out_of_range` with the bounds."""
    if value is not None and not PLANNING_DATES[0] <= value <= PLANNING_DATES[1]:
        raise ValidationError({"code": "date_out_of_range", "params": {
            "min": PLANNING_DATES[0].isoformat(), "max": PLANNING_DATES[1].isoformat()}})


class FieldErrorSchema(Schema):
    code = fields.String(required=True)
    params = fields.Dict()


class ErrorBodySchema(Schema):
    code = fields.String(required=True, metadata={"description": "stable snake_case code"})
    message = fields.String(required=True)
    fields = fields.Dict(keys=fields.String(), values=fields.List(fields.Nested(FieldErrorSchema)))


class ErrorSchema(Schema):
    error = fields.Nested(ErrorBodySchema, required=True)
