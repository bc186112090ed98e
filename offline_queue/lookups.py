"""What the items of one group name, looked up for ingest: one item at a time, or the whole group at once.

`ItemLookups` asks the database per item, as each question comes (one query per question: ~14 statements an
item). `GroupLookups` asks each question once for the whole group before the first item (prior client_ids,
members in scope, visits, usable photos, registry rows, earlier submissions, photo uses, open visits,
bookings) and then keeps its answers up to date in memory as items are accepted, so a later item of the same
group sees an earlier one exactly as a query would. What an accepted item changes besides its own row (the
member's status, the audit rows; the dashboard's counters follow at commit) is written once for the group,
just before its commit.

Both must answer every question the same way; only the number of round trips differs. Nothing here decides
an outcome: ingest does. An item's effects are recorded only after its savepoint was released, so an item
rolled back leaves nothing behind in these answers either.
"""
from __future__ import annotations

from collections import defaultdict, namedtuple

from sqlalchemy import select

from server import audit, photo_access
from server.extensions import db
from server.members import derive_status
from server.models import Member, Submission, Visit, utcnow
from server.registry import registry_client
from server.schedules.bookings import mark_arrived
from server.schedules.models import Booking
from server.scope import MAX_ID, in_scope
from server.visits import close_for_member, close_for_submission

Prior = namedtuple("Prior", "id content_hash status unit_id user_id")


