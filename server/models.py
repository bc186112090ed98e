"""The data model: typed SQLAlchemy 2.x tables. No serialisation and no access rules live here."""
from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import (JSON, BigInteger, Boolean, Date, DateTime, ForeignKey, Index, Integer, String,
                        Text, UniqueConstraint, text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .extensions import db

UNIT_KINDS = ("province", "affiliated", "grassroots", "cell")
ROLES = ("officer", "team_lead", "unit_admin", "viewer")
PRIORITIES = ("veteran", "former_central_committee", "standard")
GENDERS = ("male", "female")
VISIT_KINDS = ("home", "hospital")
VISIT_STATUSES = ("open", "done", "could_not_collect", "cancelled")
LOCATION_KINDS = ("station", "home", "hospital", "other")
SUBMISSION_STATUSES = ("verified", "needs_review")
# A member's collection status, derived from submissions and kept on the row for the roster.
MEMBER_STATUSES = ("pending", "verified", "needs_review")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Tz(db.TypeDecorator):
    """A timestamp that is always timezone-aware UTC, also on SQLite (which drops the offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime")
            value = value.astimezone(timezone.utc)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


class Unit(db.Model):
    """An organisation unit. `path` is the materialised path ("/1/4/17/") so a subtree is one LIKE prefix."""

    __tablename__ = "units"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    path: Mapped[str] = mapped_column(String(512), index=True, default="")
    depth: Mapped[int] = mapped_column(Integer, default=0)

    parent: Mapped[Unit | None] = relationship(remote_side=[id])


class Member(db.Model):
    """A party member as the party records list them (CONTRACT §4 members file)."""

    __tablename__ = "members"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_code: Mapped[str] = mapped_column(String(64), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    full_name: Mapped[str] = mapped_column(String(255))
    name_key: Mapped[str] = mapped_column(String(255), index=True)
    # "YYYY" or "YYYY-MM-DD", as the records carry it; birth_year is there for blocking and checks.
    date_of_birth: Mapped[str] = mapped_column(String(10))
    birth_year: Mapped[int] = mapped_column(Integer)
    gender: Mapped[str] = mapped_column(String(8))
    citizen_id: Mapped[str | None] = mapped_column(String(12), index=True)
    hometown: Mapped[str] = mapped_column(String(255), default="")
    permanent_address: Mapped[str] = mapped_column(String(512), default="")
    party_join_date: Mapped[date | None] = mapped_column(Date)
    party_official_date: Mapped[date | None] = mapped_column(Date)
    priority: Mapped[str] = mapped_column(String(32), default="standard")
    needs_home_visit: Mapped[bool] = mapped_column(Boolean, default=False)
    old_card_number: Mapped[str | None] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(32))
    ethnicity: Mapped[str | None] = mapped_column(String(64))
    religion: Mapped[str | None] = mapped_column(String(64))
    home_visit_note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    card_handed_over_at: Mapped[datetime | None] = mapped_column(Tz)
    removed_at: Mapped[datetime | None] = mapped_column(Tz)
    # The last move to another cell: tablets of the old unit's subtree must drop the member.
    previous_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    moved_at: Mapped[datetime | None] = mapped_column(Tz, index=True)
    created_at: Mapped[datetime] = mapped_column(Tz, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Tz, default=utcnow, onupdate=utcnow, index=True)

    unit: Mapped[Unit] = relationship(foreign_keys=[unit_id])


class RegistryRecord(db.Model):
    """One row of the population-registry extract (CONTRACT §4 registry file)."""

    __tablename__ = "registry_records"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    citizen_id: Mapped[str] = mapped_column(String(12), unique=True)
    full_name: Mapped[str] = mapped_column(String(255))
    name_key: Mapped[str] = mapped_column(String(255))
    date_of_birth: Mapped[str] = mapped_column(String(10))
    birth_year: Mapped[int] = mapped_column(Integer)
    gender: Mapped[str] = mapped_column(String(8))
    hometown: Mapped[str] = mapped_column(String(255), default="")
    permanent_address: Mapped[str] = mapped_column(String(512), default="")

    __table_args__ = (Index("ix_registry_name_year", "name_key", "birth_year"),)


class User(db.Model):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(255), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(Tz, default=utcnow)

    unit: Mapped[Unit] = relationship()


class AuthSession(db.Model):
    """A server-side login session; the cookie carries only its random token, so logout really ends it."""

    __tablename__ = "auth_sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(Tz, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(Tz, default=utcnow)


class Visit(db.Model):
    __tablename__ = "visits"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    due_date: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(24), default="open", index=True)
    outcome_reason: Mapped[str | None] = mapped_column(String(32))
    outcome_note: Mapped[str | None] = mapped_column(Text)
    done_submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id", use_alter=True))
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(Tz, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Tz, default=utcnow, onupdate=utcnow, index=True)

    member: Mapped[Member] = relationship()
    history: Mapped[list[VisitAssignment]] = relationship(
        order_by="VisitAssignment.id", back_populates="visit", cascade="all, delete-orphan")

    # At most one open visit per member, whatever races: nobody is sent twice.
    __table_args__ = (Index("uq_visits_open_member", "member_id", unique=True,
                            sqlite_where=text("status = 'open'"), postgresql_where=text("status = 'open'")),)


class VisitAssignment(db.Model):
    """One step of a visit's assignment history: who holds it from now, who decided, why."""

    __tablename__ = "visit_assignments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    from_assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assignee_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    assigned_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(Tz, default=utcnow)

    visit: Mapped[Visit] = relationship(back_populates="history")


class Photo(db.Model):
    """A normalised card portrait on disk, addressed by the SHA-256 of the bytes the client sent."""

    __tablename__ = "photos"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    stored_sha256: Mapped[str] = mapped_column(String(64))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    bytes: Mapped[int] = mapped_column(Integer)
    quality: Mapped[dict] = mapped_column(JSON)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(Tz, default=utcnow)


class Submission(db.Model):
    """An accepted record from a tablet. `client_id` is unique: a second insert *is* the duplicate."""

    __tablename__ = "submissions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    device_id: Mapped[str] = mapped_column(String(128))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # The unit whose scope holds this record: the member's cell, or the officer's unit for someone off the roster.
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"))
    captured_at: Mapped[datetime] = mapped_column(Tz)
    received_at: Mapped[datetime] = mapped_column(Tz, default=utcnow)
    location_kind: Mapped[str] = mapped_column(String(16))
    photo_sha256: Mapped[str] = mapped_column(ForeignKey("photos.sha256"), index=True)
    fields: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), index=True)
    review_reasons: Mapped[list] = mapped_column(JSON, default=list)
    registry_result: Mapped[dict | None] = mapped_column(JSON)
    reviewed_at: Mapped[datetime | None] = mapped_column(Tz)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # "qr": the identity fields were read from the ID card's QR code; "typed": typed (or an older tablet).
    identity_source: Mapped[str] = mapped_column(String(8), default="typed", server_default="typed")


