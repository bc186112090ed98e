"""A print of the member form on a tablet, as its notice reached the server (one row per notice)."""
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.models import Tz, utcnow


class FormPrint(db.Model):
    """`client_id` makes a resent notice a duplicate. `member_id` is set only when the member was in the
    officer's scope when the notice arrived; `unit_id` is the member's unit then, else the officer's."""

    __tablename__ = "form_prints"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    record_client_id: Mapped[str | None] = mapped_column(String(64))
    device_id: Mapped[str] = mapped_column(String(128))
    printed_at: Mapped[datetime] = mapped_column(Tz)  # the tablet's clock
    received_at: Mapped[datetime] = mapped_column(Tz, default=utcnow)
