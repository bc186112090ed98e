"""What the tablet's other queued items (card hand-overs, print notices) share with its records (ingest.py): the
client_id as the key, the canonical content hash that tells a resend (`duplicate`) from a reused id, each item in a
transaction of its own, and who may hear of an item already stored."""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from offline_queue.canonical import content_hash
from offline_queue.ingest import Batch, client_id
from server.extensions import db
from server.models import Unit


def each_alone(batch: Batch, raw, process: Callable[[Batch, object, str | None, str], dict]) -> dict:
    """`process(batch, raw, key, digest)` in its own transaction, committed before its answer. If a constraint
    speaks (the same item stored by a concurrent request between our look-up and our insert), once more: the
    stored one now answers, and an `accepted` the second time means the constraint spoke for another reason."""
    key = client_id(raw)
    digest = content_hash({**raw, "client_id": key} if key else raw) if isinstance(raw, dict) else ""
    try:
        result = process(batch, raw, key, digest)
        db.session.commit()
        return result
    except IntegrityError:
        db.session.rollback()
        result = process(batch, raw, key, digest)
        if result["outcome"] == "accepted":
            raise
        db.session.commit()
        return result
    except BaseException:
        db.session.rollback()
        raise


def yours(batch: Batch, prior) -> bool:
    """The caller sent the stored item, or their scope holds its unit; anyone else hears nothing of it."""
    if prior.user_id == batch.user_id:
        return True
    path = db.session.scalar(select(Unit.path).where(Unit.id == prior.unit_id)) or ""
    return path.startswith(batch.user.unit.path)

