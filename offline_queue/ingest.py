"""Batch ingest of offline submissions (CONTRACT §5): each item of a parsed envelope on its own.

Group commit: the items of a batch are committed together, GROUP items at a time, and the answer is sent only
after the last group's durable commit. A group is first tried without a savepoint per item (an item that fails
validation is answered, not raised, so it needs none); if a constraint speaks (a client_id stored meanwhile by a
concurrent request), the group is rolled back whole and done again with each item in its own SAVEPOINT, where a
failing item rolls back its savepoint alone (it stands alone). An unexpected error rolls back the open group and
answers 500, so nothing of it was promised. One fsync per group instead of one per item; groups bound how long a batch
holds SQLite's write lock (and, on PostgreSQL, its members' row locks).

What the items of a group name (prior client_ids, members, photos, registry rows, ...) is asked once for
the whole group (offline_queue.lookups), and what accepted items change besides their own rows is written
once per group, before its commit; an item's savepoint holds its insert, where the unique client_id speaks.

Idempotency rests on the UNIQUE constraint on submissions.client_id, never on a check alone: a second
insert of a client_id *is* the duplicate, and the stored content hash decides duplicate vs. reused id.
Every item is answered and audited; a rejected item is kept whole in rejected_payloads. This module
must never answer before an accepted item is committed, nor let one item's failure touch another.
"""
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from offline_queue.canonical import content_hash
from offline_queue.item_fields import ClientId
from offline_queue.kept import keepable
from offline_queue.lookups import GroupLookups, ItemLookups, in_range
from offline_queue.validation import validate_item
from server.extensions import db
from server.record_fields import PERSON_FIELDS
from server.models import Member, RejectedPayload, Submission, User, Visit, utcnow
from server.registry import match_person
from server.scope import in_scope

_CLIENT_ID = ClientId()  # the one definition of a valid client_id
# Optional item keys whose default means the same as leaving the key out: an older tablet that never sends
# identity_source and a newer one sending "typed" write the same item, so they hash the same (and hashes
# stored before the key existed still match a replay).
_DEFAULTS = {"identity_source": "typed"}


def item_hash(raw, key: str | None) -> str:
    """The content hash that decides duplicate vs. client_id_reused (keys at their default left out)."""
    if not isinstance(raw, dict):
        return content_hash(raw)
    item = {name: value for name, value in raw.items() if not (name in _DEFAULTS and value == _DEFAULTS[name])}
    return content_hash({**item, "client_id": key} if key else item)


@dataclass
class ItemResult:
    client_id: str | None
    outcome: str
    submission_id: int | None = None
    status: str | None = None
    errors: list = field(default_factory=list)
    accepted: tuple | None = field(default=None, repr=False)  # (submission, member, visit, earlier statuses)

    def as_dict(self) -> dict:
        return {"client_id": self.client_id, "outcome": self.outcome, "submission_id": self.submission_id,
                "status": self.status, "errors": self.errors}


@dataclass
class Batch:
    """What every item of one request shares."""

    user_id: int
    device_id: str
    now: datetime
    tolerance_seconds: int

    @property
    def user(self) -> User:
        return db.session.get(User, self.user_id)


# Items per durable commit. A group's own work (its look-ups, the counters, audit rows and daily totals, the commit)
# is shared by its items: 25 cost 0.7 ms CPU an item on SQLite and 1.2 on PostgreSQL where 10 cost 1.1 and 1.75
# (in-process, this machine). A group holds SQLite's write lock, or its members' row locks, about 20 ms.
GROUP = 25


@dataclass
class Prepared:
    """One item as received, with what needs no database: its key, content hash and validation."""

    raw: object
    key: str | None
    digest: str
    data: dict
    errors: list


def prepare(batch: Batch, raw) -> Prepared:
    key = client_id(raw)
    data, errors = validate_item(raw, now=batch.now, tolerance_seconds=batch.tolerance_seconds)
    return Prepared(raw, key, item_hash(raw, key), data, errors)


