"""Visit schemas (CONTRACT §5 Visits): the VISIT object, its history, and the bodies of each action."""
from marshmallow import fields, validate

from api.schemas import StrictSchema, planning_date
from server.models import VISIT_KINDS
from server.visit_bulk import STRATEGIES
from server.visits import OUTCOME_REASONS, STATUS_FILTERS


class VisitQuerySchema(StrictSchema):
    assignee = fields.String(validate=validate.Regexp(r"^(me|[0-9]{1,9})$"), metadata={
        "description": "me or a user id; officers may list only their own (default: me for officers, "
                       "everyone in scope for leads)"})
    status = fields.String(load_default="open", validate=validate.OneOf(STATUS_FILTERS), metadata={
        "description": "open, done, could_not_collect, cancelled, closed (any but open) or all"})
    unit = fields.String(metadata={"description": "only members of this unit's subtree (a cell code, say)"})
    due_before = fields.Date(metadata={"description": "only visits due before this date"})


class HistoryStepSchema(StrictSchema):
    assignee_id = fields.Integer()
    from_assignee_id = fields.Integer(allow_none=True)
    assigned_by = fields.Integer(metadata={"description": "id of the user who made this assignment"})
    assigned_by_name = fields.String(allow_none=True)
    reason = fields.String()
    at = fields.DateTime()


class VisitSchema(StrictSchema):
    id = fields.Integer()
    member_id = fields.Integer()
    kind = fields.String()
    assignee_id = fields.Integer(allow_none=True)
    due_date = fields.Date(allow_none=True)
    note = fields.String()
    status = fields.String(metadata={"description": "open, done, could_not_collect or cancelled"})
    history = fields.List(fields.Nested(HistoryStepSchema), metadata={"description": "oldest first"})
    assignee_name = fields.String(allow_none=True)
    member_code = fields.String()
    member_name = fields.String()
    unit_code = fields.String(metadata={"description": "the member's cell"})
    unit_name = fields.String()
    priority = fields.String()
    permanent_address = fields.String()
    phone = fields.String(allow_none=True)
    home_visit_note = fields.String(allow_none=True)
    outcome_reason = fields.String(allow_none=True, metadata={
        "description": "why the last attempt could not collect (kept when the visit is replanned)"})
    outcome_note = fields.String(allow_none=True)
    done_by = fields.Integer(allow_none=True, metadata={"description": "id of the user who closed the visit"})
    done_by_name = fields.String(allow_none=True)
    done_submission_id = fields.Integer(allow_none=True)
    updated_at = fields.DateTime()


class VisitListSchema(StrictSchema):
    visits = fields.List(fields.Nested(VisitSchema))


class VisitCreateSchema(StrictSchema):
    member_id = fields.Integer(required=True)
    kind = fields.String(load_default="home", validate=validate.OneOf(VISIT_KINDS))
    assignee_id = fields.Integer(required=True)
    due_date = fields.Date(load_default=None, allow_none=True, validate=planning_date)
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class AssignSchema(StrictSchema):
    assignee_id = fields.Integer(required=True)
    reason = fields.String(load_default="", validate=validate.Length(max=2000))


class OutcomeSchema(StrictSchema):
    result = fields.String(required=True, validate=validate.OneOf(["could_not_collect"]))
    reason = fields.String(required=True, validate=validate.OneOf(OUTCOME_REASONS))
    note = fields.String(load_default="", validate=validate.Length(max=2000))
    client_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=64),
                              metadata={"description": "made on the device; a resend with it changes nothing"})


class ReplanSchema(StrictSchema):
    assignee_id = fields.Integer(required=True)
    due_date = fields.Date(load_default=None, allow_none=True, validate=planning_date)
    reason = fields.String(load_default="", validate=validate.Length(max=2000))


class BulkSchema(StrictSchema):
    unit_codes = fields.List(fields.String(), required=True, validate=validate.Length(min=1, max=500))
    assignee_ids = fields.List(fields.Integer(), required=True, validate=validate.Length(min=1, max=500))
    strategy = fields.String(load_default="round_robin", validate=validate.OneOf(STRATEGIES))
    due_date = fields.Date(load_default=None, allow_none=True, validate=planning_date)
    kind = fields.String(load_default="home", validate=validate.OneOf(VISIT_KINDS))


class BulkResultSchema(StrictSchema):
    created = fields.Integer()
    visits = fields.List(fields.Integer(), metadata={"description": "ids of the visits created"})
    per_assignee = fields.Dict(keys=fields.String(), values=fields.Integer(),
                               metadata={"description": "user id → visits created for them"})
    skipped = fields.Integer(metadata={"description": "members none of the chosen users can reach"})

