"""Tables of the dashboard: members first collected per cell and day, and deadlines set per unit."""
from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db


class CollectedDaily(db.Model):
    """How many members of a unit (a cell, where members live) had their first accepted record on a day
    (Vietnam's calendar). One row per unit and day, incremented by ingest, so a chart sums a few thousand rows
    instead of counting a province's submissions."""

    __tablename__ = "collected_daily"
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    collected: Mapped[int] = mapped_column(Integer, default=0)


class UnitDeadline(db.Model):
    """The day a unit should finish collecting, set by an admin of it or above; units below inherit it."""

    __tablename__ = "unit_deadlines"
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), primary_key=True)
    deadline: Mapped[date] = mapped_column(Date)