def in_range(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


def _postgres() -> bool:
    return db.session.get_bind().dialect.name != "sqlite"


def lock_members(ids) -> None:
    """Serialise submissions for these members (PostgreSQL row locks, in id order so two batches never
    deadlock; SQLite's group already holds the write lock), so two first submissions arriving together
    cannot both count as the first."""
    if ids and _postgres():
        db.session.execute(select(Member.id).where(Member.id.in_(sorted(ids))).order_by(Member.id)
                           .with_for_update(key_share=True)).all()


class ItemLookups:
    """Every question asked of the database when an item asks it."""

    def __init__(self, batch):
        self.batch = batch

    def prior(self, key: str):
        return db.session.execute(select(Submission.id, Submission.content_hash, Submission.status,
                                         Submission.unit_id, Submission.user_id)
                                  .where(Submission.client_id == key)).one_or_none()

    def member(self, member_id: int):
        return db.session.scalar(in_scope(select(Member).where(
            Member.id == member_id, Member.removed_at.is_(None)), Member, self.batch.user))

    def visit(self, visit_id: int):
        return db.session.scalar(in_scope(select(Visit).where(Visit.id == visit_id), Visit, self.batch.user))

    def photo_usable(self, sha: str) -> bool:
        return photo_access.usable_by(self.batch.user, sha)

    def lock(self, member) -> None:
        lock_members([member.id])

    def registry(self):
        return registry_client()

    def earlier(self, member_id: int) -> list[str]:
        return list(db.session.scalars(select(Submission.status).where(Submission.member_id == member_id)))

    def photo_uses(self, sha: str):
        return db.session.execute(select(Submission.member_id, Submission.fields)
                                  .where(Submission.photo_sha256 == sha)).all()

    def audit(self, action: str, **fields) -> None:
        audit.record(action, **fields)

    def accepted(self, key, submission, member, visit, earlier) -> None:
        """An accepted item's effects beyond its own row, written now (its savepoint was released)."""
        if member is not None:
            member.status = derive_status([*earlier, submission.status])
            member.updated_at = utcnow()
            mark_arrived(member.id, submission.id)  # their booking, if any, is now `arrived`
        if visit is not None:
            close_for_submission(visit, submission)
        close_for_member(submission)  # collected anywhere: nobody travels to the house now

    def finish(self) -> None:
        pass


class _KnownRegistry:
    """The registry client with the group's citizen IDs already asked."""

    def __init__(self, client, records: dict):
        self.client, self.records = client, records

    def by_citizen_id(self, citizen_id):
        return self.records.get(citizen_id)

    def candidates(self, key, birth_year):
        return self.client.candidates(key, birth_year)


class GroupLookups(ItemLookups):
    """The group's questions asked up front, a handful of queries for up to GROUP items."""

    def __init__(self, batch, prepared):
        super().__init__(batch)
        user = batch.user
        datas = [p.data for p in prepared]
        keys = {p.key for p in prepared if p.key}
        member_ids = {d.get("member_id") for d in datas if in_range(d.get("member_id"))}
        visit_ids = {d.get("visit_id") for d in datas if in_range(d.get("visit_id"))}
        shas = {d["photo_sha256"] for d in datas if d.get("photo_sha256")}
        cids = {d["fields"]["citizen_id"] for d in datas if (d.get("fields") or {}).get("citizen_id")}
        self.priors = {row.client_id: Prior(*row[1:]) for row in db.session.execute(
            select(Submission.client_id, Submission.id, Submission.content_hash, Submission.status,
                   Submission.unit_id, Submission.user_id).where(Submission.client_id.in_(keys)))} if keys else {}
        self.members = {m.id: m for m in db.session.scalars(in_scope(select(Member).where(
            Member.id.in_(member_ids), Member.removed_at.is_(None)), Member, user))} if member_ids else {}
        self.visits = {v.id: v for v in db.session.scalars(in_scope(
            select(Visit).where(Visit.id.in_(visit_ids)), Visit, user))} if visit_ids else {}
        self.usable = photo_access.usable_set(user, shas)
        client = registry_client()
        by_ids = getattr(client, "by_citizen_ids", None)
        self.known = _KnownRegistry(client, by_ids(cids) if cids else {}) if by_ids else client
        # Only the members an item may be accepted for are locked, before their submissions are read.
        valid = {p.data["member_id"] for p in prepared if not p.errors and p.data.get("member_id") in self.members}
        lock_members(valid)
        found = list(self.members)
        self.statuses = defaultdict(list)
        for member_id, status in db.session.execute(select(Submission.member_id, Submission.status)
                                                    .where(Submission.member_id.in_(found))) if found else ():
            self.statuses[member_id].append(status)
        self.uses = defaultdict(list)
        for sha, member_id, fields in db.session.execute(select(
                Submission.photo_sha256, Submission.member_id, Submission.fields)
                .where(Submission.photo_sha256.in_(shas))) if shas else ():
            self.uses[sha].append((member_id, fields))
        self.open_visits = defaultdict(list)
        for visit in db.session.scalars(select(Visit).where(Visit.member_id.in_(found), Visit.status == "open")) \
                if found else ():
            self.open_visits[visit.member_id].append(visit)
        self.booked = set(db.session.scalars(select(Booking.member_id).where(
            Booking.member_id.in_(found), Booking.status == "booked"))) if found else set()
        self.new_status = {}
        self.audits = []

    def prior(self, key):
        return self.priors.get(key)

    def member(self, member_id):
        return self.members.get(member_id)

    def visit(self, visit_id):
        return self.visits.get(visit_id)

    def photo_usable(self, sha):
        return sha in self.usable

    def lock(self, member):
        pass  # every member of the group was locked up front

    def registry(self):
        return self.known

    def earlier(self, member_id):
        return list(self.statuses[member_id])

    def photo_uses(self, sha):
        return list(self.uses[sha])

    def audit(self, action, **fields):
        self.audits.append((action, fields))

    def accepted(self, key, submission, member, visit, earlier):
        self.priors[key] = Prior(submission.id, submission.content_hash, submission.status, submission.unit_id,
                                 submission.user_id)
        self.uses[submission.photo_sha256].append((submission.member_id, submission.fields))
        self.usable.add(submission.photo_sha256)  # a submission in the caller's scope now uses it
        if member is not None:
            self.statuses[member.id].append(submission.status)
            self.new_status[member] = derive_status(self.statuses[member.id])
            if member.id in self.booked:
                mark_arrived(member.id, submission.id)
                self.booked.discard(member.id)
        if visit is not None:
            close_for_submission(visit, submission)
        for other in self.open_visits.get(submission.member_id, ()):
            if other.status == "open":
                close_for_submission(other, submission)

    def finish(self):
        """Write what the group's accepted items changed besides their own rows: one flush, before the commit."""
        now = utcnow()
        for member, status in self.new_status.items():
            member.status, member.updated_at = status, now
        for action, fields in self.audits:
            audit.record(action, **fields)
