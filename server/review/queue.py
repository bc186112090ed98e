"""The review queue: what a unit admin must look at, shown side by side (decisions: decisions.py).

Two kinds of item. A *submission* item is an accepted record `needs_review` that nobody has reviewed
since the member's registry comparison last changed. A *member* item is a member whose party record
is in `mismatch`/`not_found`/`ambiguous` with no current decision and no open submission item (that
one already shows the party record beside the submitted one and the registry).

A decision is *current* until the comparison changes after it (`run_at > decided_at`); then the item
comes back. Reading the queue never writes: a member not yet reconciled is matched on the fly.
"""
from __future__ import annotations

from sqlalchemy import and_, exists, func, or_, select

from ..extensions import db
from ..models import Member, Photo, Reconciliation, RegistryRecord, Submission, Unit, User
from ..reconcile import PERSON_FIELDS, REVIEW_CLASSES, decision_is_stale, person_of
from ..registry import compare_fields, match_person, registry_client
from ..scope import get_in_scope, in_scope, subtree_unit_ids, unit_in_scope

KINDS = ("submission", "member")
SHOWN_FIELDS = (*PERSON_FIELDS, "permanent_address")
DIFFERING = ("minor", "mismatch", "missing")


# ---- the queue ---------------------------------------------------------------------------------

def _changed_since_review():
    return exists().where(Reconciliation.member_id == Submission.member_id,
                          Reconciliation.run_at > Submission.reviewed_at)


def open_submission_clause():
    """SQL: a submission still waiting for a reviewer."""
    return and_(Submission.status == "needs_review",
                or_(Submission.reviewed_at.is_(None), _changed_since_review()))


def resolved_by_field_clause():
    """SQL (over Member): a collected record for the member arrived verified — the field settled what the party
    record got wrong (it matched the registry), so the old difference is no longer an open mismatch."""
    return exists().where(Submission.member_id == Member.id, Submission.status == "verified")


def open_member_clause():
    """SQL (over Member joined to Reconciliation): a party record still waiting for a decision."""
    has_open_submission = exists().where(Submission.member_id == Member.id, open_submission_clause())
    return and_(Reconciliation.klass.in_(REVIEW_CLASSES), Member.removed_at.is_(None),
                or_(Reconciliation.decision.is_(None), Reconciliation.run_at > Reconciliation.decided_at),
                ~has_open_submission, ~resolved_by_field_clause())


def _submission_query(user: User, unit: Unit, klass: str | None, field: str | None):
    stmt = in_scope(select(Submission), Submission, user).where(
        Submission.unit_id.in_(subtree_unit_ids(unit)), open_submission_clause())
    if klass:
        stmt = stmt.where(Submission.registry_result["class"].as_string() == klass)
    if field:
        stmt = stmt.where(Submission.registry_result[("fields", field, "result")].as_string().in_(DIFFERING))
    return stmt.order_by(Submission.id)


def _member_query(user: User, unit: Unit, klass: str | None, field: str | None):
    stmt = (in_scope(select(Member, Reconciliation), Member, user)
            .join(Reconciliation, Reconciliation.member_id == Member.id)
            .where(Member.unit_id.in_(subtree_unit_ids(unit)), open_member_clause()))
    if klass:
        stmt = stmt.where(Reconciliation.klass == klass)
    if field:
        stmt = stmt.where(Reconciliation.fields[(field, "result")].as_string().in_(DIFFERING))
    return stmt.order_by(Member.id)


def _count(stmt) -> int:
    return db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))


def list_items(user: User, unit_code: str | None = None, klass: str | None = None, field: str | None = None,
               kind: str | None = None, page: int = 1, per_page: int = 20) -> dict:
    """One page of the queue: open submission items first (oldest first), then member items."""
    unit = unit_in_scope(unit_code, user) if unit_code else user.unit
    kinds = (kind,) if kind else KINDS
    queries = {"submission": _submission_query(user, unit, klass, field) if "submission" in kinds else None,
               "member": _member_query(user, unit, klass, field) if "member" in kinds else None}
    totals = {name: _count(stmt) if stmt is not None else 0 for name, stmt in queries.items()}
    resolved = _count(in_scope(select(Member.id), Member, user).join(
        Reconciliation, Reconciliation.member_id == Member.id).where(
        Member.unit_id.in_(subtree_unit_ids(unit)), Reconciliation.klass.in_(REVIEW_CLASSES),
        Member.removed_at.is_(None), resolved_by_field_clause()))
    offset, items = (page - 1) * per_page, []
    if queries["submission"] is not None and offset < totals["submission"]:
        subs = db.session.scalars(queries["submission"].offset(offset).limit(per_page)).all()
        loaded = _preload(subs)  # held until the items are built: the session's identity map is weak
        items += [submission_item(sub) for sub in subs]
        del loaded
    if queries["member"] is not None and len(items) < per_page:
        member_offset = max(0, offset - totals["submission"])
        rows = db.session.execute(queries["member"].offset(member_offset).limit(per_page - len(items))).all()
        items += [member_item(member, rec) for member, rec in rows]
    return {"items": items, "page": page, "per_page": per_page, "total": sum(totals.values()),
            "totals": totals, "resolved_by_field": resolved,
            "unit": {"code": unit.code, "name": unit.name, "kind": unit.kind}}


