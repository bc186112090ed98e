"""The jobs table: one row per background job. An import's file lives in the upload store (server.jobs.uploads),
named in `params["upload"]`; `job_files` only serves jobs queued before that (files were blobs in the database)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.extensions import db
from server.models import Tz, Unit, utcnow

JOB_STATES = ("queued", "running", "done", "rejected", "failed", "interrupted")
ACTIVE = "state IN ('queued', 'running')"


class Job(db.Model):
    """A background job. At most one queued or running job per kind and unit: the partial unique index is the
    guard, so two imports of one kind in one unit never run at once, whichever process submits them."""

    __tablename__ = "jobs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # "import.members", "reconcile", ...
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    state: Mapped[str] = mapped_column(String(16), default="queued")
    filename: Mapped[str | None] = mapped_column(String(255))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    report: Mapped[dict | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(String(255))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(Tz, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(Tz)
    finished_at: Mapped[datetime | None] = mapped_column(Tz)

    unit: Mapped[Unit] = relationship()

    __table_args__ = (Index("ix_jobs_one_active", "kind", "unit_id", unique=True,
                            sqlite_where=text(ACTIVE), postgresql_where=text(ACTIVE)),)


class JobFile(db.Model):
    """The uploaded file of an import job queued by an earlier version (new uploads go to the upload store, which
    streams: a blob here is read whole into memory)."""

    __tablename__ = "job_files"
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
