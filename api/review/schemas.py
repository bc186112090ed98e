"""Review schemas: reconciliation runs, queue items (three sources side by side) and decisions."""
from marshmallow import fields, validate

from api.schemas import StrictSchema
from server.reconcile import CLASSES, PERSON_FIELDS
from server.review.queue import KINDS
from server.review.decisions import DECISIONS

FIELD_RESULT = "match, minor (same under the name key: tone-mark placement, case), mismatch or missing"


class ReconcileBodySchema(StrictSchema):
    unit_code = fields.String(metadata={"description": "a unit in scope; default the caller's unit"})


class ReconcileResultSchema(StrictSchema):
    unit_code = fields.String(allow_none=True)
    total = fields.Integer(metadata={"description": "members compared"})
    classes = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={
        "description": "members per class: matched, matched_minor, mismatch, not_found, ambiguous"})
    created = fields.Integer(metadata={"description": "members compared for the first time"})
    changed = fields.Integer(metadata={"description": "members whose comparison changed since the last run"})
    unchanged = fields.Integer()
    reopened = fields.Integer(metadata={
        "description": "changed members that had a decision: it needs a second look"})
    seconds = fields.Float()


class ItemQuerySchema(StrictSchema):
    unit = fields.String(metadata={"description": "unit code in scope; default the caller's unit"})
    class_ = fields.String(data_key="class", validate=validate.OneOf(CLASSES), metadata={
        "description": "registry class: of the submitted record (submission items) or the party record"})
    field = fields.String(validate=validate.OneOf(PERSON_FIELDS), metadata={
        "description": "only items where this field differs (minor, mismatch or missing)"})
    kind = fields.String(validate=validate.OneOf(KINDS))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class SideFieldSchema(StrictSchema):
    name = fields.String()
    party = fields.String(allow_none=True, metadata={"description": "the party record (member)"})
    submitted = fields.String(allow_none=True, metadata={"description": "the record collected in the field"})
    registry = fields.String(allow_none=True, metadata={"description": "the population registry"})
    party_result = fields.String(allow_none=True, metadata={"description": f"party vs registry: {FIELD_RESULT}"})
    submitted_result = fields.String(allow_none=True, metadata={
        "description": f"submitted vs registry: {FIELD_RESULT}"})


class DecisionOutSchema(StrictSchema):
    decision = fields.String()
    note = fields.String()
    decided_by_id = fields.Integer(allow_none=True)
    decided_at = fields.String(allow_none=True)
    stale = fields.Boolean(metadata={"description": "the comparison changed after this decision: look again"})


class UnitRefSchema(StrictSchema):
    code = fields.String()
    name = fields.String()
    kind = fields.String()


class SubmissionRefSchema(StrictSchema):
    id = fields.Integer()
    status = fields.String()
    captured_at = fields.String()
    received_at = fields.String()
    location_kind = fields.String()
    user_id = fields.Integer()
    photo_sha256 = fields.String(allow_none=True, metadata={"description": "the portrait: GET /api/v1/photos/{sha}"})
    photo_quality = fields.Dict(allow_none=True, metadata={
        "description": "the portrait's quality report: verdict pass|warn, warnings, each check"})
    identity_source = fields.String(metadata={"enum": ["qr", "typed"], "description":
                                    "qr: the identity was read from the ID card's QR code; typed: typed by hand"})


class RegistryRowSchema(StrictSchema):
    citizen_id = fields.String()
    full_name = fields.String()
    date_of_birth = fields.String()
    gender = fields.String()
    hometown = fields.String()
    permanent_address = fields.String()


class ItemSchema(StrictSchema):
    kind = fields.String(metadata={"description": "submission or member"})
    id = fields.Integer(metadata={"description": "the submission id or the member id, by kind"})
    member_id = fields.Integer(allow_none=True, metadata={"description": "null: a person not on the roster"})
    member_code = fields.String(allow_none=True)
    member_status = fields.String(allow_none=True)
    unit = fields.Nested(UnitRefSchema)
    class_ = fields.String(data_key="class", attribute="class")
    reasons = fields.List(fields.String(), metadata={"description": "why ingest asked for review"})
    submission = fields.Nested(SubmissionRefSchema, allow_none=True)
    registry_citizen_id = fields.String(allow_none=True)
    candidates = fields.List(fields.Nested(RegistryRowSchema), metadata={
        "description": "ambiguous: the registry records of that name and birth date"})
    fields_ = fields.List(fields.Nested(SideFieldSchema), data_key="fields", attribute="fields")
    decision = fields.Nested(DecisionOutSchema, allow_none=True, metadata={
        "description": "the member's last decision, if any"})
    resolved_by_field = fields.Boolean(metadata={
        "description": "the party record differed, but a collected record arrived verified: settled in the field"})


class ItemPageSchema(StrictSchema):
    items = fields.List(fields.Nested(ItemSchema))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()
    totals = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={"description": "per kind"})
    resolved_by_field = fields.Integer(metadata={
        "description": "members whose party record differed but whose collected record arrived verified "
                       "(no longer in the queue)"})
    unit = fields.Nested(UnitRefSchema)


class DecisionBodySchema(StrictSchema):
    decision = fields.String(required=True, validate=validate.OneOf(DECISIONS))
    note = fields.String(load_default="", validate=validate.Length(max=2000), metadata={
        "description": "required for citizen_must_update_registry and send_back (the officer reads it)"})
    registry_citizen_id = fields.String(validate=validate.Regexp(r"^[0-9]{12}$"), metadata={
        "description": "accept_registry on an ambiguous item: which candidate"})
    member_id = fields.Integer(metadata={
        "description": "a submission for someone not on the roster: the member it belongs to (internal id)"})
    member_code = fields.String(validate=validate.Length(1, 64), metadata={
        "description": "the same by the member code people see (preferred)"})


class MemberStatusSchema(StrictSchema):
    id = fields.Integer()
    status = fields.String()


class DecisionResultSchema(StrictSchema):
    member = fields.Nested(MemberStatusSchema)
    submission = fields.Nested(MemberStatusSchema, allow_none=True)
    class_ = fields.String(data_key="class", attribute="class", metadata={
        "description": "the party record's registry class after the decision"})
    decision = fields.Nested(DecisionOutSchema, allow_none=True)


class ExportQuerySchema(StrictSchema):
    unit = fields.String(required=True, metadata={"description": "the cell (or any unit in scope) to list"})
