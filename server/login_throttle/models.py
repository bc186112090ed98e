"""One counter per throttled key (a username at a client address, or a client address), shared by every worker."""
from datetime import datetime

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.models import Tz, utcnow


class LoginThrottle(db.Model):
    """Sign-in attempts of one key in a fixed window. `key` is a hash: no username or address is stored here."""

    __tablename__ = "login_throttles"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(Tz, default=utcnow)
    count: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (Index("ix_login_throttles_window_start", "window_start"),)
