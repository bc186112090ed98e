"""Home and hospital visits: planning, assignment history, outcomes, closing.

Owns every change to a visit and to its assignment history. A visit may only be held by an active
officer, team lead or unit admin whose own scope holds the member (else the roster would never show it
to them). Every change is audited with ids and outcomes only. Never answers HTTP.
"""
from datetime import date

from sqlalchemy import case, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from . import audit
from .errors import Conflict, Forbidden, InvalidInput, NotFound
from .extensions import db
from .row_lock import lock_row
from .models import PRIORITIES, AuditEvent, Member, Submission, Unit, User, Visit, VisitAssignment
from .scope import MAX_ID, ROLE_RANK, in_scope, require_role, unit_in_scope

# Lists run by due date, then hand-over priority (veterans first), as DOMAIN.md orders the field work.
PRIORITY_RANK = {name: rank for rank, name in enumerate(PRIORITIES)}
OUTCOME_REASONS = ("not_home", "in_hospital_elsewhere", "deceased", "refused", "moved")
ASSIGNABLE_ROLES = ("officer", "team_lead", "unit_admin")
CLOSED = ("done", "could_not_collect", "cancelled")
# `status` filter values of the list: one status, "closed" (any of CLOSED) or "all".
STATUS_FILTERS = ("open", *CLOSED, "closed", "all")


def priority_rank(column):
    """An SQL expression ranking a priority column: veteran 0, former_central_committee 1, standard 2."""
    return case(PRIORITY_RANK, value=column, else_=len(PRIORITY_RANK))


def visit_order():
    """ORDER BY for visit lists: due date (undated last), member priority, then id for a stable order."""
    return (Visit.due_date.is_(None), Visit.due_date, priority_rank(Member.priority), Visit.id)


def close_for_submission(visit: Visit, submission: Submission) -> None:
    """A submission that names a visit closes it, whoever holds the visit by then."""
    if visit.status != "done":
        visit.status = "done"
        visit.done_submission_id = submission.id
        visit.done_by_id = submission.user_id


def close_for_member(submission: Submission) -> list[Visit]:
    """A member collected anywhere (at the station, say) needs no visit any more: close their open visits,
    so the holder's next roster sync removes it with a notice instead of sending them to the house."""
    if submission.member_id is None:
        return []
    visits = list(db.session.scalars(select(Visit).where(Visit.member_id == submission.member_id,
                                                         Visit.status == "open")))
    for visit in visits:
        close_for_submission(visit, submission)
    return visits


def _out_of_scope() -> InvalidInput:
    return InvalidInput("This user cannot hold visits for this member.", code="assignee_out_of_scope",
                        fields={"assignee_id": [{"code": "assignee_out_of_scope", "params": {}}]})


def eligible_assignee(lead: User, assignee_id: int | None, unit_paths) -> User:
    """The user `assignee_id` if the lead's scope holds them and their own scope holds every path in
    `unit_paths`; otherwise 422 assignee_out_of_scope (the same answer whether or not the user exists)."""
    user = None if not 0 < (assignee_id or 0) <= MAX_ID else db.session.scalar(
        in_scope(select(User).where(User.id == assignee_id), User, lead).options(joinedload(User.unit)))
    if (user is None or not user.active or user.role not in ASSIGNABLE_ROLES
            or not all(path.startswith(user.unit.path) for path in unit_paths)):
        raise _out_of_scope()
    return user


def _member_for_update(lead: User, member_id: int) -> Member:
    """The live member in scope, row-locked on PostgreSQL so two leads cannot both plan a first visit."""
    if not 0 < member_id <= MAX_ID:
        raise NotFound()
    member = db.session.scalar(in_scope(select(Member).where(Member.id == member_id), Member, lead)
                               .with_for_update(of=Member))
    if member is None or member.removed_at is not None:
        raise NotFound()
    return member


def lock_members(member_ids) -> None:
    """Row-lock members on PostgreSQL before checking their open visits. The check that follows is a new
    statement, so under READ COMMITTED it sees whatever a concurrent planner committed meanwhile."""
    db.session.execute(select(Member.id).where(Member.id.in_(list(member_ids))).with_for_update())


def _visit_for_update(user: User, visit_id: int) -> Visit:
    if not 0 < visit_id <= MAX_ID:
        raise NotFound()
    lock_row(Visit, visit_id)  # FOR UPDATE below does nothing on SQLite
    visit = db.session.scalar(in_scope(select(Visit).where(Visit.id == visit_id), Visit, user)
                              .with_for_update(of=Visit).execution_options(populate_existing=True))
    if visit is None:
        raise NotFound()
    return visit


