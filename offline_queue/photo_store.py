"""The photo store: normalised portraits on disk, durable before anyone is told they are stored.

A file is named by the SHA-256 of its own bytes (`<root>/ab/cd/<stored_sha256>.jpg`), so it can be
checked against its name and two uploads that normalise to the same pixels share one file. The
`photos` row maps the client's hash (of the bytes as sent) to it; the row is written only after the
file and its directory entry are on disk, so a row never points at a file a crash could lose.
Only normalised JPEGs are ever written here, never what the client sent.
"""
from __future__ import annotations

import hashlib
import os
import secrets
import threading
from pathlib import Path

from sqlalchemy.exc import IntegrityError

from server import audit
from server.extensions import db
from server.models import Photo, User

from .photos import DEFAULT_MAX_PIXELS, normalise

SHA256_HEX = frozenset("0123456789abcdef")


class PhotoStore:
    """Content-addressed JPEG files under `root`, written with write-fsync-rename-fsync."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def path(self, digest: str) -> Path:
        return self.root / digest[:2] / digest[2:4] / f"{digest}.jpg"

    def read(self, digest: str) -> bytes:
        return self.path(digest).read_bytes()

    def put(self, data: bytes) -> str:
        """Store `data` durably under its SHA-256 and return that digest (a no-op if already there intact)."""
        digest = hashlib.sha256(data).hexdigest()
        final = self.path(digest)
        if final.exists() and hashlib.sha256(final.read_bytes()).hexdigest() == digest:
            return digest
        self._make_dirs(final.parent)
        temp = final.parent / f".{digest}.{secrets.token_hex(8)}.tmp"
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(temp, final)
        finally:
            temp.unlink(missing_ok=True)
        _fsync_dir(final.parent)
        return digest

    def _make_dirs(self, directory: Path) -> None:
        """Create the fan-out directories, making each new entry durable in its parent."""
        missing = []
        while not directory.exists():
            missing.append(directory)
            directory = directory.parent
        for new in reversed(missing):
            new.mkdir(exist_ok=True)
            _fsync_dir(new.parent)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def is_sha256(value: str) -> bool:
    """True for 64 lowercase hex digits, the only form a photo address takes."""
    return len(value) == 64 and SHA256_HEX.issuperset(value)


# Decoding a 40-megapixel photo takes ~120 MB; 24 at once took a worker from 354 MB to 1.4 GB. At most this
# many decode at once per process (half the 4 threads a gunicorn worker runs); the others wait their turn.
DECODES_AT_ONCE = 2
_DECODES = threading.BoundedSemaphore(DECODES_AT_ONCE)


def store_upload(digest: str, body: bytes, user: User, root, *,
                 max_pixels: int = DEFAULT_MAX_PIXELS) -> tuple[Photo, bool]:
    """Normalise and store a verified upload; return its row and whether this call created it.

    The primary key on the client's hash decides races: of two identical uploads one inserts, the
    other meets the unique violation and answers with the winner's row.
    """
    existing = db.session.get(Photo, digest)
    if existing is not None:
        return existing, False
    with _DECODES:
        photo = normalise(body, max_pixels=max_pixels)
    PhotoStore(root).put(photo.jpeg)
    row = Photo(sha256=digest, stored_sha256=photo.sha256, width=photo.width, height=photo.height,
                bytes=len(photo.jpeg), quality=photo.quality, uploaded_by_id=user.id)
    db.session.add(row)
    audit.record("photo.store", user=user, object_type="photo", object_id=digest, outcome="stored",
                 unit_id=getattr(user, "unit_id", None))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        winner = db.session.get(Photo, digest)
        if winner is None:
            raise
        return winner, False
    return row, True
