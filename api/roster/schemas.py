"""Roster schemas. The roster is built as plain dicts for speed; these schemas document it in the spec."""
from marshmallow import fields

from api.schemas import StrictSchema


class RosterQuerySchema(StrictSchema):
    since = fields.String(metadata={"description": "the `cursor` of the previous answer; omit for everything"})


class ReconcileSchema(StrictSchema):
    class_ = fields.String(data_key="class", metadata={
        "description": "matched, matched_minor, mismatch, not_found or ambiguous"})
    differing = fields.Dict(data_key="fields", metadata={
        "description": "only the fields that differ: name → {result, record, registry}"})
    decision = fields.String(metadata={"description": "a reviewer's decision, when one was taken"})
    note = fields.String(metadata={"description": "the reviewer's note to the officer, when there is one"})


class RosterMemberSchema(StrictSchema):
    id = fields.Integer(required=True)
    status = fields.String(required=True, metadata={"description": "pending, verified or needs_review"})
    member_code = fields.String()
    unit_code = fields.String(metadata={"description": "the member's cell"})
    unit_name = fields.String(metadata={"description": "the cell's name, to show on the tablet"})
    full_name = fields.String()
    date_of_birth = fields.String(metadata={"description": "YYYY-MM-DD, or YYYY when only the year is known"})
    gender = fields.String()
    citizen_id = fields.String()
    hometown = fields.String()
    permanent_address = fields.String()
    party_join_date = fields.Date()
    party_official_date = fields.Date()
    priority = fields.String(metadata={"description": "veteran, former_central_committee or standard"})
    needs_home_visit = fields.Boolean(metadata={"description": "JSON true/false (the file's yes/no)"})
    old_card_number = fields.String()
    phone = fields.String()
    ethnicity = fields.String()
    religion = fields.String()
    home_visit_note = fields.String()
    reconcile = fields.Nested(ReconcileSchema, metadata={
        "description": "present when the party record was compared with the registry"})


class RosterVisitSchema(StrictSchema):
    id = fields.Integer()
    member_id = fields.Integer()
    kind = fields.String()
    assignee_id = fields.Integer()
    due_date = fields.Date(allow_none=True)
    status = fields.String()
    note = fields.String()
    priority = fields.String(metadata={"description": "the member's priority, for ordering"})


class RemovedSchema(StrictSchema):
    members = fields.List(fields.Integer())
    visits = fields.List(fields.Integer())


class NoticeSchema(StrictSchema):
    visit_id = fields.Integer()
    member_id = fields.Integer()
    kind = fields.String(metadata={"description": "reassigned, done, cancelled or could_not_collect"})
    to_user = fields.String(allow_none=True, metadata={"description": "who holds the visit now"})
    by_user = fields.String(allow_none=True, metadata={"description": "who reassigned or closed it"})
    reason = fields.String(allow_none=True)
    at = fields.DateTime()


class RosterSchema(StrictSchema):
    cursor = fields.String(required=True, metadata={"description": "opaque; send it back as `since`"})
    full = fields.Boolean(metadata={"description": "true: this is the whole roster, replace the local copy"})
    members = fields.List(fields.Nested(RosterMemberSchema))
    visits = fields.List(fields.Nested(RosterVisitSchema))
    removed = fields.Nested(RemovedSchema)
    notices = fields.List(fields.Nested(NoticeSchema), metadata={
        "description": "visits the caller held that someone else reassigned or settled since the cursor"})
    bookings = fields.List(fields.Dict(), metadata={
        "description": "§7: today's and tomorrow's bookings (BOOKING) of members in scope, whole every time"})
