"""The roster a tablet keeps for offline search: members and the caller's own open visits, in scope.

Owns the sync cursor and the shape of roster rows. Must stay fast for a grassroots unit of thousands of
members: members come from one query (cell and reconciliation joined), built into plain dicts, never
loaded as ORM objects one by one.

The cursor is opaque to clients: base64url of {"v", "t" (a time), "u" (user id), "n" (unit id)}.
Rows carry `updated_at` stamped when their transaction flushed, but transactions commit out of order,
so a row stamped before a cursor's time can become visible after it was handed out. Two guards:
the cursor's time is never later than the start of the oldest transaction still open on PostgreSQL,
and every delta re-sends an overlap window (OVERLAP) before that time. Clients upsert and delete by id,
so a row sent twice is harmless. A cursor issued to another user or unit, or older than MAX_AGE, gets
the full roster (`full: true`), which the client takes as "replace your copy". A member moved to a cell
outside the caller's scope is listed in `removed.members` (from Member.previous_unit_id / moved_at), and the
caller's open visits to that member in `removed.visits`, so their data leaves the tablet at the next sync.
"""
import base64
import binascii
import json
from datetime import datetime, timedelta, timezone

from flask import current_app
from sqlalchemy import and_, case, func, not_, or_, select, text

from . import audit
from .errors import DomainError
from .extensions import db
from .models import Member, Reconciliation, Submission, Unit, User, Visit, VisitAssignment, utcnow
from .schedules.day import roster_bookings
from .scope import in_scope, require_role, subtree_unit_ids
from .record_fields import ROSTER_COLUMNS
from .review.decisions import tablet_task
from .visits import user_names, visit_order

OVERLAP = timedelta(seconds=300)
MAX_AGE = timedelta(hours=24)
EPOCH = datetime(2020, 1, 1, tzinfo=timezone.utc)  # no cursor predates the software
# A transaction left open longer than this (a forgotten console) no longer holds cursors back.
HORIZON_LIMIT = timedelta(hours=1)
# The members-file columns (CONTRACT §4) a roster member carries when set, besides id, status, unit_name.
MEMBER_COLUMNS = ROSTER_COLUMNS
# A visit closed by someone else is announced with its status as the notice kind.
CLOSED_KINDS = ("done", "cancelled", "could_not_collect")


class InvalidCursor(DomainError):
    status, code, message = 400, "invalid_cursor", "The sync cursor is not valid; sync without one."


def encode_cursor(at: datetime, user: User) -> str:
    raw = json.dumps({"v": 1, "t": at.isoformat(), "u": user.id, "n": user.unit_id}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, user: User) -> tuple[datetime | None, bool]:
    """(the time a cursor stands for, whether a delta may be sent): no delta when it belongs to another
    user or unit (and then no time either: nothing of theirs applies) or is older than MAX_AGE."""
    try:
        if len(cursor) > 512:
            raise ValueError
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        at = datetime.fromisoformat(data["t"])
        if data["v"] != 1 or at.tzinfo is None or not EPOCH < at < utcnow() + timedelta(minutes=5):
            raise ValueError
    except (binascii.Error, ValueError, TypeError, KeyError, AttributeError, RecursionError):
        raise InvalidCursor() from None
    if (data.get("u"), data.get("n")) != (user.id, user.unit_id):
        return None, False
    return at, at >= utcnow() - MAX_AGE


def _horizon() -> datetime:
    """Now, or the start of the oldest other transaction still open (PostgreSQL), whichever is earlier."""
    now = utcnow()
    if db.engine.dialect.name == "postgresql":
        oldest = db.session.scalar(text(
            "SELECT min(xact_start) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND backend_type = 'client backend' AND xact_start IS NOT NULL"))
        if oldest is not None and oldest < now:
            return max(oldest.astimezone(timezone.utc), now - HORIZON_LIMIT)
    return now


def _overlap() -> timedelta:
    seconds = current_app.config.get("ROSTER_OVERLAP_SECONDS")
    return OVERLAP if seconds is None else timedelta(seconds=seconds)


def _member_dict(row) -> dict:
    member = {"id": row.id, "status": row.status}
    for name in MEMBER_COLUMNS:
        value = getattr(row, name)
        if value is None or value == "":
            continue
        member[name] = value.isoformat() if hasattr(value, "isoformat") else value
    member["unit_code"], member["unit_name"] = row.unit_code, row.unit_name
    if row.klass is not None:
        differing = {name: field for name, field in (row.rec_fields or {}).items() if field.get("result") != "match"}
        member["reconcile"] = {"class": row.klass, "fields": differing,
                               **tablet_task(row.decision, row.decision_note, row.decided_at, row.run_at,
                                             row.last_received_at)}
    return member


def _last_received():
    """When the newest record for the member arrived (only asked for members carrying a decision)."""
    newest = (select(func.max(Submission.received_at)).where(Submission.member_id == Member.id)
              .correlate(Member).scalar_subquery())
    return case((Reconciliation.decision == "send_back", newest), else_=None)


def roster_members(user: User, since: datetime | None) -> list[dict]:
    """Live members in scope changed since `since` (all when None), in one query."""
    stmt = (in_scope(select(Member.id, Member.status, *(getattr(Member, c) for c in MEMBER_COLUMNS),
                            Unit.code.label("unit_code"), Unit.name.label("unit_name"), Reconciliation.klass,
                            Reconciliation.fields.label("rec_fields"), Reconciliation.decision,
                            Reconciliation.decision_note, Reconciliation.decided_at, Reconciliation.run_at,
                            _last_received().label("last_received_at")), Member, user)
            .join(Unit, Member.unit_id == Unit.id)
            .outerjoin(Reconciliation, Reconciliation.member_id == Member.id)
            .where(Member.removed_at.is_(None)).order_by(Member.id))
    if since is not None:
        stmt = stmt.where(or_(Member.updated_at >= since, Reconciliation.run_at >= since,
                              Reconciliation.decided_at >= since))
    return [_member_dict(row) for row in db.session.execute(stmt)]