def ingest_batch(user: User, device_id: str, items: list, *, tolerance_seconds: int) -> list[dict]:
    """Ingest each item in its own savepoint, commit each group durably, answer one result per item, in order."""
    batch = Batch(user.id, device_id, utcnow(), tolerance_seconds)
    prefetch = current_app.config.get("INGEST_PREFETCH", True)
    results = []
    db.session.commit()  # whatever the request did before is its own business, not the first group's
    for start in range(0, len(items), GROUP):
        prepared = [prepare(batch, raw) for raw in items[start:start + GROUP]]  # no database: before the lock
        try:
            # First without a savepoint per item: nearly every group meets no constraint, and two statements an
            # item (SAVEPOINT, RELEASE, with a flush before each) were a third of a group's round trips.
            results += _ingest_group(batch, prepared, prefetch, isolated=False)
        except IntegrityError:
            # A concurrent request stored one of these client_ids (or the like) meanwhile: the group was rolled
            # back whole, nothing of it committed or answered. Again, each item in its own savepoint, where the
            # constraint that spoke is answered item by item.
            results += _ingest_group(batch, prepared, prefetch, isolated=True)
    return results


def _ingest_group(batch: Batch, prepared: list, prefetch: bool, *, isolated: bool) -> list[dict]:
    with _group():
        look = GroupLookups(batch, prepared) if prefetch else ItemLookups(batch)
        results = [ingest_item(batch, item, look, isolated=isolated).as_dict() for item in prepared]
        look.finish()
    return results


@contextmanager
def _group():
    """One transaction for a group of items, committed durably on the way out (rolled back on an error)."""
    if db.session.get_bind().dialect.name == "sqlite":
        # Take the write lock at once: reads made in a deferred transaction could not be upgraded to a
        # write once another process has committed (SQLITE_BUSY_SNAPSHOT, immune to busy_timeout).
        db.session.connection().exec_driver_sql("BEGIN IMMEDIATE")
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def client_id(raw) -> str | None:
    """The item's client_id as the key it is stored under, or None when it cannot be one."""
    value = raw.get("client_id") if isinstance(raw, dict) else None
    try:
        return _CLIENT_ID.deserialize(value)
    except ValidationError:
        return None


def echo(raw) -> str | None:
    """The client_id as sent, to answer with (whatever it is, if it is short text)."""
    value = raw.get("client_id") if isinstance(raw, dict) else None
    return value if isinstance(value, str) and len(value) <= 128 else None


def ingest_item(batch: Batch, item: Prepared, look: ItemLookups, *, isolated: bool = True) -> ItemResult:
    """Process one item (accepted, duplicate or rejected) in its own savepoint of the open group; not `isolated`,
    in the group's transaction itself, where any constraint's error fails the group (ingest_batch then redoes it
    isolated)."""
    raw, key, digest = item.raw, item.key, item.digest
    try:
        with db.session.begin_nested() if isolated else nullcontext():
            result = _process(batch, item, look)
    except IntegrityError:
        # Another request stored this client_id between our look-up and our insert: it is now the prior.
        prior = ItemLookups(batch).prior(key) if key and isolated else None
        if prior is None:
            raise
        with db.session.begin_nested():
            return _answer_prior(batch, raw, key, digest, prior, look)
    if result.accepted is not None:  # released: only now may the rest of the group see it
        look.accepted(key, *result.accepted)
    return result


def _yours(batch: Batch, prior) -> bool:
    """Whether the caller may hear of the stored record: they sent it, or their scope holds it.

    Anyone else (a request replayed by another unit) is answered as if the client_id were new, so the
    item fails like any other item naming that member; a `duplicate` would tell them the record's id
    and review status."""
    if prior.user_id == batch.user_id:
        return True
    visible = in_scope(select(Submission.id).where(Submission.id == prior.id), Submission, batch.user)
    return db.session.scalar(visible) is not None


def _answer_prior(batch: Batch, raw, key: str, digest: str, prior, look: ItemLookups) -> ItemResult:
    if prior.content_hash != digest or not _yours(batch, prior):
        return _reject(batch, raw, key, [{"field": "client_id", "code": "client_id_reused", "params": {}}], None,
                       look)
    look.audit("submission.duplicate", user=batch.user_id, object_type="submission", object_id=prior.id,
                 unit_id=prior.unit_id, device_id=batch.device_id, outcome="duplicate", client_id=key)
    return ItemResult(echo(raw), "duplicate", prior.id, prior.status)


def _process(batch: Batch, item: Prepared, look: ItemLookups) -> ItemResult:
    raw, key, digest = item.raw, item.key, item.digest
    prior = look.prior(key) if key is not None else None
    if prior is not None and _yours(batch, prior):
        # answered before the validation counts: rules may have changed since
        return _answer_prior(batch, raw, key, digest, prior, look)
    data = item.data
    member, visit, lookup_errors = _lookups(look, data)
    errors = item.errors + lookup_errors
    if errors:
        return _reject(batch, raw, key, errors, member, look)
    if prior is not None:  # a valid item whose client_id a record outside the caller's scope holds
        return _answer_prior(batch, raw, key, digest, prior, look)
    return _accept(batch, raw, key, digest, data, member, visit, look)