class RejectedPayload(db.Model):
    """Quarantine: every rejected item exactly as received, with the reasons, so nothing typed is lost."""

    __tablename__ = "rejected_payloads"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[str | None] = mapped_column(String(64), index=True)
    device_id: Mapped[str] = mapped_column(String(128))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    received_at: Mapped[datetime] = mapped_column(Tz, default=utcnow)
    payload: Mapped[dict] = mapped_column(JSON)
    errors: Mapped[list] = mapped_column(JSON)
    # What was kept: bytes counted against the device's daily bound; truncated when something was cut.
    kept_bytes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    truncated: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))


class AuditEvent(db.Model):
    """Who did what to which object, when. `detail` holds ids and outcomes only, never personal data."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(Tz, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str | None] = mapped_column(String(64))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    device_id: Mapped[str | None] = mapped_column(String(128))
    outcome: Mapped[str | None] = mapped_column(String(32))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)



class Reconciliation(db.Model):
    """The latest registry comparison of one member, and the reviewer's decision on it (kept across reruns)."""

    __tablename__ = "reconciliations"
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    klass: Mapped[str] = mapped_column(String(16), index=True)
    fields: Mapped[dict] = mapped_column(JSON, default=dict)
    registry_id: Mapped[int | None] = mapped_column(ForeignKey("registry_records.id", ondelete="SET NULL"))
    candidates: Mapped[list] = mapped_column(JSON, default=list)
    run_at: Mapped[datetime] = mapped_column(Tz, default=utcnow)
    decision: Mapped[str | None] = mapped_column(String(32))
    decision_note: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(Tz)


class DeviceReport(db.Model):
    """What a tablet last said it still holds: queue counts by state and the age of its oldest unsent record."""

    __tablename__ = "device_reports"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    device_id: Mapped[str] = mapped_column(String(128))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    counts: Mapped[dict] = mapped_column(JSON, default=dict)
    oldest_unsent_at: Mapped[datetime | None] = mapped_column(Tz)
    reported_at: Mapped[datetime] = mapped_column(Tz, default=utcnow)

    __table_args__ = (UniqueConstraint("device_id", "user_id"),)
from .jobs import models as _job_models  # noqa: E402,F401
from .dashboard import models as _dashboard_models  # noqa: E402,F401
from .login_throttle import models as _login_throttle_models  # noqa: E402,F401
from .photo_access import models as _photo_access_models  # noqa: E402,F401
from .schedules import models as _schedule_models  # noqa: E402,F401
from .cards import models as _card_models  # noqa: E402,F401
from .form_prints import models as _form_print_models  # noqa: E402,F401
