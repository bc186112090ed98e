"""The audit trail, read by unit admins for their own subtree."""
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from api.schemas import StrictSchema
from api.security import current_user
from server.extensions import db
from server.models import AuditEvent
from server.scope import require_role, subtree_unit_ids

blp = Blueprint("audit", __name__, url_prefix="/api/v1/audit", description="Audit trail")


class AuditQuerySchema(StrictSchema):
    action = fields.String()
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
    device_id = fields.String(allow_none=True)
    outcome = fields.String(allow_none=True)
    detail = fields.Dict()


class AuditPageSchema(Schema):
    events = fields.List(fields.Nested(AuditEventSchema))


@blp.get("")
@blp.arguments(AuditQuerySchema, location="query")
@blp.response(200, AuditPageSchema)
def list_events(query):
    """List audit events about units in the caller's subtree, newest first (unit admin)."""
    user = current_user()
    require_role(user, "unit_admin")
    stmt = (select(AuditEvent).where(AuditEvent.unit_id.in_(subtree_unit_ids(user.unit)))
            .order_by(AuditEvent.id.desc()).limit(query["limit"]))
    if "action" in query:
        stmt = stmt.where(AuditEvent.action == query["action"])
    if "before_id" in query:
        stmt = stmt.where(AuditEvent.id < query["before_id"])
    return {"events": list(db.session.scalars(stmt))}
