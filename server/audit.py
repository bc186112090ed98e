"""The audit trail: one row per change, export or personal-data read; ids and outcomes only."""
from .extensions import db
from .models import AuditEvent


def record(action: str, *, user=None, object_type: str, object_id=None, unit_id=None, device_id=None,
           outcome=None, **detail) -> AuditEvent:
    """Add an audit event to the current session; it commits with the change it describes."""
    event = AuditEvent(action=action, user_id=getattr(user, "id", user), object_type=object_type,
                       object_id=None if object_id is None else str(object_id), unit_id=unit_id,
                       device_id=device_id, outcome=outcome, detail=detail)
    db.session.add(event)
    return event
