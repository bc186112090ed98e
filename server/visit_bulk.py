"""Bulk planning of home visits: every member of some units who needs one and has none yet.

A member qualifies when they are live, marked needs_home_visit, have no accepted submission, and have
no open visit and no could-not-collect visit (those are replanned one by one, with their reason in view).
So a second run with nothing changed creates nothing. Each member goes only to a chosen user whose own
scope holds the member's cell; members no chosen user can reach are counted as `skipped`, not guessed.
"""
from datetime import date

from sqlalchemy import exists, func, or_, select

from . import audit
from .extensions import db
from .models import Member, Submission, Unit, User, Visit, VisitAssignment
from .scope import in_scope, require_role, unit_in_scope
from .visits import eligible_assignee, priority_rank

STRATEGIES = ("round_robin", "least_load")


def _candidates(lead: User, units: list[Unit]) -> list[tuple[int, int, str]]:
    """(member id, unit id, unit path) of the members to plan, veterans first, locked against a parallel run."""
    in_units = or_(*(Unit.path.startswith(unit.path, autoescape=True) for unit in units))
    base = (in_scope(select(Member.id), Member, lead).join(Unit, Member.unit_id == Unit.id)
            .where(in_units, Member.removed_at.is_(None), Member.needs_home_visit.is_(True)))
    # Lock first, then look for visits in a new statement: under READ COMMITTED it sees a parallel run's.
    db.session.execute(base.with_for_update(of=Member))
    stmt = (base.add_columns(Member.unit_id, Unit.path)
            .where(~exists().where(Submission.member_id == Member.id),
                   ~exists().where(Visit.member_id == Member.id,
                                   Visit.status.in_(("open", "could_not_collect"))))
            .order_by(priority_rank(Member.priority), Member.id))
    return [tuple(row) for row in db.session.execute(stmt)]


def _open_loads(assignees: list[User]) -> dict[int, int]:
    counts = dict(db.session.execute(
        select(Visit.assignee_id, func.count(Visit.id))
        .where(Visit.assignee_id.in_([a.id for a in assignees]), Visit.status == "open")
        .group_by(Visit.assignee_id)).all())
    return {a.id: counts.get(a.id, 0) for a in assignees}


def distribute(members, assignees: list[User], strategy: str, loads: dict[int, int]) -> list[tuple[int, int | None]]:
    """Pair each (member id, unit id, unit path) with an assignee id, or None when nobody chosen can reach it.

    round_robin walks the chosen users in the order given, skipping those who cannot reach the member;
    least_load gives each member to the reachable user holding the fewest open visits (ties: order given)."""
    reach: dict[str, list[int]] = {}
    turn = 0
    order = {a.id: i for i, a in enumerate(assignees)}
    pairs = []
    for member_id, _unit_id, path in members:
        if path not in reach:
            reach[path] = [i for i, a in enumerate(assignees) if path.startswith(a.unit.path)]
        able = reach[path]
        if not able:
            pairs.append((member_id, None))
            continue
        if strategy == "least_load":
            chosen = min((assignees[i].id for i in able), key=lambda uid: (loads[uid], order[uid]))
        else:
            index = next((i for i in able if i >= turn), able[0])
            turn = index + 1 if index + 1 < len(assignees) else 0
            chosen = assignees[index].id
        loads[chosen] += 1
        pairs.append((member_id, chosen))
    return pairs


def bulk_plan(lead: User, unit_codes: list[str], assignee_ids: list[int], strategy: str = "round_robin",
              due_date: date | None = None, kind: str = "home") -> dict:
    """Create the missing visits for the chosen units and share them among the chosen users."""
    require_role(lead, "team_lead")
    units = [unit_in_scope(code, lead) for code in dict.fromkeys(unit_codes)]
    assignees = [eligible_assignee(lead, uid, []) for uid in dict.fromkeys(assignee_ids)]
    members = _candidates(lead, units)
    loads = _open_loads(assignees)
    pairs = distribute(members, assignees, strategy, dict(loads))
    visits = []
    for member_id, assignee_id in pairs:
        if assignee_id is None:
            continue
        visit = Visit(member_id=member_id, kind=kind, due_date=due_date, note="", status="open",
                      assignee_id=assignee_id, created_by_id=lead.id)
        visit.history.append(VisitAssignment(from_assignee_id=None, assignee_id=assignee_id,
                                             assigned_by_id=lead.id, reason="bulk"))
        visits.append(visit)
    db.session.add_all(visits)
    db.session.flush()
    per_assignee = {str(a.id): 0 for a in assignees}
    for visit in visits:
        per_assignee[str(visit.assignee_id)] += 1
    skipped = sum(1 for _, assignee_id in pairs if assignee_id is None)
    ids = [visit.id for visit in visits]
    audit.record("visit.bulk", user=lead, object_type="visit", unit_id=audit.common_unit_id(units) or lead.unit_id,
                 outcome="ok",
                 unit_ids=[u.id for u in units], strategy=strategy, created=len(ids), skipped=skipped,
                 per_assignee=per_assignee, visit_ids=ids)
    db.session.commit()
    return {"created": len(ids), "visits": ids, "per_assignee": per_assignee, "skipped": skipped}
