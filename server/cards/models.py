"""Card tables. A card's row holds where it is now; `card_events` is its history, append-only (never updated).

At most one card per member is not void (a partial unique index), and a card is handed over at most once
(unique `card_handovers.card_id`): races between tablets end in a constraint, never in two hand-overs.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.models import Tz, utcnow

CARD_STATUSES = ("at_unit", "in_transit", "handed_over", "missing", "damaged", "void")
RECIPIENTS = ("member", "proxy")
ID_CHECKS = ("qr", "card", "known")


class Card(db.Model):
    __tablename__ = "cards"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    card_number: Mapped[str] = mapped_column(String(64), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    batch_code: Mapped[str] = mapped_column(String(64))
    printed_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)  # where the card is now
    handed_over_at: Mapped[datetime | None] = mapped_column(Tz)
    created_at: Mapped[datetime] = mapped_column(Tz, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(Tz, default=utcnow, onupdate=utcnow)

    __table_args__ = (Index("uq_cards_live_member", "member_id", unique=True,
                            sqlite_where=text("status != 'void'"), postgresql_where=text("status != 'void'")),)


class CardEvent(db.Model):
    """One step of a card's history: its status and unit from then on, who did it, when, why."""

    __tablename__ = "card_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(Tz, default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")


class Consignment(db.Model):
    """Cards sent one step down the tree; the receipt says what arrived, what is missing, what is damaged."""

    __tablename__ = "card_consignments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    from_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    to_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="sent")
    sent_at: Mapped[datetime] = mapped_column(Tz, default=utcnow)
    sent_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    received_at: Mapped[datetime | None] = mapped_column(Tz)
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(Text, default="")


class ConsignmentCard(db.Model):
    """A card of a consignment and, once received, what became of it (received, missing or damaged)."""

    __tablename__ = "card_consignment_items"
    consignment_id: Mapped[int] = mapped_column(ForeignKey("card_consignments.id"), primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id"), primary_key=True, index=True)
    outcome: Mapped[str | None] = mapped_column(String(16))


class CardHandover(db.Model):
    """A hand-over sent by a tablet; `client_id` makes a resend a duplicate, `card_id` allows one per card."""

    __tablename__ = "card_handovers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id"), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    device_id: Mapped[str] = mapped_column(String(128))
    handed_at: Mapped[datetime] = mapped_column(Tz)
    received_at: Mapped[datetime] = mapped_column(Tz, default=utcnow)
    recipient: Mapped[str] = mapped_column(String(16))
    proxy_name: Mapped[str | None] = mapped_column(String(255))
    id_check: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
