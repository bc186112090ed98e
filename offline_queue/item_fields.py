"""Field types of a submission item, each answering a code (with params) instead of prose, and returning the
value in the form it is stored in: text NFC, spaces collapsed, trimmed; dates as text; times as UTC.
"""
import re
import unicodedata
from datetime import date, datetime, timezone

from marshmallow import ValidationError, fields

from server.error_codes import coded
from server.record_fields import PHONE_CHARACTERS, today_in_vietnam
from server.text import clean_text

# Control, format (bidi overrides, zero-width joiners), surrogate and private-use characters, and the
# line/paragraph separators: invisible or reordering text that would make two equal names differ.
_REFUSED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Zl", "Zp"}
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
_SHA256 = re.compile(r"[0-9a-f]{64}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_YEAR = re.compile(r"[0-9]{4}")
_DATETIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.,][0-9]{1,9})?)?"
                       r"(Z|z|[+-][0-9]{2}(:?[0-9]{2})?)")


def _fail(code: str, **params):
    raise ValidationError(coded(code, **params))


class _Coded:
    """Field mixin: marshmallow's built-in failures as codes."""

    default_error_messages = {"required": coded("required"), "null": coded("required"),
                              "invalid": coded("invalid_type"), "validator_failed": coded("invalid")}


class Text(_Coded, fields.String):
    """Free text: NFC, no invisible or control characters, spaces collapsed, bounded length."""

    def __init__(self, max_length: int, **kwargs):
        super().__init__(metadata={"maxLength": max_length}, **kwargs)
        self.max_length = max_length

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            _fail("invalid_type")
        value = unicodedata.normalize("NFC", value)
        if len(value) > self.max_length * 4:  # refuse huge input before scanning it character by character
            _fail("too_long", max=self.max_length)
        if any(unicodedata.category(char) in _REFUSED_CATEGORIES for char in value):
            _fail("invalid_characters")
        value = clean_text(value)
        if len(value) > self.max_length:
            _fail("too_long", max=self.max_length)
        if not value:
            if self.required:
                _fail("required")
            return None
        return value


class DateText(_Coded, fields.String):
    """A real calendar date `YYYY-MM-DD` (or `YYYY` alone where allowed), not in the future; kept as text."""

    def __init__(self, year_only: bool = False, min_year: int = 1, **kwargs):
        shape = {"pattern": "^[0-9]{4}(-[0-9]{2}-[0-9]{2})?$", "description": "YYYY-MM-DD, or YYYY alone"} \
            if year_only else {"format": "date"}
        if min_year > 1:
            shape["description"] = shape.get("description", "YYYY-MM-DD") + f", year {min_year} or later"
        super().__init__(metadata=shape, **kwargs)
        self.year_only, self.min_year = year_only, min_year

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            _fail("invalid_type")
        value = value.strip()
        if not value:
            _fail("required")
        if self.year_only and _YEAR.fullmatch(value):
            if int(value) < 1:
                _fail("invalid_date")
            if int(value) > today_in_vietnam().year:
                _fail("date_in_future")
            if int(value) < self.min_year:
                _fail("date_too_early", min=self.min_year)
            return value
        if not _DATE.fullmatch(value):
            _fail("invalid_date")
        try:
            parsed = date.fromisoformat(value)
        except ValueError:
            _fail("invalid_date")
        if parsed > today_in_vietnam():
            _fail("date_in_future")
        if parsed.year < self.min_year:
            _fail("date_too_early", min=self.min_year)
        return value


class Phone(Text):
    """A phone number as people type it: digits and separators only (the imports' rule too)."""

    _ALLOWED = re.compile(PHONE_CHARACTERS)

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        if value is not None and not self._ALLOWED.fullmatch(value):
            _fail("invalid_phone")
        return value


class Choice(_Coded, fields.String):
    """One of a fixed set of strings."""

    def __init__(self, choices, **kwargs):
        super().__init__(metadata={"enum": list(choices)}, **kwargs)
        self.choices = tuple(choices)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or value not in self.choices:
            _fail("invalid_choice", choices=list(self.choices))
        return value


class CitizenId(_Coded, fields.String):
    """The 12-digit ID as typed (trimmed); its structure is checked against gender and birth year later."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            _fail("invalid_type")
        value = unicodedata.normalize("NFC", value.strip())
        if not value:
            _fail("required")
        return value


class ClientId(fields.String):
    """The device's UUID for the item, lower-cased so one item has one key whatever the client's case."""

    default_error_messages = {"required": coded("invalid_client_id"), "null": coded("invalid_client_id"),
                              "invalid": coded("invalid_client_id")}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not _UUID.fullmatch(value):
            _fail("invalid_client_id")
        return value.lower()


class Id(_Coded, fields.Integer):
    """A database id: a JSON integer, never a bool or a numeric string. Range is the lookup's business."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int):
            _fail("invalid_type")
        return value


class CapturedAt(_Coded, fields.String):
    """An ISO-8601 timestamp with an offset (Z allowed), returned as an aware UTC datetime."""

    def __init__(self, **kwargs):
        super().__init__(metadata={"format": "date-time", "example": "2025-08-08T14:03:11+07:00"}, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not _DATETIME.fullmatch(value.strip()):
            _fail("invalid_datetime")
        try:
            parsed = datetime.fromisoformat(value.strip().replace(",", "."))
            if parsed.tzinfo is None:
                _fail("invalid_datetime")
            return parsed.astimezone(timezone.utc)
        except (ValueError, OverflowError):
            _fail("invalid_datetime")


class PhotoSha256(fields.String):
    """Lowercase hex SHA-256 of an uploaded photo; anything else cannot name a stored photo."""

    default_error_messages = {"required": coded("photo_missing"), "null": coded("photo_missing"),
                              "invalid": coded("photo_missing")}

    def __init__(self, **kwargs):
        super().__init__(metadata={"pattern": "^[0-9a-f]{64}$"}, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not _SHA256.fullmatch(value):
            _fail("photo_missing")
        return value


class Consent(fields.Boolean):
    """The member's consent: exactly JSON `true`; "true", 1 or a missing key are not consent."""

    default_error_messages = {"required": coded("consent_required"), "null": coded("consent_required"),
                              "invalid": coded("consent_required")}

    def _deserialize(self, value, attr, data, **kwargs):
        if value is not True:
            _fail("consent_required")
        return True
