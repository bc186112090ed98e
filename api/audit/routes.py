"""The audit trail, read by unit admins for their own subtree."""
from datetime import datetime, time, timedelta, timezone

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from api.schemas import StrictSchema
from api.security import current_user
from server.extensions import db
from server.models import AuditEvent, Unit
from server.scope import require_role, subtree_unit_ids, unit_in_scope

blp = Blueprint("audit", __name__, url_prefix="/api/v1/audit", description="Audit trail")


class AuditQuerySchema(StrictSchema):
    action = fields.String(validate=validate.Length(max=64))
    user_id = fields.Integer(validate=validate.Range(1, 2**31 - 1), metadata={"description": "who acted"})
    unit = fields.String(validate=validate.Length(max=64), metadata={"description": "a unit code: its subtree"})
    since = fields.Date(metadata={"description": "from this day (UTC), inclusive"})
    until = fields.Date(metadata={"description": "to this day (UTC), inclusive"})
    before_id = fields.Integer(validate=validate.Range(1, 2**63 - 1),  # event ids are 64-bit
                               metadata={"description": "page backwards from this event id"})
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 500))


class AuditEventSchema(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    user_id = fields.Integer(allow_none=True)
    action = fields.String()
    object_type = fields.String()
    object_id = fields.String(allow_none=True)
    unit_id = fields.Integer(allow_none=True)
    unit_code = fields.String(allow_none=True)
    device_id = fields.String(allow_none=True)
    outcome = fields.String(allow_none=True)
    detail = fields.Dict()


class AuditPageSchema(Schema):
    events = fields.List(fields.Nested(AuditEventSchema))


@blp.get("")
@blp.arguments(AuditQuerySchema, location="query")
@blp.response(200, AuditPageSchema)
def list_events(query):
    """List audit events about units in the caller's subtree, newest first, filtered by user, action, unit or day
    (unit admin)."""
    user = current_user()
    require_role(user, "unit_admin")
    stmt = (select(AuditEvent).where(AuditEvent.unit_id.in_(subtree_unit_ids(user.unit)))
            .order_by(AuditEvent.id.desc()).limit(query["limit"]))
    if "action" in query:
        stmt = stmt.where(AuditEvent.action == query["action"])
    if "user_id" in query:
        stmt = stmt.where(AuditEvent.user_id == query["user_id"])
    if "unit" in query:
        stmt = stmt.where(AuditEvent.unit_id.in_(subtree_unit_ids(unit_in_scope(query["unit"], user))))
    if "since" in query:
        stmt = stmt.where(AuditEvent.at >= datetime.combine(query["since"], time.min, timezone.utc))
    if "until" in query:
        stmt = stmt.where(AuditEvent.at < datetime.combine(query["until"] + timedelta(days=1), time.min, timezone.utc))
    if "before_id" in query:
        stmt = stmt.where(AuditEvent.id < query["before_id"])
    events = list(db.session.scalars(stmt))
    codes = dict(db.session.execute(select(Unit.id, Unit.code).where(
        Unit.id.in_({event.unit_id for event in events if event.unit_id}))).all())
    for event in events:
        event.unit_code = codes.get(event.unit_id)  # for the console's table; not a column
    return {"events": events}