def _photo_reused(look: ItemLookups, photo_sha256: str, member_id: int | None, fields: dict) -> bool:
    """Whether another person's accepted record uses the same portrait (one photo, two members)."""
    for other_member_id, other_fields in look.photo_uses(photo_sha256):
        if other_member_id != member_id or (
                member_id is None and (other_fields or {}).get("citizen_id") != fields.get("citizen_id")):
            return True
    return False


def _lookups(look: ItemLookups, data: dict):
    """The member, visit and photo an item names; anything outside scope is `not_found`, like nothing."""
    errors, member, visit = [], None, None
    member_id, visit_id = data.get("member_id"), data.get("visit_id")
    if member_id is not None:
        if in_range(member_id):
            member = look.member(member_id)
        if member is None:
            errors.append({"field": "member_id", "code": "not_found", "params": {}})
    if visit_id is not None:
        if in_range(visit_id):
            visit = look.visit(visit_id)
        if visit is None:
            errors.append({"field": "visit_id", "code": "not_found", "params": {}})
        elif member is not None and visit.member_id != member.id:
            errors.append({"field": "visit_id", "code": "visit_member_mismatch", "params": {}})
    sha = data.get("photo_sha256")
    if sha and not look.photo_usable(sha):  # a hash alone is never a key to a portrait
        errors.append({"field": "photo_sha256", "code": "photo_missing", "params": {}})
    return member, visit, errors


def _reject(batch: Batch, raw, key: str | None, errors: list, member: Member | None,
            look: ItemLookups) -> ItemResult:
    """Keep the item as received (within offline_queue.kept's bounds), with the reasons; answer `rejected`."""
    user = batch.user
    unit_id = member.unit_id if member is not None else user.unit_id
    payload, size, truncated = keepable(raw, user.id)
    kept = RejectedPayload(client_id=key, device_id=batch.device_id, user_id=user.id, unit_id=unit_id,
                           payload=payload, errors=errors, kept_bytes=size, truncated=truncated)
    db.session.add(kept)
    db.session.flush()
    look.audit("submission.rejected", user=user.id, object_type="rejected_payload", object_id=kept.id,
                 unit_id=unit_id, device_id=batch.device_id, outcome="rejected", client_id=key,
                 codes=sorted({error["code"] for error in errors}))
    return ItemResult(echo(raw), "rejected", errors=errors)


def _accept(batch: Batch, raw: dict, key: str, digest: str, data: dict, member: Member | None,
            visit: Visit | None, look: ItemLookups) -> ItemResult:
    """Insert the record in the item's savepoint; what it changes besides its row follows once it is released."""
    user = batch.user
    if member is not None:
        look.lock(member)
    # Review is decided before the insert, so the row is written once, with its final status.
    match = match_person({name: data["fields"].get(name) for name in PERSON_FIELDS}, client=look.registry())
    earlier = [] if member is None else look.earlier(member.id)
    reasons = [] if match.verified else ["registry_mismatch"]
    if member is None:
        reasons.append("not_on_roster")
    elif earlier:
        reasons.append("second_submission")
    if _photo_reused(look, data["photo_sha256"], member.id if member is not None else None, data["fields"]):
        reasons.append("photo_reused")
    submission = Submission(
        client_id=key, content_hash=digest, device_id=batch.device_id, user_id=user.id,
        unit_id=member.unit_id if member is not None else user.unit_id,
        member_id=member.id if member is not None else None, visit_id=visit.id if visit is not None else None,
        captured_at=data["captured_at"], received_at=utcnow(), location_kind=data["location_kind"],
        photo_sha256=data["photo_sha256"], fields=data["fields"], status="needs_review" if reasons else "verified",
        review_reasons=reasons, registry_result=match.as_dict(), identity_source=data["identity_source"])
    db.session.add(submission)
    db.session.flush()  # the unique client_id speaks here
    look.audit("submission.accepted", user=user.id, object_type="submission", object_id=submission.id,
               unit_id=submission.unit_id, device_id=batch.device_id, outcome=submission.status,
               client_id=key, reasons=reasons)
    return ItemResult(echo(raw), "accepted", submission.id, submission.status,
                      accepted=(submission, member, visit, earlier))