def _preload(subs: list[Submission]) -> list:
    """Load the page's members, reconciliations, registry records and units in one query each, so building
    the items finds them in the session instead of asking the database item by item."""
    member_ids = {sub.member_id for sub in subs if sub.member_id}
    registry_ids = {(sub.registry_result or {}).get("registry_id") for sub in subs} - {None}
    loaded = list(db.session.scalars(select(Unit).where(Unit.id.in_({sub.unit_id for sub in subs}))))
    if member_ids:
        loaded += db.session.scalars(select(Member).where(Member.id.in_(member_ids))).all()
        loaded += db.session.scalars(select(Reconciliation).where(Reconciliation.member_id.in_(member_ids))).all()
    if registry_ids:
        loaded += db.session.scalars(select(RegistryRecord).where(RegistryRecord.id.in_(registry_ids))).all()
    return loaded


# ---- one item, side by side --------------------------------------------------------------------

def _registry_dict(record: RegistryRecord) -> dict:
    return {"citizen_id": record.citizen_id, **{name: getattr(record, name) for name in SHOWN_FIELDS}}


def decision_dict(rec: Reconciliation | None) -> dict | None:
    if rec is None or rec.decision is None:
        return None
    return {"decision": rec.decision, "note": rec.decision_note or "", "decided_by_id": rec.decided_by_id,
            "decided_at": rec.decided_at.isoformat() if rec.decided_at else None, "stale": decision_is_stale(rec)}


def _side_by_side(member: Member | None, submitted: dict | None, record: RegistryRecord | None) -> list[dict]:
    party = compare_fields(person_of(member), record) if member is not None and record is not None else {}
    theirs = compare_fields(submitted, record) if submitted is not None and record is not None else {}
    return [{"name": name,
             "party": getattr(member, name) if member is not None else None,
             "submitted": (submitted or {}).get(name) if submitted is not None else None,
             "registry": getattr(record, name) if record is not None else None,
             "party_result": party.get(name, {}).get("result"),
             "submitted_result": theirs.get(name, {}).get("result")} for name in SHOWN_FIELDS]


def _build(kind: str, member: Member | None, rec: Reconciliation | None, sub: Submission | None) -> dict:
    client = registry_client()
    if sub is not None:
        result = match_person({name: sub.fields.get(name) for name in PERSON_FIELDS}, client)
    elif rec is not None:
        result = rec
    else:
        result = match_person(person_of(member), client)
    klass = result.klass
    record = db.session.get(RegistryRecord, result.registry_id) if result.registry_id else None
    candidates = []
    if klass == "ambiguous" and result.candidates:
        found = client.by_citizen_ids(result.candidates)
        candidates = [_registry_dict(found[cid]) for cid in result.candidates if cid in found]
    unit = member.unit if member is not None else db.session.get(Unit, sub.unit_id)
    return {
        "kind": kind, "id": sub.id if kind == "submission" else member.id,
        "member_id": member.id if member is not None else None,
        "member_code": member.member_code if member is not None else None,
        "member_status": member.status if member is not None else None,
        "unit": {"code": unit.code, "name": unit.name},
        "class": klass,
        "reasons": list(sub.review_reasons or []) if sub is not None else [],
        "submission": None if sub is None else {
            "id": sub.id, "status": sub.status, "captured_at": sub.captured_at.isoformat(),
            "received_at": sub.received_at.isoformat(), "location_kind": sub.location_kind, "user_id": sub.user_id,
            "photo_sha256": sub.photo_sha256, "photo_quality": _quality(sub.photo_sha256),
            "identity_source": sub.identity_source},
        "resolved_by_field": bool(member is not None and rec is not None and rec.klass in REVIEW_CLASSES
                                  and db.session.scalar(select(resolved_by_field_clause().where(
                                      Member.id == member.id)))),
        "registry_citizen_id": record.citizen_id if record is not None else None,
        "candidates": candidates,
        "fields": _side_by_side(member, sub.fields if sub is not None else None, record),
        "decision": decision_dict(rec),
    }


def _quality(sha: str | None) -> dict | None:
    """The portrait's quality report as the photo endpoint made it (verdict pass/warn and each check)."""
    return db.session.scalar(select(Photo.quality).where(Photo.sha256 == sha)) if sha else None


def submission_item(sub: Submission) -> dict:
    member = db.session.get(Member, sub.member_id) if sub.member_id else None
    rec = db.session.get(Reconciliation, sub.member_id) if sub.member_id else None
    return _build("submission", member, rec, sub)


def member_item(member: Member, rec: Reconciliation | None = None) -> dict:
    return _build("member", member, rec or db.session.get(Reconciliation, member.id), None)


def get_item(kind: str, ident: int, user: User) -> dict:
    """One item by kind and id, if the caller's scope holds it (else NotFound)."""
    if kind == "submission":
        return submission_item(get_in_scope(Submission, ident, user))
    return member_item(get_in_scope(Member, ident, user))


