"""Decisions on review items, and what each does to the member record and the statuses.

Decisions live on the member's Reconciliation row (decision, note, who, when) — the one place the roster
reads for the tablet — and a submission item also gets `reviewed_at`/`reviewed_by_id`.

- accept_submitted: the member record takes the submitted fields; the submission is verified.
- accept_registry: the member record takes the registry's value for each field that differs; verified.
- citizen_must_update_registry: recorded with a note. The submission stays `needs_review` on purpose:
  the chip card is tied to the registry, so the record is not verified until the registry agrees.
  The item leaves the queue, is listed in the per-cell export for signature, and comes back by itself
  when a rerun after the next registry import sees the comparison change.
- send_back: recorded with a note; the roster carries it to the officer's tablet as a task until a
  new record for the member arrives (`tablet_task`).
Member status follows `server.members.refresh_status`, so progress counts move with every decision.
Never logs or audits names, IDs or notes: audit rows carry ids, the decision and changed field names.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from .. import audit
from ..errors import Conflict, InvalidInput, NotFound
from ..extensions import db
from ..members import refresh_status
from ..models import Member, Reconciliation, RegistryRecord, Submission, User, utcnow
from ..record_fields import ITEM_FIELDS
from ..reconcile import PERSON_FIELDS, person_of, reconcile_member
from ..registry import compare_fields, match_person, registry_client
from ..row_lock import lock_row
from .queue import decision_dict
from ..scope import get_in_scope, in_scope
from ..text import clean_text, name_key

DECISIONS = ("accept_submitted", "accept_registry", "citizen_must_update_registry", "send_back")
NOTE_REQUIRED = ("citizen_must_update_registry", "send_back")
# Submitted fields a member record may take over: every item field is a member column.
MEMBER_FIELDS = ITEM_FIELDS


def _parse_date(value):
    return date.fromisoformat(value) if isinstance(value, str) and value else value


def take_submitted(member: Member, fields: dict) -> list[str]:
    """Copy the submitted values onto the member record; returns the names that changed."""
    changed = []
    for name in MEMBER_FIELDS:
        value = fields.get(name)
        if value in (None, ""):
            continue
        if name in ("party_join_date", "party_official_date"):
            value = _parse_date(value)
        elif isinstance(value, str):
            value = clean_text(value)
        if getattr(member, name) != value:
            setattr(member, name, value)
            changed.append(name)
    _refresh_keys(member, changed)
    return changed


def take_registry(member: Member, record: RegistryRecord) -> list[str]:
    """Give the member the registry's value for each compared field that differs; returns their names."""
    changed = []
    for name, field in compare_fields(person_of(member), record).items():
        value = getattr(record, name)
        if field["result"] != "match" and value not in (None, ""):
            setattr(member, name, value)
            changed.append(name)
    _refresh_keys(member, changed)
    return changed


def _refresh_keys(member: Member, changed: list[str]) -> None:
    if "full_name" in changed:
        member.name_key = name_key(member.full_name)
    if "date_of_birth" in changed:
        member.birth_year = int(member.date_of_birth[:4])
    if changed:
        member.updated_at = utcnow()


def _chosen_record(offered, wanted_cid: str | None) -> RegistryRecord:
    """The registry record an accept_registry decision takes: the one compared, or a named candidate."""
    allowed = set(offered.candidates or [])
    record = db.session.get(RegistryRecord, offered.registry_id) if offered.registry_id else None
    if record is not None:
        allowed.add(record.citizen_id)
    if wanted_cid:
        if wanted_cid not in allowed:
            raise InvalidInput("Choose one of the registry records shown.",
                               fields={"registry_citizen_id": [{"code": "not_a_candidate", "params": {}}]})
        return registry_client().by_citizen_id(wanted_cid)
    if record is None:
        code = "choose_candidate" if allowed else "no_registry_record"
        raise InvalidInput("There is no single registry record to take values from.", code=code,
                           fields={"registry_citizen_id": [{"code": code, "params": {}}]})
    return record


def _latest_submission(member: Member) -> Submission | None:
    return db.session.scalar(select(Submission).where(Submission.member_id == member.id)
                             .order_by((Submission.status == "needs_review").desc(), Submission.received_at.desc(),
                                       Submission.id.desc()).limit(1))