def _has_open_visit(member_id: int, other_than: int | None = None) -> bool:
    stmt = select(Visit.id).where(Visit.member_id == member_id, Visit.status == "open")
    if other_than is not None:
        stmt = stmt.where(Visit.id != other_than)
    return db.session.scalar(stmt.limit(1)) is not None


def _hand_to(visit: Visit, assignee: User, lead: User, reason: str) -> None:
    """Give the visit to `assignee` and write the step into its history."""
    visit.history.append(VisitAssignment(from_assignee_id=visit.assignee_id, assignee_id=assignee.id,
                                         assigned_by_id=lead.id, reason=reason or ""))
    visit.assignee_id = assignee.id


def create_visit(lead: User, member_id: int, kind: str, assignee_id: int, due_date: date | None,
                 note: str = "") -> Visit:
    """Plan a visit to one member; its history starts with the first assignment."""
    require_role(lead, "team_lead")
    member = _member_for_update(lead, member_id)
    assignee = eligible_assignee(lead, assignee_id, [member.unit.path])
    if _has_open_visit(member.id):
        raise Conflict("This member already has an open visit.", code="visit_exists")
    visit = Visit(member=member, kind=kind, due_date=due_date, note=note or "", status="open",
                  created_by_id=lead.id)
    _hand_to(visit, assignee, lead, "")
    db.session.add(visit)
    try:
        db.session.flush()
    except IntegrityError:  # a concurrent create won the race: the partial unique index decides
        db.session.rollback()
        raise Conflict("This member already has an open visit.", code="visit_exists")
    audit.record("visit.create", user=lead, object_type="visit", object_id=visit.id, unit_id=member.unit_id,
                 outcome="ok", member_id=member.id, assignee_id=assignee.id, kind=kind)
    db.session.commit()
    return visit


def assign_visit(lead: User, visit_id: int, assignee_id: int, reason: str = "") -> Visit:
    """Hand an open visit to another user in scope; the history grows by one step."""
    require_role(lead, "team_lead")
    visit = _visit_for_update(lead, visit_id)
    if visit.status != "open":
        raise Conflict("Only an open visit can be reassigned.", code="visit_closed")
    previous = visit.assignee_id
    _hand_to(visit, eligible_assignee(lead, assignee_id, [visit.member.unit.path]), lead, reason)
    audit.record("visit.assign", user=lead, object_type="visit", object_id=visit.id,
                 unit_id=visit.member.unit_id, outcome="ok", from_assignee_id=previous, assignee_id=assignee_id)
    db.session.commit()
    return visit


def _outcome_already_recorded(visit: Visit, client_id: str) -> bool:
    """True when this client_id already closed this visit: the audit trail is the idempotency record."""
    details = db.session.scalars(select(AuditEvent.detail).where(
        AuditEvent.action == "visit.outcome", AuditEvent.object_id == str(visit.id), AuditEvent.outcome == "ok"))
    return any(detail.get("client_id") == client_id for detail in details)


def record_outcome(user: User, visit_id: int, reason: str, note: str = "", client_id: str | None = None) -> Visit:
    """Record that the member could not be collected; a resend with the same client_id changes nothing."""
    require_role(user, "officer")
    visit = _visit_for_update(user, visit_id)
    if client_id and _outcome_already_recorded(visit, client_id):
        return visit
    if ROLE_RANK[user.role] < ROLE_RANK["team_lead"] and visit.assignee_id != user.id:
        held = db.session.scalar(select(VisitAssignment.id).where(
            VisitAssignment.visit_id == visit.id, VisitAssignment.assignee_id == user.id).limit(1))
        if held is None:
            raise Forbidden("Only the visit's assignee or a team lead may record its outcome.")
        # A former holder's late report must not close a visit someone else is now travelling to.
        raise Conflict("This visit has been given to someone else.", code="visit_reassigned")
    if visit.status != "open":
        raise Conflict("This visit is already closed.", code="visit_closed")
    visit.status, visit.outcome_reason, visit.outcome_note = "could_not_collect", reason, note or None
    visit.done_by_id = user.id
    audit.record("visit.outcome", user=user, object_type="visit", object_id=visit.id,
                 unit_id=visit.member.unit_id, outcome="ok", result="could_not_collect", reason=reason,
                 client_id=client_id)
    db.session.commit()
    return visit


