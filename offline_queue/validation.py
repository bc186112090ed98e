"""Validation of one offline submission item: its shape and per-field rules (a marshmallow schema), then
the rules that tie fields together. Answers codes, never prose, so every tablet can translate them.

Checks that need the database (scope of member and visit, the stored photo) live in ingest; this module
never queries. The field types themselves are in item_fields.
"""
from datetime import date, datetime, timedelta, timezone

from marshmallow import RAISE, Schema, ValidationError, fields

from offline_queue.item_fields import (CapturedAt, CitizenId, Choice, ClientId, Consent, DateText, Id, Phone,
                                       PhotoSha256, Text, coded)
from server.citizen_id import check_citizen_id
from server.models import LOCATION_KINDS
from server.record_fields import FIELDS, MIN_BIRTH_YEAR, Field

# How the identity fields got onto the form (CONTRACT §5): read from the ID card's QR code, or typed.
IDENTITY_SOURCES = ("qr", "typed")


# No record of this campaign was captured before this day (the kit did not exist).
EARLIEST_CAPTURE = datetime(2020, 1, 1, tzinfo=timezone.utc)


class _StrictSchema(Schema):
    class Meta:
        unknown = RAISE

    error_messages = {"unknown": coded("unknown_field"), "type": coded("invalid_type")}


def _item_field(field: Field):
    """The marshmallow field for one catalogue field (server/record_fields.py); bounds follow the members table."""
    optional = {} if field.required else {"allow_none": True}
    if field.kind == "birth_date":
        return DateText(year_only=True, min_year=MIN_BIRTH_YEAR, required=field.required)
    if field.kind == "date":
        return DateText(required=field.required, **optional)
    if field.kind == "choice":
        return Choice(field.choices, required=field.required, **optional)
    if field.kind == "citizen_id":
        return CitizenId(required=field.required, metadata={"pattern": "^[0-9]{12}$"})
    return (Phone if field.kind == "phone" else Text)(field.max_length, required=field.required, **optional)


# The person's data as typed on the form (CONTRACT §5 ITEM.fields), one marshmallow field per catalogue field.
ItemFieldsSchema = _StrictSchema.from_dict({f.name: _item_field(f) for f in FIELDS if f.on_form},
                                           name="ItemFieldsSchema")


class ItemSchema(_StrictSchema):
    """One record captured on a tablet (CONTRACT §5 ITEM)."""

    client_id = ClientId(required=True, metadata={"format": "uuid"})
    member_id = Id(allow_none=True, load_default=None, metadata={"description": "null: not on the roster"})
    visit_id = Id(allow_none=True, load_default=None)
    captured_at = CapturedAt(required=True)
    location_kind = Choice(LOCATION_KINDS, required=True)
    photo_sha256 = PhotoSha256(required=True)
    consent = Consent(required=True)
    # qr: the ID card's QR code filled the identity fields; typed (the default): they were typed.
    identity_source = Choice(IDENTITY_SOURCES, load_default="typed", error_messages={
        "null": coded("invalid_choice", choices=list(IDENTITY_SOURCES))})
    fields = fields.Nested(ItemFieldsSchema, required=True,
                           error_messages={"required": coded("required"), "null": coded("required"),
                                           "type": coded("invalid_type")})


item_schema = ItemSchema()


def flatten(messages, field=None) -> list[dict]:
    """marshmallow's nested messages as a flat list of {"field", "code", "params"}.

    Keys inside `fields` are reported by their own name (the form input's name); `_schema` means the
    enclosing object, which is null for the item itself.
    """
    if isinstance(messages, dict) and isinstance(messages.get("code"), str):
        return [{"field": field, "code": messages["code"], "params": messages.get("params") or {}}]
    if isinstance(messages, list):
        return [error for message in messages for error in flatten(message, field)]
    if isinstance(messages, dict):
        out = []
        for key, value in messages.items():
            name = field if key == "_schema" else (key if field in (None, "fields") else f"{field}.{key}")
            out.extend(flatten(value, name))
        return out
    return [{"field": field, "code": "invalid", "params": {}}]


def _birth_bound(dob: str) -> tuple[date, bool]:
    """The birth date to compare party dates with, and whether only its year is known."""
    return (date(int(dob), 1, 1), True) if len(dob) == 4 else (date.fromisoformat(dob), False)


def _cross_field_errors(data: dict, now: datetime, tolerance_seconds: int) -> list[dict]:
    errors = []
    person = data.get("fields") or {}
    dob = person.get("date_of_birth")
    joined = person.get("party_join_date") and date.fromisoformat(person["party_join_date"])
    official = person.get("party_official_date") and date.fromisoformat(person["party_official_date"])
    if dob:
        birth, year_only = _birth_bound(dob)
        for name, value in (("party_join_date", joined), ("party_official_date", official)):
            if value and (value.year < birth.year if year_only else value < birth):
                errors.append({"field": name, "code": "before_birth", "params": {}})
    if joined and official and official < joined:
        errors.append({"field": "party_official_date", "code": "official_before_join", "params": {}})
    if person.get("citizen_id"):
        codes = check_citizen_id(person["citizen_id"], person.get("gender"), int(dob[:4]) if dob else None)
        errors.extend({"field": "citizen_id", "code": code, "params": {}} for code in codes)
    captured = data.get("captured_at")
    if captured and captured > now + timedelta(seconds=tolerance_seconds):
        errors.append({"field": "captured_at", "code": "captured_in_future",
                       "params": {"tolerance_seconds": tolerance_seconds}})
    elif captured and captured < EARLIEST_CAPTURE:  # year 0001 and the like: a broken tablet clock, not a date
        errors.append({"field": "captured_at", "code": "date_out_of_range",
                       "params": {"min": EARLIEST_CAPTURE.date().isoformat()}})
    if data.get("visit_id") is not None and "member_id" in data and data["member_id"] is None:
        errors.append({"field": "visit_id", "code": "visit_member_mismatch", "params": {}})
    return errors


def validate_item(raw, *, now: datetime, tolerance_seconds: int) -> tuple[dict, list[dict]]:
    """(cleaned item, errors) for one raw item; the cleaned item is only whole when errors is empty."""
    if not isinstance(raw, dict):
        return {}, [{"field": None, "code": "invalid_type", "params": {}}]
    try:
        data, errors = item_schema.load(raw), []
    except ValidationError as error:
        data, errors = error.valid_data or {}, flatten(error.messages)
    return data, errors + _cross_field_errors(data, now, tolerance_seconds)