def roster_visits(user: User, since: datetime | None) -> list[dict]:
    """The caller's own open visits to live members in scope, changed since `since`."""
    stmt = (in_scope(select(Visit.id, Visit.member_id, Visit.kind, Visit.assignee_id, Visit.due_date,
                            Visit.status, Visit.note, Member.priority), Visit, user)
            .join(Member, Visit.member_id == Member.id)
            .where(Visit.assignee_id == user.id, Visit.status == "open", Member.removed_at.is_(None))
            .order_by(*visit_order()))
    if since is not None:
        stmt = stmt.where(Visit.updated_at >= since)
    return [{"id": r.id, "member_id": r.member_id, "kind": r.kind, "assignee_id": r.assignee_id,
             "due_date": r.due_date.isoformat() if r.due_date else None, "status": r.status, "note": r.note,
             "priority": r.priority} for r in db.session.execute(stmt)]


def _moved_out(user: User, since: datetime):
    """Members moved since `since` from a unit in the caller's subtree to one outside it."""
    units = subtree_unit_ids(user.unit)
    return and_(Member.moved_at >= since, Member.previous_unit_id.in_(units), Member.unit_id.not_in(units))


def removed_members(user: User, since: datetime) -> list[int]:
    """Members to drop from the tablet: removed from the roster, or moved out of the caller's subtree."""
    removed = in_scope(select(Member.id), Member, user).where(Member.removed_at >= since)
    moved = select(Member.id).where(_moved_out(user, since))
    return sorted(set(db.session.scalars(removed)) | set(db.session.scalars(moved)))


def removed_visits(user: User, since: datetime) -> tuple[list[int], list[dict]]:
    """Visits the caller held that are no longer theirs to do, and a notice for each one someone else settled.

    Covers reassignment away, closing by anyone (a notice only when someone else closed it), and the
    member's removal. Notices say who did what so nobody travels to a member already handled."""
    was_mine = or_(Visit.assignee_id == user.id, Visit.id.in_(
        select(VisitAssignment.visit_id).where(VisitAssignment.from_assignee_id == user.id,
                                               VisitAssignment.at >= since)))
    still_mine = and_(func.coalesce(Visit.assignee_id, 0) == user.id, Visit.status == "open",
                      Member.removed_at.is_(None))
    stmt = (in_scope(select(Visit.id, Visit.member_id, Visit.status, Visit.assignee_id, Visit.done_by_id,
                            Visit.outcome_reason, Visit.updated_at), Visit, user)
            .join(Member, Visit.member_id == Member.id)
            .where(or_(Visit.updated_at >= since, Member.removed_at >= since), was_mine, not_(still_mine))
            .order_by(Visit.id))
    rows = db.session.execute(stmt).all()
    away = {}
    for step in db.session.scalars(select(VisitAssignment).where(
            VisitAssignment.visit_id.in_([r.id for r in rows]), VisitAssignment.from_assignee_id == user.id)
            .order_by(VisitAssignment.id)):
        away[step.visit_id] = step  # the latest hand-over away from the caller wins
    names = user_names({r.assignee_id for r in rows} | {r.done_by_id for r in rows}
                       | {s.assigned_by_id for s in away.values()})
    notices = []
    for r in rows:
        if r.status in CLOSED_KINDS and r.done_by_id != user.id:
            notices.append({"visit_id": r.id, "member_id": r.member_id, "kind": r.status,
                            "to_user": names.get(r.assignee_id) if r.assignee_id != user.id else None,
                            "by_user": names.get(r.done_by_id), "reason": r.outcome_reason,
                            "at": r.updated_at.isoformat()})
        elif r.status == "open" and r.assignee_id != user.id and r.id in away:
            step = away[r.id]
            notices.append({"visit_id": r.id, "member_id": r.member_id, "kind": "reassigned",
                            "to_user": names.get(step.assignee_id), "by_user": names.get(step.assigned_by_id),
                            "reason": step.reason, "at": step.at.isoformat()})
    moved = db.session.scalars(select(Visit.id).join(Member, Visit.member_id == Member.id).where(
        Visit.assignee_id == user.id, Visit.status == "open", _moved_out(user, since)))
    return sorted({r.id for r in rows} | set(moved)), notices


def build_roster(user: User, cursor: str | None) -> dict:
    """The roster answer for `user`: full without a (usable) cursor, else the changes since it. Audited."""
    require_role(user, "officer")
    since, delta = decode_cursor(cursor, user) if cursor else (None, False)
    horizon = _horizon()
    window = since - _overlap() if since is not None else None
    body = {"cursor": encode_cursor(horizon, user), "full": not delta,
            "members": roster_members(user, window if delta else None),
            "visits": roster_visits(user, window if delta else None),
            "removed": {"members": [], "visits": []}, "notices": []}
    body["bookings"] = roster_bookings(user)  # §7: today's and tomorrow's arrivals, whole every time
    if delta:
        body["removed"]["members"] = removed_members(user, window)
    if window is not None:  # also after a long absence: the full visit list replaces, notices still explain
        body["removed"]["visits"], body["notices"] = removed_visits(user, window)
    audit.record("roster.download", user=user, object_type="roster", unit_id=user.unit_id,
                 outcome="delta" if delta else "full", members=len(body["members"]),
                 visits=len(body["visits"]), removed_members=len(body["removed"]["members"]),
                 removed_visits=len(body["removed"]["visits"]), notices=len(body["notices"]))
    db.session.commit()
    return body
