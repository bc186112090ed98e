"""Batch reconciliation: every member's party record against the registry, one Reconciliation row each.

Owns the blocking (registry rows fetched by citizen ID a chunk at a time, then by name key + birth
year for those not found by ID) and the upsert that keeps reviewers' decisions. It never compares
fields itself: that is `server.registry.match_person`, the one matcher ingest uses too.

Memory stays bounded: members stream in keyset chunks by id, each chunk is committed, and nothing
outlives its chunk. Decisions survive reruns: a row whose comparison is unchanged is not written
at all; a changed row keeps its decision, and `run_at` (when the comparison last changed) moves
past `decided_at` — that is what "needs re-review" means (`decision_is_stale`). The roster sends
a member again when its `run_at` or `decided_at` passes the tablet's cursor, so a new result reaches
the field without touching the member row.
"""
from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import and_, bindparam, or_, select
from sqlalchemy.exc import IntegrityError

from . import audit
from .errors import NotFound
from .extensions import db
from .models import Member, Reconciliation, RegistryRecord, Unit, utcnow
from .record_fields import PERSON_FIELDS  # noqa: F401 -- re-exported for the review and export
from .registry import RegistryClient, match_person, registry_client
from .scope import subtree_unit_ids
from .text import name_key

CLASSES = ("matched", "matched_minor", "mismatch", "not_found", "ambiguous")
# Classes a unit admin must look at; the other two need nothing.
REVIEW_CLASSES = ("mismatch", "not_found", "ambiguous")
CHUNK = 1000
_CANDIDATE_LIMIT = 10  # as RegistryClient.candidates: more than this is "ambiguous" all the same

_MEMBER_COLUMNS = (Member.id, Member.unit_id, *(getattr(Member, name) for name in PERSON_FIELDS))
_TABLE = Reconciliation.__table__


