"""Photos in an S3-compatible object store (CONTRACT §2), against a real SeaweedFS: the photo API's core
cases with FIELDKIT_PHOTO_STORE=s3://BUCKET/PREFIX, and `fieldkit photos migrate` from the file store."""
import hashlib
import io
import uuid
from pathlib import Path

import pytest
from PIL import Image

from harness.object_store import BUCKET
from offline_queue.photo_store import FileStore, current_store
from server.cli import main
from server.extensions import db
from server.models import Photo
from tests.test_photos import encode, portrait, put, sideways_jpeg_with_gps, url, use_in_submission


@pytest.fixture
def s3_app(app, seaweedfs):
    """The test app with its photos in the bucket, under a prefix of its own."""
    prefix = f"t-{uuid.uuid4().hex[:10]}"
    env = seaweedfs.env
    app.config.update(PHOTO_STORE=f"s3://{BUCKET}/{prefix}", S3_ENDPOINT=env["FIELDKIT_S3_ENDPOINT"],
                      S3_ACCESS_KEY_ID=env["AWS_ACCESS_KEY_ID"], S3_SECRET_ACCESS_KEY=env["AWS_SECRET_ACCESS_KEY"],
                      S3_REGION=env["AWS_REGION"])
    app.config["S3_PREFIX"] = prefix
    return app


@pytest.fixture
def officer(login_as):
    return login_as("officer", "C1")


def object_keys(seaweedfs, prefix):
    return [k for k in seaweedfs.keys() if k.startswith(prefix + "/")]


def stored_object(seaweedfs, app, digest) -> bytes:
    name = f"{app.config['S3_PREFIX']}/{digest[:2]}/{digest[2:4]}/{digest}.jpg"
    return seaweedfs.client().get_object(Bucket=BUCKET, Key=name)["Body"].read()


def test_upload_lands_in_the_bucket_not_on_disk_and_a_retry_answers_200(s3_app, seaweedfs, officer, login_as):
    data = sideways_jpeg_with_gps()
    digest = hashlib.sha256(data).hexdigest()
    assert login_as("officer", "C2").head(url(digest)).status_code == 404
    first = put(officer, data)
    assert first.status_code == 201, first.json
    row = db.session.get(Photo, digest)
    stored = stored_object(seaweedfs, s3_app, row.stored_sha256)
    assert hashlib.sha256(stored).hexdigest() == row.stored_sha256 and len(stored) == first.json["bytes"]
    assert Image.open(io.BytesIO(stored)).size == (600, 800) and b"GPS" not in stored
    assert object_keys(seaweedfs, s3_app.config["S3_PREFIX"]) == [
        f"{s3_app.config['S3_PREFIX']}/{row.stored_sha256[:2]}/{row.stored_sha256[2:4]}/{row.stored_sha256}.jpg"]
    assert not Path(s3_app.config["PHOTO_DIR"]).exists() or not any(Path(s3_app.config["PHOTO_DIR"]).rglob("*.jpg"))
    second = put(officer, data)
    assert second.status_code == 200 and second.data == first.data
    assert officer.head(url(digest)).status_code == 200  # HEAD: stored, and its uploader may use it
    assert login_as("officer", "C2").head(url(digest)).status_code == 404  # a hash alone is no key


def test_get_streams_from_the_bucket_only_within_scope(s3_app, seaweedfs, officer, login_as, tree):
    data = encode(portrait())
    digest = hashlib.sha256(data).hexdigest()
    assert put(officer, data).status_code == 201
    assert officer.get(url(digest)).status_code == 404  # stored, used by no submission: nobody reads it
    use_in_submission(tree["C1"], officer.user, digest)
    response = officer.get(url(digest))
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert response.headers["Cache-Control"] == "no-store"
    stored_sha = db.session.get(Photo, digest).stored_sha256
    assert response.data == stored_object(seaweedfs, s3_app, stored_sha)
    assert int(response.headers["Content-Length"]) == len(response.data)
    assert officer.get(url(digest), headers={"If-None-Match": response.headers["ETag"]}).status_code == 304
    outside = login_as("officer", "C2").get(url(digest))
    assert outside.status_code == 404 and outside.json["error"]["code"] == "not_found"


def test_wrong_hash_or_corrupt_image_stores_nothing_in_the_bucket(s3_app, seaweedfs, officer):
    data = encode(portrait((300, 400)))
    wrong = put(officer, data, digest=hashlib.sha256(b"else").hexdigest())
    assert wrong.status_code == 400 and wrong.json["error"]["code"] == "hash_mismatch"
    assert put(officer, data[:3000]).json["error"]["code"] == "image_corrupt"
    assert object_keys(seaweedfs, s3_app.config["S3_PREFIX"]) == []


def test_wrong_credentials_fail_the_upload_and_store_no_row(s3_app, officer):
    s3_app.config["S3_SECRET_ACCESS_KEY"] = "not-the-secret"
    s3_app.extensions.pop("fieldkit_photo_store", None)
    data = encode(portrait((300, 400)))
    response = put(officer, data)  # the object store refuses the signature: a 500, never a 201 without the photo
    assert response.status_code == 500 and response.json["error"]["code"] == "internal_error"
    assert db.session.get(Photo, hashlib.sha256(data).hexdigest()) is None


def test_migrate_copies_verifies_resumes_and_reports(s3_app, seaweedfs, officer):
    files = FileStore(s3_app.config["PHOTO_DIR"])
    photos = [encode(portrait((300 + 10 * i, 400))) for i in range(3)]
    digests = [files.put(data) for data in photos]
    for digest in digests:
        db.session.add(Photo(sha256=digest, stored_sha256=digest, width=600, height=800, bytes=1, quality={}))
    db.session.commit()
    target = current_store(s3_app)
    target.put(photos[0])  # a run cut short earlier had copied the first one
    runner = s3_app.test_cli_runner()

    result = runner.invoke(main, ["photos", "migrate"])
    assert result.exit_code == 0, result.output
    assert "copied: 2" in result.output and "already there: 1" in result.output
    for data, digest in zip(photos, digests):
        assert stored_object(seaweedfs, s3_app, digest) == data

    again = runner.invoke(main, ["photos", "migrate"])
    assert again.exit_code == 0 and "copied: 0" in again.output and "already there: 3" in again.output

    # A damaged source file is reported and never copied; a row whose photo is nowhere is reported too.
    bad = encode(portrait((320, 440)))
    bad_digest = files.put(bad)
    files.path(bad_digest).write_bytes(bad[:-10] + b"0123456789")
    db.session.add(Photo(sha256="e" * 64, stored_sha256="f" * 64, width=600, height=800, bytes=1, quality={}))
    db.session.commit()
    broken = runner.invoke(main, ["photos", "migrate"])
    assert broken.exit_code == 1
    assert f"damaged: {bad_digest}" in broken.output and f"missing: {'f' * 64}" in broken.output
    assert not target.exists(bad_digest)


def test_migrate_refuses_when_the_store_is_the_file_store(app):
    result = app.test_cli_runner().invoke(main, ["photos", "migrate"])
    assert result.exit_code != 0 and "FIELDKIT_PHOTO_STORE is 'file'" in result.output
