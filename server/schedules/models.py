"""Tables of the schedules feature: stations, bookings and the notice sequence kept per cell/station/day."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models import Member, Tz, Unit, utcnow

# Stored statuses. `missed` is never stored: a `booked` booking whose slot ended more than two hours ago
# reads as missed (bookings.display_status), so no job has to run for it and an arrival still counts late.
BOOKING_STATUSES = ("booked", "arrived", "cancelled")
OPEN_STATUSES = ("booked", "arrived")


class Station(db.Model):
    """A place where members come to be collected, serving the cells under `unit`."""

    __tablename__ = "stations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    address: Mapped[str] = mapped_column(String(512), default="")
    desks: Mapped[int] = mapped_column(Integer)
    slot_minutes: Mapped[int] = mapped_column(Integer)
    # [{"weekday": 1..7, "start": "HH:MM", "end": "HH:MM"}, ...] sorted, validated on the way in.
    week: Mapped[list] = mapped_column(JSON, default=list)
    closed: Mapped[list] = mapped_column(JSON, default=list)  # ["YYYY-MM-DD", ...]
    # Bumped by every writer of the station's bookings: the UPDATE is the lock (see stations.lock_station).
    version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(Tz, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Tz, default=utcnow, onupdate=utcnow)

    unit: Mapped[Unit] = relationship()


class Booking(db.Model):
    """One member booked into one slot of one station."""

    __tablename__ = "bookings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"))
    cell_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    start: Mapped[datetime] = mapped_column(Tz)
    end: Mapped[datetime] = mapped_column(Tz)
    status: Mapped[str] = mapped_column(String(16), default="booked")
    arrived_submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(Tz, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Tz, default=utcnow, onupdate=utcnow)

    member: Mapped[Member] = relationship()
    station: Mapped[Station] = relationship()

    __table_args__ = (
        Index("ix_bookings_station_start", "station_id", "start"),
        # One open booking per member whatever races: a member is never booked twice.
        Index("uq_bookings_open_member", "member_id", unique=True,
              sqlite_where=text("status IN ('booked', 'arrived')"),
              postgresql_where=text("status IN ('booked', 'arrived')")),
    )


class CellNotice(db.Model):
    """What the cell's calendar last said for one station and day: SEQUENCE grows when the times change."""

    __tablename__ = "cell_notices"
    cell_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    start: Mapped[datetime | None] = mapped_column(Tz)  # None: the day was cancelled
    end: Mapped[datetime | None] = mapped_column(Tz)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(Text, default="")
