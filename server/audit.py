"""The audit trail: one row per change, export or personal-data read; ids and outcomes only.

Every row names the unit it concerns, because the console shows a unit admin the rows of their own subtree
and nothing else: a row without a unit is seen by nobody. The operator CLI acts on the whole tree, so its rows
belong to the root unit (`root_unit_id`); an action over several units belongs to the deepest unit holding them
all (`common_unit_id`)."""
import os

from sqlalchemy import select

from .extensions import db
from .models import AuditEvent, Unit


def record(action: str, *, user=None, object_type: str, object_id=None, unit_id=None, device_id=None,
           outcome=None, **detail) -> AuditEvent:
    """Add an audit event to the current session; it commits with the change it describes."""
    event = AuditEvent(action=action, user_id=getattr(user, "id", user), object_type=object_type,
                       object_id=None if object_id is None else str(object_id), unit_id=unit_id,
                       device_id=device_id, outcome=outcome, detail=detail)
    db.session.add(event)
    return event


def root_unit_id() -> int | None:
    """The root of the tree (the province), for what the operator CLI does to all of it; None on an empty database."""
    return db.session.scalar(select(Unit.id).where(Unit.parent_id.is_(None)).order_by(Unit.id).limit(1))


def common_unit_id(units) -> int | None:
    """The deepest unit whose subtree holds every one of `units` (by their materialised paths)."""
    paths = [[part for part in unit.path.strip("/").split("/") if part] for unit in units]
    shared = os.path.commonprefix(paths) if paths else []  # element by element: whole unit ids, never digits
    return int(shared[-1]) if shared else None