def replan_visit(lead: User, visit_id: int, assignee_id: int, due_date: date | None, reason: str = "") -> Visit:
    """Reopen a visit that could not be done (or was cancelled) for a new assignee and date."""
    require_role(lead, "team_lead")
    visit = _visit_for_update(lead, visit_id)
    if visit.status == "open":
        raise Conflict("This visit is still open; reassign it instead.", code="visit_open")
    if visit.status == "done":
        raise Conflict("This visit is done.", code="visit_closed")
    if visit.member.removed_at is not None:
        raise NotFound()
    lock_members([visit.member_id])
    if _has_open_visit(visit.member_id, other_than=visit.id):
        raise Conflict("This member already has an open visit.", code="visit_exists")
    previous_status = visit.status
    _hand_to(visit, eligible_assignee(lead, assignee_id, [visit.member.unit.path]), lead, reason)
    # outcome_reason stays: the next holder should know why the last attempt failed.
    visit.status, visit.due_date, visit.done_by_id = "open", due_date, None
    audit.record("visit.replan", user=lead, object_type="visit", object_id=visit.id,
                 unit_id=visit.member.unit_id, outcome="ok", from_status=previous_status, assignee_id=assignee_id)
    db.session.commit()
    return visit


def list_visits(user: User, assignee: str | None = None, status: str = "open", unit_code: str | None = None,
                due_before: date | None = None) -> list[Visit]:
    """Visits in scope, filtered. Officers list only their own; leads anyone's (all when `assignee` is None)."""
    require_role(user, "officer")
    if assignee is None and ROLE_RANK[user.role] < ROLE_RANK["team_lead"]:
        assignee = "me"
    assignee_id = None
    if assignee is not None:
        assignee_id = user.id if assignee == "me" else int(assignee) if assignee.isdigit() else -1
        if assignee_id != user.id and ROLE_RANK[user.role] < ROLE_RANK["team_lead"]:
            raise Forbidden("Officers list only their own visits.")
    stmt = (in_scope(select(Visit), Visit, user).join(Visit.member).join(Member.unit)
            .options(contains_eager(Visit.member).contains_eager(Member.unit), selectinload(Visit.history))
            .order_by(*visit_order()))
    if assignee_id is not None:
        stmt = stmt.where(Visit.assignee_id == assignee_id)
    if status == "closed":
        stmt = stmt.where(Visit.status.in_(CLOSED))
    elif status != "all":
        stmt = stmt.where(Visit.status == status)
    if unit_code:
        stmt = stmt.where(Unit.path.startswith(unit_in_scope(unit_code, user).path, autoescape=True))
    if due_before:
        stmt = stmt.where(Visit.due_date < due_before)
    return list(db.session.scalars(stmt))


def get_visit(user: User, visit_id: int) -> Visit:
    """One visit in scope; officers see only visits they hold or held."""
    require_role(user, "officer")
    visit = None if not 0 < visit_id <= MAX_ID else db.session.scalar(
        in_scope(select(Visit).where(Visit.id == visit_id), Visit, user))
    if visit is None:
        raise NotFound()
    if ROLE_RANK[user.role] < ROLE_RANK["team_lead"] and user.id not in (
            visit.assignee_id, *(step.assignee_id for step in visit.history)):
        raise NotFound()
    return visit


def user_names(ids) -> dict[int, str]:
    """Display names of users by id, in one query (visits and notices name the people involved)."""
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    rows = db.session.execute(select(User.id, User.display_name, User.username).where(User.id.in_(ids)))
    return {row.id: row.display_name or row.username for row in rows}


def describe(visits: list[Visit]) -> list[dict]:
    """Visits as plain dicts for the API: the contract's VISIT plus what the field needs to find the member."""
    names = user_names({v.assignee_id for v in visits} | {v.done_by_id for v in visits}
                       | {s.assigned_by_id for v in visits for s in v.history})
    out = []
    for v in visits:
        member = v.member
        out.append({
            "id": v.id, "member_id": v.member_id, "kind": v.kind, "assignee_id": v.assignee_id,
            "due_date": v.due_date, "note": v.note, "status": v.status,
            "history": [{"assignee_id": s.assignee_id, "from_assignee_id": s.from_assignee_id,
                         "assigned_by": s.assigned_by_id, "assigned_by_name": names.get(s.assigned_by_id),
                         "reason": s.reason, "at": s.at} for s in v.history],
            "assignee_name": names.get(v.assignee_id), "member_code": member.member_code,
            "member_name": member.full_name, "unit_code": member.unit.code, "unit_name": member.unit.name,
            "priority": member.priority, "permanent_address": member.permanent_address, "phone": member.phone,
            "home_visit_note": member.home_visit_note, "outcome_reason": v.outcome_reason,
            "outcome_note": v.outcome_note, "done_by": v.done_by_id, "done_by_name": names.get(v.done_by_id),
            "done_submission_id": v.done_submission_id, "updated_at": v.updated_at,
        })
    return out

