"""The photo store: normalised portraits, durable before anyone is told they are stored.

One small interface, two homes. `FileStore` keeps them on this machine's disk (the embedded default);
`S3Store` in an S3-compatible object store, so any number of app nodes share them (CONTRACT §2).
Either way an object is named by the SHA-256 of its own bytes (`ab/cd/<stored_sha256>.jpg`), so it can
be checked against its name and two uploads that normalise to the same pixels share one object. The
`photos` row maps the client's hash (of the bytes as sent) to it; the row is written only after the
object is durable (file and directory entry fsynced; the object store's PUT answered with the right
checksum), so a row never points at an object a crash could lose. Only normalised JPEGs are ever
written here, never what the client sent.
"""
from __future__ import annotations

import base64
import hashlib
import os
import secrets
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from sqlalchemy.exc import IntegrityError

from server import audit
from server.extensions import db
from server.models import Photo, User

from .photos import DEFAULT_MAX_PIXELS, normalise

SHA256_HEX = frozenset("0123456789abcdef")
CHUNK = 1 << 16


class Store(Protocol):
    """What the API, the upload path and `fieldkit photos migrate` need of a photo store."""

    def put(self, data: bytes, digest: str | None = None) -> str:
        """Store `data` durably under its SHA-256 (`digest`, when the caller has just computed it) and return it."""

    def read(self, digest: str) -> bytes:
        """The whole object (raises FileNotFoundError when absent)."""

    def stream(self, digest: str) -> tuple[int, Iterator[bytes]]:
        """The object's size and its bytes in chunks, for a response body (FileNotFoundError when absent)."""

    def holds(self, digest: str, data: bytes) -> bool:
        """True when an intact copy of `data` (whose SHA-256 is `digest`) is already stored."""

    def exists(self, digest: str) -> bool:
        """True when an object of that name is stored (not read, not verified)."""


def key(digest: str) -> str:
    return f"{digest[:2]}/{digest[2:4]}/{digest}.jpg"


class FileStore:
    """Content-addressed JPEG files under `root`, written with write-fsync-rename-fsync."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def path(self, digest: str) -> Path:
        return self.root / key(digest)

    def read(self, digest: str) -> bytes:
        return self.path(digest).read_bytes()

    def stream(self, digest: str) -> tuple[int, Iterator[bytes]]:
        data = self.read(digest)  # portraits are ~100 KB: one read, and a missing file fails before the 200
        return len(data), iter((data,))

    def holds(self, digest: str, data: bytes) -> bool:
        final = self.path(digest)
        return final.exists() and hashlib.sha256(final.read_bytes()).hexdigest() == digest

    def exists(self, digest: str) -> bool:
        return self.path(digest).is_file()

    def digests(self) -> Iterator[str]:
        """Every stored object's name, in a stable order (what `photos migrate` walks)."""
        if not self.root.is_dir():
            return
        for path in sorted(self.root.glob("??/??/*.jpg")):
            if is_sha256(path.stem):
                yield path.stem

    def put(self, data: bytes, digest: str | None = None) -> str:
        digest = digest or hashlib.sha256(data).hexdigest()
        final = self.path(digest)
        if self.holds(digest, data):
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




