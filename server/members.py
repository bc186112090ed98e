"""A member's collection status, derived from their accepted submissions and kept on the row for the roster."""
from sqlalchemy import select

from .extensions import db
from .models import Member, Submission, utcnow


def derive_status(statuses) -> str:
    """`verified` if any submission is verified, else `needs_review` if there is any, else `pending`."""
    statuses = set(statuses)
    if "verified" in statuses:
        return "verified"
    return "needs_review" if statuses else "pending"


def refresh_status(member: Member) -> str:
    """Recompute `member.status` from the database and bump `updated_at` so roster deltas carry the change."""
    statuses = db.session.scalars(select(Submission.status).where(Submission.member_id == member.id).distinct())
    member.status = derive_status(statuses)
    member.updated_at = utcnow()
    return member.status
