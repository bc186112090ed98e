"""Schedule schemas (CONTRACT §7): STATION, BOOKING, the plan and its answer, the day's slots."""
from marshmallow import fields, validate

from api.schemas import StrictSchema, planning_date
from server.visit_bulk import STRATEGIES

HHMM = validate.Regexp(r"^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$", error="invalid_time")
CODE = validate.Length(min=1, max=64)


def planning_time(value) -> None:
    """planning_date for a time, on the date as sent: a time in year 1 or 9999 is a typo or an attack, and turning
    it into UTC (or adding a slot to it) would leave the calendar."""
    planning_date(value.date())


class SessionSchema(StrictSchema):
    weekday = fields.Integer(required=True, validate=validate.Range(1, 7, error="invalid_weekday"),
                             metadata={"description": "ISO weekday: 1 = Monday … 7 = Sunday"})
    start = fields.String(required=True, validate=HHMM, metadata={"example": "07:30"})
    end = fields.String(required=True, validate=HHMM, metadata={"example": "11:30"})


class StationSchema(StrictSchema):
    code = fields.String(validate=CODE, metadata={"description": "as in the path (optional in the body)"})
    name = fields.String(required=True, validate=validate.Length(min=1, max=255))
    unit_code = fields.String(required=True, validate=CODE)
    address = fields.String(load_default="", validate=validate.Length(max=512))
    desks = fields.Integer(required=True, metadata={"description": "1–50 (desks_out_of_range)"})
    slot_minutes = fields.Integer(required=True, metadata={"description": "5–120 (slot_minutes_out_of_range)"})
    week = fields.List(fields.Nested(SessionSchema), required=True, validate=validate.Length(max=100))
    closed = fields.List(fields.Date(validate=planning_date), load_default=list, validate=validate.Length(max=400))


class BookingSchema(StrictSchema):
    id = fields.Integer()
    member_id = fields.Integer()
    cell_code = fields.String()
    station = fields.String()
    start = fields.String(metadata={"description": "ISO 8601, +07:00"})
    end = fields.String()
    status = fields.String(metadata={"description": "booked, arrived, missed or cancelled"})
    full_name = fields.String(metadata={"description": "on day and missed lists"})
    priority = fields.String()


class StationOutSchema(StationSchema):
    closed = fields.List(fields.String(), metadata={"description": "YYYY-MM-DD"})


class StationPutAnswerSchema(StationOutSchema):
    orphaned = fields.List(fields.Nested(BookingSchema), metadata={
        "description": "bookings the new pattern no longer holds: still booked, for the admin to move"})


class StationListSchema(StrictSchema):
    stations = fields.List(fields.Nested(StationOutSchema))


class PlanSchema(StrictSchema):
    station = fields.String(required=True, validate=CODE)
    cells = fields.List(fields.String(validate=CODE), required=True, validate=validate.Length(min=1, max=2000))
    from_ = fields.Date(required=True, data_key="from", validate=planning_date)
    to = fields.Date(required=True, validate=planning_date)
    skip_public_holidays = fields.Boolean(load_default=True, metadata={
        "description": "also skip Vietnam's public holidays (default true)"})


class UnbookedSchema(StrictSchema):
    member_id = fields.Integer()
    reason = fields.String(metadata={"description": "no_capacity"})


class CellSpanSchema(StrictSchema):
    code = fields.String()
    first = fields.String(allow_none=True)
    last = fields.String(allow_none=True)


class PlanAnswerSchema(StrictSchema):
    booked = fields.Integer()
    already_booked = fields.Integer()
    unbooked = fields.List(fields.Nested(UnbookedSchema))
    cells = fields.List(fields.Nested(CellSpanSchema))


class DayQuerySchema(StrictSchema):
    station = fields.String(required=True, validate=CODE)
    date = fields.Date(required=True, validate=planning_date)


class SlotSchema(StrictSchema):
    start = fields.String()
    end = fields.String()
    capacity = fields.Integer()
    bookings = fields.List(fields.Nested(BookingSchema))


class DaySchema(StrictSchema):
    station = fields.String()
    date = fields.String()
    closed = fields.Boolean()
    slots = fields.List(fields.Nested(SlotSchema))


class UnitQuerySchema(StrictSchema):
    unit = fields.String(validate=CODE)


class BookingListSchema(StrictSchema):
    bookings = fields.List(fields.Nested(BookingSchema))


class MissedReplanSchema(StrictSchema):
    unit = fields.String(validate=CODE)
    from_ = fields.Date(required=True, data_key="from", validate=planning_date)
    to = fields.Date(required=True, validate=planning_date)


class MissedReplanAnswerSchema(StrictSchema):
    moved = fields.List(fields.Nested(BookingSchema))
    unbooked = fields.List(fields.Dict())


class ToVisitsSchema(StrictSchema):
    unit = fields.String(validate=CODE)
    booking_ids = fields.List(fields.Integer(validate=validate.Range(1, 2**31 - 1)), required=True,
                              validate=validate.Length(min=1, max=5000))
    assignee_ids = fields.List(fields.Integer(), required=True, validate=validate.Length(min=1, max=500))
    strategy = fields.String(load_default="round_robin", validate=validate.OneOf(STRATEGIES))
    due_date = fields.Date(load_default=None, allow_none=True, validate=planning_date)  # as /visits/bulk's


class ToVisitsAnswerSchema(StrictSchema):
    cancelled = fields.Integer()
    created = fields.Integer()
    visits = fields.List(fields.Integer())
    per_assignee = fields.Dict(keys=fields.String(), values=fields.Integer())
    skipped = fields.Integer()


class MoveSchema(StrictSchema):
    start = fields.AwareDateTime(required=True, validate=planning_time,
                                 metadata={"description": "the new slot's start, with offset"})