def _record(member: Member, sub: Submission | None, body: dict, user: User, changed: list[str]) -> Reconciliation:
    """Re-match the member (its record may have changed), store the decision after it, refresh status."""
    rec = reconcile_member(member)
    now = max(utcnow(), rec.run_at)  # never before run_at: the decision must read as current
    rec.decision, rec.decision_note = body["decision"], (body.get("note") or "").strip() or None
    rec.decided_by_id, rec.decided_at = user.id, now
    if sub is not None:
        sub.reviewed_at, sub.reviewed_by_id = now, user.id
    refresh_status(member)
    audit.record("review.decision", user=user, object_type="submission" if sub is not None else "member",
                 object_id=sub.id if sub is not None else member.id, unit_id=member.unit_id,
                 outcome=body["decision"], member_id=member.id, submission_id=sub.id if sub is not None else None,
                 changed=changed)
    return rec


def _check_note(body: dict) -> None:
    if body["decision"] in NOTE_REQUIRED and not (body.get("note") or "").strip():
        raise InvalidInput(fields={"note": [{"code": "required", "params": {}}]})


def _apply(member: Member, sub: Submission | None, body: dict) -> tuple[list[str], Submission | None]:
    """Change the member record as the decision says; returns changed field names and the submission used."""
    decision = body["decision"]
    if decision == "accept_submitted":
        sub = sub or _latest_submission(member)
        if sub is None:
            raise InvalidInput("This member has no submitted record to accept.", code="no_submission")
        changed = take_submitted(member, sub.fields)
        sub.status = "verified"
        return changed, sub
    if decision == "accept_registry":
        offered = (match_person({name: sub.fields.get(name) for name in PERSON_FIELDS}) if sub is not None
                   else reconcile_member(member))
        changed = take_registry(member, _chosen_record(offered, body.get("registry_citizen_id")))
        if sub is not None:
            sub.status = "verified"
        return changed, sub
    return [], sub


def _named_member(body: dict, user) -> Member:
    """The member a reviewer names by the code people see (or, from older clients, the internal id), in scope."""
    name = "member_code" if body.get("member_code") else "member_id"
    try:
        if name == "member_code":
            member = db.session.scalar(in_scope(select(Member).where(
                Member.member_code == body["member_code"].strip(), Member.removed_at.is_(None)), Member, user))
            if member is None:
                raise NotFound()
            return member
        return get_in_scope(Member, body["member_id"], user)
    except NotFound:
        raise InvalidInput(fields={name: [{"code": "not_found", "params": {}}]}) from None


def decide_submission(ident: int, body: dict, user: User) -> dict:
    """Apply a decision to a submission item; the member record and statuses follow. Commits."""
    _check_note(body)
    sub = get_in_scope(Submission, ident, user)
    # The member before its submission, always, so two decisions never wait for each other in a circle.
    if sub.member_id is not None:
        lock_row(Member, sub.member_id)
    lock_row(Submission, sub.id)
    db.session.refresh(sub)
    if sub.status != "needs_review":
        raise Conflict("This record is already verified.", code="already_verified")
    if sub.member_id is None:  # someone the roster lacked: the reviewer names the member first
        if not body.get("member_id") and not body.get("member_code"):
            raise InvalidInput("Name the member this record belongs to.", code="member_required",
                               fields={"member_code": [{"code": "required", "params": {}}]})
        member = _named_member(body, user)
        sub.member_id, sub.unit_id = member.id, member.unit_id
    else:
        member = db.session.get(Member, sub.member_id)
    changed, sub = _apply(member, sub, body)
    _record(member, sub, body, user, changed)
    db.session.commit()
    return decision_result(member, sub)


def decide_member(ident: int, body: dict, user: User) -> dict:
    """Apply a decision to a member item (the party record against the registry). Commits."""
    _check_note(body)
    member = get_in_scope(Member, ident, user)
    lock_row(Member, member.id)
    db.session.refresh(member)
    if member.removed_at is not None:
        raise NotFound()
    changed, sub = _apply(member, None, body)
    _record(member, sub, body, user, changed)
    db.session.commit()
    return decision_result(member, sub)


def decision_result(member: Member, sub: Submission | None) -> dict:
    rec = db.session.get(Reconciliation, member.id)
    return {"member": {"id": member.id, "status": member.status},
            "submission": None if sub is None else {"id": sub.id, "status": sub.status},
            "class": rec.klass, "decision": decision_dict(rec)}


def tablet_task(decision: str | None, note: str | None, decided_at, run_at, last_received_at=None) -> dict:
    """What the roster tells the tablet of a decision ({"decision", "note"}), or {} once it no longer holds:
    when it is stale (the comparison changed after it: see reconcile.decision_is_stale) or, for a send-back,
    when a record for the member arrived after it (the task is done)."""
    if decision is None or decided_at is None or (run_at is not None and run_at > decided_at):
        return {}
    if decision == "send_back" and last_received_at is not None and last_received_at > decided_at:
        return {}
    return {"decision": decision, **({"note": note} if note else {})}