class S3Store:
    """Objects `PREFIX/ab/cd/<sha256>.jpg` in one bucket, through boto3 (SigV4, path-style addressing).

    Each PUT carries Content-MD5, so the store refuses a body damaged on the way, and its answer's ETag
    (the MD5 of what it stored) is checked too: a 200 from the store is the durability point.
    """

    def __init__(self, bucket: str, prefix: str = "", *, endpoint: str | None = None,
                 region: str | None = None, access_key: str | None = None, secret_key: str | None = None,
                 pool: int = 16):
        import boto3
        from botocore.config import Config as BotoConfig
        self.bucket, self.prefix = bucket, prefix.strip("/")
        config = BotoConfig(signature_version="s3v4", s3={"addressing_style": "path"},
                            retries={"max_attempts": 4, "mode": "standard"}, connect_timeout=5,
                            read_timeout=30, max_pool_connections=pool,
                            # self-hosted stores differ on the newer flexible checksums; MD5 is universal
                            request_checksum_calculation="when_required",
                            response_checksum_validation="when_required")
        credentials = {"aws_access_key_id": access_key, "aws_secret_access_key": secret_key} \
            if access_key and secret_key else {}  # else boto3's own chain (instance roles, profiles)
        self.client = boto3.session.Session().client("s3", endpoint_url=endpoint, region_name=region or "us-east-1",
                                                     config=config, **credentials)

    def key(self, digest: str) -> str:
        return f"{self.prefix}/{key(digest)}" if self.prefix else key(digest)

    def put(self, data: bytes, digest: str | None = None) -> str:
        digest = digest or hashlib.sha256(data).hexdigest()
        md5 = hashlib.md5(data, usedforsecurity=False)
        answer = self.client.put_object(Bucket=self.bucket, Key=self.key(digest), Body=data,
                                        ContentType="image/jpeg", ContentMD5=base64.b64encode(md5.digest()).decode(),
                                        Metadata={"sha256": digest})
        if answer.get("ETag", "").strip('"') != md5.hexdigest():
            raise OSError(f"object store answered a different checksum for {digest}")
        return digest

    def _get(self, digest: str):
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self.key(digest))
        except self.client.exceptions.NoSuchKey as error:
            raise FileNotFoundError(digest) from error

    def read(self, digest: str) -> bytes:
        body = self._get(digest)["Body"]
        try:
            return body.read()
        finally:
            body.close()

    def stream(self, digest: str) -> tuple[int, Iterator[bytes]]:
        answer = self._get(digest)  # opened now, so a missing object fails before the 200 is sent
        body = answer["Body"]

        def chunks():
            try:
                yield from body.iter_chunks(CHUNK)
            finally:
                body.close()
        return answer["ContentLength"], chunks()

    def _head(self, digest: str) -> dict | None:
        from botocore.exceptions import ClientError
        try:
            return self.client.head_object(Bucket=self.bucket, Key=self.key(digest))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise

    def exists(self, digest: str) -> bool:
        return self._head(digest) is not None

    def holds(self, digest: str, data: bytes) -> bool:
        head = self._head(digest)
        md5 = hashlib.md5(data, usedforsecurity=False).hexdigest()
        return (head is not None and head.get("ContentLength") == len(data)
                and head.get("ETag", "").strip('"') == md5 and head.get("Metadata", {}).get("sha256") == digest)


def from_config(config) -> Store:
    """The store `FIELDKIT_PHOTO_STORE` names: `file` (the default) or `s3://BUCKET[/PREFIX]`."""
    spec = config.get("PHOTO_STORE") or "file"
    if spec == "file":
        return FileStore(config["PHOTO_DIR"])
    if spec.startswith("s3://") and spec[5:].split("/", 1)[0]:
        bucket, _, prefix = spec[5:].partition("/")
        return S3Store(bucket, prefix, endpoint=config.get("S3_ENDPOINT"), region=config.get("S3_REGION"),
                       access_key=config.get("S3_ACCESS_KEY_ID"), secret_key=config.get("S3_SECRET_ACCESS_KEY"),
                       pool=config.get("S3_POOL_SIZE", 16))
    raise ValueError(f"FIELDKIT_PHOTO_STORE must be 'file' or 's3://BUCKET[/PREFIX]', not {spec!r}")


def current_store(app) -> Store:
    """The app's store, made on first use in each process (after gunicorn forks, never before)."""
    spec = (app.config.get("PHOTO_STORE") or "file", str(app.config.get("PHOTO_DIR")))
    cached = app.extensions.get("fieldkit_photo_store")
    if cached is None or cached[0] != spec:
        cached = app.extensions["fieldkit_photo_store"] = (spec, from_config(app.config))
    return cached[1]


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


def answer(photo: Photo) -> dict:
    """What an upload answers (PhotoSchema's fields), from a row in memory: the quality report was made by
    normalise() in that shape, and after the commit the row would be read again only to say the same."""
    return {"sha256": photo.sha256, "width": photo.width, "height": photo.height, "bytes": photo.bytes,
            "quality": photo.quality}


def store_upload(digest: str, body: bytes, user: User, store: Store, *,
                 max_pixels: int = DEFAULT_MAX_PIXELS, optimize: bool = False) -> tuple[dict, bool]:
    """Normalise and store a verified upload; return the answer (answer()) and whether this call created it.

    The primary key on the client's hash decides races: of two identical uploads one inserts, the
    other meets the unique violation and answers with the winner's row.
    """
    existing = db.session.get(Photo, digest)
    if existing is not None:
        return answer(existing), False
    with _DECODES:
        photo = normalise(body, max_pixels=max_pixels, optimize=optimize)
    store.put(photo.jpeg, photo.sha256)  # hashed by normalise() a moment ago
    row = Photo(sha256=digest, stored_sha256=photo.sha256, width=photo.width, height=photo.height,
                bytes=len(photo.jpeg), quality=photo.quality, uploaded_by_id=user.id)
    db.session.add(row)
    audit.record("photo.store", user=user, object_type="photo", object_id=digest, outcome="stored",
                 unit_id=getattr(user, "unit_id", None))
    stored = answer(row)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        winner = db.session.get(Photo, digest)
        if winner is None:
            raise
        return answer(winner), False
    return stored, True