@dataclass
class ReconcileSummary:
    """What a run did: counts per class and how many rows were new, changed or reopened for review."""

    unit_code: str | None = None
    total: int = 0
    classes: dict = field(default_factory=lambda: dict.fromkeys(CLASSES, 0))
    created: int = 0
    changed: int = 0
    unchanged: int = 0
    reopened: int = 0  # changed rows that carried a decision: now stale, to be looked at again
    seconds: float = 0.0

    def add(self, other: ReconcileSummary) -> None:
        for name in ("total", "created", "changed", "unchanged", "reopened"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name, count in other.classes.items():
            self.classes[name] += count

    def summary(self) -> str:
        counts = ", ".join(f"{name} {self.classes[name]}" for name in CLASSES)
        where = f" under unit {self.unit_code}" if self.unit_code else ""
        return (f"reconciled {self.total} members{where} in {self.seconds:.1f} s: {counts}; "
                f"new {self.created}, changed {self.changed}, unchanged {self.unchanged}, "
                f"decisions reopened for review {self.reopened}")

    def as_dict(self) -> dict:
        return {"unit_code": self.unit_code, "total": self.total, "classes": dict(self.classes),
                "created": self.created, "changed": self.changed, "unchanged": self.unchanged,
                "reopened": self.reopened, "seconds": round(self.seconds, 3)}


def person_of(member) -> dict:
    """The matcher's view of a member (a Member or a row with the same attributes)."""
    return {name: getattr(member, name) for name in PERSON_FIELDS}


def compact_fields(fields: dict) -> dict:
    """Keep the values only where they differ: a matched field is fully described by the member row."""
    return {name: ({"result": "match"} if value["result"] == "match" else
                   {"result": value["result"], "record": value["record"], "registry": value["registry"]})
            for name, value in fields.items()}


def decision_is_stale(rec: Reconciliation) -> bool:
    """True when the comparison changed after the decision was taken: the decision needs a second look."""
    return rec.decision is not None and rec.decided_at is not None and rec.run_at > rec.decided_at


class _ChunkClient:
    """Answers the matcher from lookups prefetched for one chunk: two queries a chunk, not one a member."""

    def __init__(self, base, by_id: dict, by_name: dict | None):
        self.base, self.by_id, self.by_name = base, by_id, by_name

    def by_citizen_id(self, citizen_id):
        return self.by_id.get(citizen_id)

    def by_citizen_ids(self, citizen_ids):
        return {cid: self.by_id[cid] for cid in citizen_ids if cid in self.by_id}

    def candidates(self, key, birth_year):
        if self.by_name is None:
            return self.base.candidates(key, birth_year)
        return self.by_name.get((key, birth_year), [])


def _local_candidates_many(pairs) -> dict:
    """Registry rows for many (name_key, birth_year) pairs in one indexed query (the local extract table)."""
    found = defaultdict(list)
    pairs = sorted(pairs)
    # An OR of (key AND year) terms, not a row-value IN: SQLite scans the whole table for the latter,
    # while each OR term is one seek on ix_registry_name_year (PostgreSQL: a bitmap OR).
    for start in range(0, len(pairs), 200):
        terms = [and_(RegistryRecord.name_key == key, RegistryRecord.birth_year == year)
                 for key, year in pairs[start:start + 200]]
        for row in db.session.scalars(select(RegistryRecord).where(or_(*terms)).order_by(RegistryRecord.id)):
            bucket = found[(row.name_key, row.birth_year)]
            if len(bucket) < _CANDIDATE_LIMIT:
                bucket.append(row)
    return found


def _chunk_client(base, rows) -> _ChunkClient:
    by_id = base.by_citizen_ids({row.citizen_id for row in rows if row.citizen_id})
    batch = getattr(base, "candidates_many", None)
    if batch is None and type(base) is RegistryClient:
        batch = _local_candidates_many
    if batch is None:
        return _ChunkClient(base, by_id, None)
    pairs = {(name_key(row.full_name), int(row.date_of_birth[:4])) for row in rows
             if row.citizen_id not in by_id and row.full_name and (row.date_of_birth or "")[:4].isdigit()}
    return _ChunkClient(base, by_id, batch(pairs))


def _result_values(result) -> dict:
    return {"klass": result.klass, "fields": compact_fields(result.fields), "registry_id": result.registry_id,
            "candidates": list(result.candidates)}


def _same(old, new: dict) -> bool:
    return (old.klass == new["klass"] and (old.fields or {}) == new["fields"]
            and old.registry_id == new["registry_id"] and list(old.candidates or []) == new["candidates"])


def _reconcile_chunk(rows, client) -> ReconcileSummary:
    """Match one chunk of members and write only what changed; the caller commits. Returns its counts."""
    summary = ReconcileSummary()
    chunk_client = _chunk_client(client, rows)
    ids = [row.id for row in rows]
    existing = {old.member_id: old for old in db.session.execute(
        select(_TABLE.c.member_id, _TABLE.c.klass, _TABLE.c.fields, _TABLE.c.registry_id, _TABLE.c.candidates,
               _TABLE.c.decision).where(_TABLE.c.member_id.in_(ids)))}
    now = utcnow()
    inserts, updates = [], []
    for row in rows:
        values = _result_values(match_person(person_of(row), chunk_client))
        summary.classes[values["klass"]] += 1
        old = existing.get(row.id)
        if old is None:
            inserts.append({"member_id": row.id, "run_at": now, **values})
        elif _same(old, values):
            summary.unchanged += 1
        else:
            updates.append({"b_member_id": row.id, "run_at": now, **values})
            summary.reopened += old.decision is not None
    if inserts:
        db.session.execute(_TABLE.insert(), inserts)
    if updates:
        db.session.execute(_TABLE.update().where(_TABLE.c.member_id == bindparam("b_member_id")), updates)
    summary.created, summary.changed, summary.total = len(inserts), len(updates), len(rows)
    return summary


def _member_chunks(unit: Unit | None, size: int):
    """Members (not removed) in id order, `size` at a time, by keyset: memory holds one chunk."""
    last = 0
    while True:
        stmt = select(*_MEMBER_COLUMNS).where(Member.id > last, Member.removed_at.is_(None))
        if unit is not None:
            stmt = stmt.where(Member.unit_id.in_(subtree_unit_ids(unit)))
        rows = db.session.execute(stmt.order_by(Member.id).limit(size)).all()
        if not rows:
            return
        yield rows
        last = rows[-1].id


def run_reconciliation(unit_code: str | None = None, *, user=None, client=None, chunk_size: int = CHUNK,
                       unit: Unit | None = None) -> ReconcileSummary:
    """Reconcile every member (or those under `unit_code`) with the registry, committing chunk by chunk.

    Rerunning is safe: unchanged results are not rewritten and decisions are kept (see module docstring).
    """
    started = time.perf_counter()
    if unit is None and unit_code:
        unit = db.session.scalar(select(Unit).where(Unit.code == unit_code))
        if unit is None:
            raise NotFound(f"Unknown unit {unit_code!r}.", code="unknown_unit")
    summary = ReconcileSummary(unit_code=unit.code if unit is not None else None)
    client = client or registry_client()
    for rows in _member_chunks(unit, chunk_size):
        try:
            counts = _reconcile_chunk(rows, client)
            db.session.commit()
        except IntegrityError:  # a concurrent run inserted some of these rows first: redo them as updates
            db.session.rollback()
            counts = _reconcile_chunk(rows, client)
            db.session.commit()
        summary.add(counts)
    summary.seconds = time.perf_counter() - started
    audit.record("reconcile.run", user=user, object_type="unit", object_id=unit.id if unit is not None else None,
                 unit_id=unit.id if unit is not None else audit.root_unit_id(), outcome="ok", **summary.as_dict())
    db.session.commit()
    return summary


def reconcile_member(member: Member, client=None) -> Reconciliation:
    """Match one member now and store the result (as a batch run would); the caller commits."""
    values = _result_values(match_person(person_of(member), client or registry_client()))
    rec = db.session.get(Reconciliation, member.id)
    if rec is None:
        rec = Reconciliation(member_id=member.id, run_at=utcnow(), **values)
        db.session.add(rec)
    elif not _same(rec, values):
        for name, value in values.items():
            setattr(rec, name, value)
        rec.run_at = utcnow()
    db.session.flush()
    return rec
