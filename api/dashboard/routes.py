"""The progress dashboard: collections per day with the rate and projected finish, the deadline, the XLSX."""
from flask import send_file
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api.schemas import StrictSchema, planning_date
from api.security import current_user
from server import audit
from server.dashboard import daily
from server.dashboard.export import progress_xlsx
from server.extensions import db
from server.scope import require_role

blp = Blueprint("dashboard", __name__, url_prefix="/api/v1/progress", description="Progress dashboard")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class UnitQuerySchema(StrictSchema):
    unit = fields.String(validate=validate.Length(max=64))


class ExportQuerySchema(StrictSchema):
    unit = fields.String(required=True, validate=validate.Length(max=64))


class DeadlineSchema(StrictSchema):
    unit_code = fields.String(required=True, validate=validate.Length(max=64))
    deadline = fields.Date(required=True, allow_none=True, validate=planning_date)  # as a visit's due date


class DayCountSchema(Schema):
    day = fields.Date()
    collected = fields.Integer()


class HeldSchema(Schema):
    unit_code = fields.String()
    records = fields.Integer()
    devices = fields.Integer()


class DailySchema(Schema):
    unit = fields.Dict()
    days = fields.List(fields.Nested(DayCountSchema))
    rate_7d = fields.Float(metadata={"description": "members collected per day over the last 7 days"})
    remaining = fields.Integer()
    projected_finish = fields.Date(allow_none=True, metadata={"description": "null when the rate is 0 or done"})
    deadline = fields.Date(allow_none=True, metadata={"description": "the unit's, else the nearest above"})
    late = fields.Boolean(metadata={"description": "the rate does not finish before the deadline"})
    needed_per_day = fields.Float(allow_none=True)
    on_tablets = fields.List(fields.Nested(HeldSchema))


@blp.get("/daily")
@blp.arguments(UnitQuerySchema, location="query")
@blp.response(200, DailySchema)
def get_daily(query):
    """Members collected per day in a unit's subtree, the last 7 days' rate, the projected finish and deadline."""
    return daily.daily(current_user(), query.get("unit"))


@blp.put("/deadline")
@blp.arguments(DeadlineSchema)
@blp.response(200, DailySchema)
def put_deadline(body):
    """Set (or clear, with null) the day a unit in scope should finish collecting (unit admin)."""
    user = current_user()
    require_role(user, "unit_admin")
    unit = daily.set_deadline(user, body["unit_code"], body["deadline"])
    audit.record("progress.deadline", user=user, object_type="unit", object_id=unit.id, unit_id=unit.id,
                 deadline=body["deadline"].isoformat() if body["deadline"] else None)
    db.session.commit()
    return daily.daily(user, unit.code)


@blp.get("/export.xlsx")
@blp.arguments(ExportQuerySchema, location="query")
@blp.response(200, {"type": "string", "format": "binary"}, content_type=XLSX,
              description="XLSX: the progress of the unit and every unit below it")
def export(query):
    """Download the progress table of a unit and its subtree as a spreadsheet (unit admin)."""
    user = current_user()
    require_role(user, "unit_admin")
    stream, unit = progress_xlsx(query["unit"], user)
    return send_file(stream, mimetype=XLSX, as_attachment=True, download_name=f"tien-do-{unit.code}.xlsx")
