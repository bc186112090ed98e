"""Where an uploaded import file waits for its job. A worker may run on another machine than the node that took
the upload, so the file goes where the photos go (CONTRACT §2): with the object store (`FIELDKIT_PHOTO_STORE=
s3://…`) under the store's prefix at `uploads/…`, which every node and worker reads; with the file store under
`$FIELDKIT_DATA_DIR/uploads` (a one-machine deployment, as its photos are). Files are copied in chunks, never held
in memory whole, and deleted once their job has ended for good (its report stays in the jobs table); the file
of a failed or interrupted job, kept for "Run again", goes after JOBS_KEEP_FAILED_HOURS (server.jobs.sweep)."""
from __future__ import annotations

import hashlib
import os
import re
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from offline_queue.photo_store import S3Store, current_store

CHUNK = 1 << 20
PART = 8 << 20  # an object store multipart part: the most of an upload one process holds at once
KEY_NAME = re.compile(r"[0-9a-f]{32}\.(csv|xlsx)")  # what new_key makes (submit_import takes only these)


def new_key(suffix: str) -> str:
    return f"uploads/{secrets.token_hex(16)}{suffix.lower()}"


def _copy(source, out) -> tuple[int, str]:
    size, digest = 0, hashlib.sha256()
    while chunk := source.read(CHUNK):
        out.write(chunk)
        size += len(chunk)
        digest.update(chunk)
    return size, digest.hexdigest()


class FileUploads:
    def __init__(self, root: Path):
        self.root = Path(root)

    def path(self, key: str) -> Path:
        return self.root / Path(key).name

    def save(self, stream, key: str) -> tuple[int, str]:
        """Copy `stream` into the store under `key` (durable: fsynced, then renamed); its size and SHA-256."""
        self.root.mkdir(parents=True, exist_ok=True)
        final = self.path(key)
        temp = final.with_name(f".{final.name}.tmp")
        try:
            with open(temp, "wb") as out:
                result = _copy(stream, out)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, final)
        finally:
            temp.unlink(missing_ok=True)
        return result

    @contextmanager
    def local(self, key: str):
        """A path on this machine to read the file from (here: the stored file itself)."""
        path = self.path(key)
        if not path.is_file():
            raise FileNotFoundError(key)
        yield path

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def older_than(self, when: float) -> Iterator[str]:
        """The keys of the files (half-written ones too) last changed before `when` (a Unix time)."""
        try:
            entries = list(os.scandir(self.root))
        except FileNotFoundError:
            return
        for entry in entries:
            try:
                if entry.is_file() and entry.stat().st_mtime < when:
                    yield f"uploads/{entry.name}"
            except FileNotFoundError:  # deleted meanwhile (its job ended)
                continue


class S3Uploads:
    def __init__(self, store: S3Store):
        self.client, self.bucket, self.prefix = store.client, store.bucket, store.prefix

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def save(self, stream, key: str) -> tuple[int, str]:
        from boto3.s3.transfer import TransferConfig
        hashing = _Hashing(stream)
        # One thread, 8 MiB parts: the transfer holds about one part in memory, whatever the file's size.
        config = TransferConfig(multipart_threshold=PART, multipart_chunksize=PART, use_threads=False)
        self.client.upload_fileobj(hashing, self.bucket, self._key(key), Config=config)
        return hashing.size, hashing.digest.hexdigest()

    @contextmanager
    def local(self, key: str):
        """The object copied to a temporary file of this machine (the importers read a file twice)."""
        handle, name = tempfile.mkstemp(suffix=Path(key).suffix, prefix="fieldkit-import-")
        try:
            with os.fdopen(handle, "wb") as out:
                try:
                    answer = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
                except self.client.exceptions.NoSuchKey as error:
                    raise FileNotFoundError(key) from error
                body = answer["Body"]
                try:
                    for chunk in body.iter_chunks(CHUNK):
                        out.write(chunk)
                finally:
                    body.close()
            yield Path(name)
        finally:
            os.unlink(name)

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
            return True
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def older_than(self, when: float) -> Iterator[str]:
        """The keys of the objects under uploads/ last written before `when` (a Unix time).

        Only the objects this store names (new_key) directly under uploads/: the bucket may be shared, and without
        a prefix a listing of `uploads/` also returns another deployment's objects (its prefix `uploads…`)."""
        start = self._key("uploads/")
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=start, Delimiter="/")
        for page in pages:
            for item in page.get("Contents", []):
                name = item["Key"][len(start):]
                if KEY_NAME.fullmatch(name) and item["LastModified"].timestamp() < when:
                    yield "uploads/" + name


class _Hashing:
    """A read-only stream that counts and hashes what passes through it."""

    def __init__(self, stream):
        self.stream, self.size, self.digest = stream, 0, hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        chunk = self.stream.read(size if size and size > 0 else CHUNK)
        self.size += len(chunk)
        self.digest.update(chunk)
        return chunk


def upload_store(app):
    """The upload store that matches the app's photo store."""
    store = current_store(app)
    if isinstance(store, S3Store):
        return S3Uploads(store)
    return FileUploads(Path(app.config["DATA_DIR"]) / "uploads")
