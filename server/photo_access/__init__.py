"""A photo's hash is an address, never a key (CONTRACT §5, issue 15).

An officer who learns a hash (tablets keep them in clear) could name it in a submission for their own member,
have it accepted, and then read another unit's portrait. So a user may use a stored photo only when they sent
its bytes themselves (uploading proves they hold them; a second uploader of the same bytes is recorded too, so
a queue moved to another tablet still goes through), or when a submission in their scope already uses it.
"""
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from server import audit
from server.extensions import db
from server.models import Photo, Submission, User
from server.scope import in_scope

from .models import PhotoUploader


def usable_by(user: User, sha256: str) -> bool:
    """Whether `user` may name this stored photo in a submission (or learn that it is stored)."""
    photo = db.session.get(Photo, sha256)
    if photo is None:
        return False
    if photo.uploaded_by_id == user.id or db.session.scalar(select(exists().where(
            PhotoUploader.sha256 == sha256, PhotoUploader.user_id == user.id))):
        return True
    used = in_scope(select(Submission.id).where(Submission.photo_sha256 == sha256).limit(1), Submission, user)
    return db.session.scalar(used) is not None


def usable_set(user: User, shas) -> set[str]:
    """Of these addresses, the ones `user` may use, as `usable_by` decides, in at most three queries."""
    shas = set(shas)
    if not shas:
        return set()
    stored = db.session.execute(select(Photo.sha256, Photo.uploaded_by_id).where(Photo.sha256.in_(shas))).all()
    usable = {sha for sha, uploader in stored if uploader == user.id}
    rest = {sha for sha, _ in stored} - usable
    if rest:
        usable |= set(db.session.scalars(select(PhotoUploader.sha256).where(
            PhotoUploader.user_id == user.id, PhotoUploader.sha256.in_(rest))))
        rest -= usable
    if rest:
        usable |= set(db.session.scalars(in_scope(select(Submission.photo_sha256).where(
            Submission.photo_sha256.in_(rest)), Submission, user)))
    return usable


def record_uploader(user: User, sha256: str) -> None:
    """`user` sent these bytes (the hash was checked): they may use the photo from now on. Commits."""
    if usable_by(user, sha256):
        return
    db.session.add(PhotoUploader(sha256=sha256, user_id=user.id))
    audit.record("photo.store", user=user, object_type="photo", object_id=sha256, outcome="already_stored",
                 unit_id=user.unit_id)
    try:
        db.session.commit()
    except IntegrityError:  # the same user's parallel upload recorded it first
        db.session.rollback()
