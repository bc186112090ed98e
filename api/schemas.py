"""Shared schema pieces: a strict base (unknown fields refused) and the error envelope for the OpenAPI spec."""
from collections.abc import Mapping
from datetime import date

from marshmallow import RAISE, Schema, ValidationError, fields, pre_load

_INVALID_CHARACTERS = {"code": "invalid_characters", "params": {}}


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


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE
        ordered = True

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
