"""Tables of the dashboard: the progress counters (per member and per unit), members first collected per unit
and day, and deadlines set per unit."""
from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, Integer, SmallInteger
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


class MemberTally(db.Model):
    """What one member adds to the progress counters right now: the unit they count in and 0/1 for each count
    (all 0 but the unit once removed), and the Vietnam day of their first accepted record. Kept by
    server.dashboard.tallies in the transaction of every change, so the difference to the new state is exact.

    No foreign key to members: a deleted member's row must outlive the delete until the commit subtracts it."""

    __tablename__ = "member_tallies"
    member_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    target: Mapped[int] = mapped_column(SmallInteger, default=0)
    collected: Mapped[int] = mapped_column(SmallInteger, default=0)
    verified: Mapped[int] = mapped_column(SmallInteger, default=0)
    booked: Mapped[int] = mapped_column(SmallInteger, default=0)
    cards_printed: Mapped[int] = mapped_column(SmallInteger, default=0)
    cards_handed_over: Mapped[int] = mapped_column(SmallInteger, default=0)
    first_day: Mapped[date | None] = mapped_column(Date)


class UnitTally(db.Model):
    """The progress counters of the members who live in one unit (a cell): sums of their member_tallies rows,
    changed only by `n = n + d`. The progress table adds these rows up the unit tree."""

    __tablename__ = "unit_tallies"
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), primary_key=True,
                                         autoincrement=False)
    target: Mapped[int] = mapped_column(Integer, default=0)
    collected: Mapped[int] = mapped_column(Integer, default=0)
    verified: Mapped[int] = mapped_column(Integer, default=0)
    booked: Mapped[int] = mapped_column(Integer, default=0)
    cards_printed: Mapped[int] = mapped_column(Integer, default=0)
    cards_handed_over: Mapped[int] = mapped_column(Integer, default=0)



class TallyPending(db.Model):
    """Members an import has added to a unit in the open transaction, not yet in unit_tallies: the commit moves
    them there and deletes these rows, so an import's unit counter rows are locked only at its commit, and a
    savepoint rolled back takes its rows with it."""

    __tablename__ = "tally_pending"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    target: Mapped[int] = mapped_column(Integer)


from . import tallies as _tallies  # noqa: E402,F401  (registers the session hooks that keep the tables above)
