"""Who has proven they hold a photo's bytes: everyone who uploaded them (the first uploader and later ones)."""
from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.models import Tz, utcnow


class PhotoUploader(db.Model):
    __tablename__ = "photo_uploaders"
    sha256: Mapped[str] = mapped_column(ForeignKey("photos.sha256", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    at: Mapped[datetime] = mapped_column(Tz, default=utcnow)
