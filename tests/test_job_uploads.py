"""Uploaded import files do not stay forever (they hold members' personal data): a failed or interrupted import
keeps its file for "Run again" for JOBS_KEEP_FAILED_HOURS, then the workers' sweep deletes it, marks the job and
audits it, and the console says the file must be uploaded again; an upload no job keeps goes too. Both backends;
the object store's listing through SeaweedFS."""
import io
import os
import time
import uuid
from datetime import datetime, timedelta

from sqlalchemy import select

from harness.object_store import BUCKET
from server.extensions import db
from server.jobs import sweep
from server.jobs.models import Job, JobFile
from server.jobs.sweep import expire_uploads
from server.jobs.uploads import new_key, upload_store
from server.models import AuditEvent, utcnow

CSV = b"member_code,unit_code,full_name\nK1,C1,Nguy\xe1\xbb\x85n V\xc4\x83n M\xe1\xbb\x99t\n"


def stored_file(app) -> str:
    key = new_key(".csv")
    upload_store(app).save(io.BytesIO(CSV), key)
    return key


def job(tree, state, *, hours_ago, upload=None, kind="import.members", unit="A1"):
    when = utcnow() - timedelta(hours=hours_ago)
    row = Job(kind=kind, unit_id=tree[unit].id, state=state, attempts=1, filename="members.csv",
              params={"upload": upload} if upload else {}, created_at=when, started_at=when,
              finished_at=when if state in ("failed", "interrupted", "done") else None)
    db.session.add(row)
    db.session.commit()
    return row


def age(app, key, hours):
    """Make a file of the file store look `hours` old."""
    path = upload_store(app).path(key)
    then = time.time() - hours * 3600
    os.utime(path, (then, then))


def expire_events():
    db.session.rollback()
    return sorted((event.object_type, event.object_id, event.detail.get("count"))
                  for event in db.session.scalars(select(AuditEvent).where(AuditEvent.action == "job.upload_expire")))


def test_a_failed_imports_file_is_kept_for_a_rerun_then_deleted_and_the_console_says_so(app, tree, login_as):
    admin = login_as("unit_admin", "A1")
    store = upload_store(app)
    old_failed = job(tree, "failed", hours_ago=73, upload=stored_file(app))
    recent_failed = job(tree, "failed", hours_ago=1, upload=stored_file(app), unit="A2")
    waiting = job(tree, "queued", hours_ago=100, upload=stored_file(app), kind="import.units")
    legacy = job(tree, "interrupted", hours_ago=80, kind="import.registry", unit="P")  # its file is a row
    db.session.add(JobFile(job_id=legacy.id, data=CSV))
    db.session.commit()
    old_orphan, new_orphan = stored_file(app), stored_file(app)
    old_file, recent_file, waiting_file = (row.params["upload"] for row in (old_failed, recent_failed, waiting))
    for key in (old_file, waiting_file, old_orphan):
        age(app, key, 100)

    before = admin.get(f"/api/v1/jobs/{old_failed.id}").json
    kept_until = datetime.fromisoformat(before["file_kept_until"])  # finished 73 h ago, kept 72 h: an hour ago
    assert abs(kept_until - (utcnow() - timedelta(hours=1))) < timedelta(minutes=1), before
    assert "file_deleted_at" not in before

    assert expire_uploads() == {"jobs": [old_failed.id, legacy.id], "orphans": 1}

    assert not store.exists(old_file) and not store.exists(old_orphan)
    assert store.exists(recent_file) and store.exists(waiting_file)
    assert store.exists(new_orphan)  # too young: it may be an upload whose job is being made
    assert db.session.get(JobFile, legacy.id) is None
    assert expire_events() == sorted([("job", str(old_failed.id), None), ("job", str(legacy.id), None),
                                      ("upload", None, 1)])

    after = admin.get(f"/api/v1/jobs/{old_failed.id}").json
    assert after["file_deleted_at"] and "file_kept_until" not in after and after["state"] == "failed"
    refused = admin.post(f"/api/v1/jobs/{old_failed.id}/retry")
    assert refused.status_code == 409 and refused.json["error"]["code"] == "job_not_retryable"
    assert "deleted" in refused.json["error"]["message"] and "72 hours" in refused.json["error"]["message"]
    db.session.rollback()
    assert db.session.get(Job, old_failed.id).state == "failed"  # nothing half-done by the refusal

    # A second pass finds nothing more to do (the marked job is not looked at again).
    assert expire_uploads() == {"jobs": [], "orphans": 0}
    assert len(expire_events()) == 3


def test_a_rerun_that_comes_first_keeps_its_file(app, tree, login_as):
    """The sweep marks a job only while it is still failed: a job "Run again" just queued keeps its file."""
    admin = login_as("unit_admin", "A1")
    app.config["JOBS_IMMEDIATE"] = False  # the rerun waits in the queue, as with a real worker
    from server.jobs import queue
    queue.init_app(app)
    key = stored_file(app)
    failed = job(tree, "failed", hours_ago=73, upload=key)
    age(app, key, 100)
    assert admin.post(f"/api/v1/jobs/{failed.id}/retry").status_code == 202
    assert expire_uploads() == {"jobs": [], "orphans": 0}
    assert upload_store(app).exists(key)


def test_the_object_stores_old_uploads_that_no_job_keeps_are_deleted(app, tree, seaweedfs, monkeypatch):
    monkeypatch.setattr(sweep, "ORPHAN_MIN_AGE", timedelta(0))  # objects cannot be aged: all before now is old
    env = seaweedfs.env
    app.config.update(PHOTO_STORE=f"s3://{BUCKET}/t-{uuid.uuid4().hex[:10]}", S3_ENDPOINT=env["FIELDKIT_S3_ENDPOINT"],
                      S3_ACCESS_KEY_ID=env["AWS_ACCESS_KEY_ID"], S3_SECRET_ACCESS_KEY=env["AWS_SECRET_ACCESS_KEY"],
                      S3_REGION=env["AWS_REGION"], JOBS_KEEP_FAILED_HOURS=0)  # everything stored before now is old
    store = upload_store(app)
    running_file, failed_file, ended_file, orphan = (stored_file(app) for _ in range(4))
    job(tree, "running", hours_ago=1, upload=running_file)
    failed = job(tree, "failed", hours_ago=1, upload=failed_file, unit="A2")
    job(tree, "done", hours_ago=1, upload=ended_file, unit="P")  # its own delete failed, say
    time.sleep(1.1)  # the store's times are to the second
    assert expire_uploads() == {"jobs": [failed.id], "orphans": 2}
    assert store.exists(running_file)
    assert not any(store.exists(key) for key in (failed_file, ended_file, orphan))


def rerun_queues_only(app):
    """"Run again" only queues the job, as with a real worker (the tests run jobs inside the request otherwise)."""
    from server.jobs import queue
    app.config["JOBS_IMMEDIATE"] = False
    queue.init_app(app)


def test_a_rerun_made_while_the_sweep_deletes_another_jobs_file_keeps_its_own(app, tree, login_as, monkeypatch):
    """The sweep's compare-and-set must compare with what it selected: after its first commit the rows it loaded
    are read afresh, and a job "Run again" meanwhile (queued, its file about to be read) must not lose its file."""
    admin = login_as("unit_admin", "P")
    rerun_queues_only(app)
    first, second = (job(tree, "failed", hours_ago=hours, upload=stored_file(app), unit=unit)
                     for hours, unit in ((80, "A1"), (75, "A2")))
    first_file, second_file = first.params["upload"], second.params["upload"]
    second_id = second.id
    delete = sweep._delete

    def delete_then_rerun(store, key):
        if key == first_file:  # the sweep has marked the first job; the admin reruns the second one now
            with app.app_context():
                assert admin.post(f"/api/v1/jobs/{second_id}/retry").status_code == 202
        return delete(store, key)
    monkeypatch.setattr(sweep, "_delete", delete_then_rerun)

    assert expire_uploads()["jobs"] == [first.id]
    assert upload_store(app).exists(second_file)
    db.session.rollback()
    rerun = db.session.get(Job, second_id)
    assert (rerun.state, rerun.params["upload"]) == ("queued", second_file)
    assert "upload_expired_at" not in rerun.params


def test_two_workers_sweeping_at_once_mark_and_audit_a_job_once(app, tree, monkeypatch):
    first, second = (job(tree, "failed", hours_ago=hours, upload=stored_file(app), unit=unit)
                     for hours, unit in ((80, "A1"), (75, "A2")))
    first_file, first_id, second_id = first.params["upload"], first.id, second.id
    delete, other = sweep._delete, {}

    def delete_while_another_worker_sweeps(store, key):
        if key == first_file and not other:  # another worker's sweep runs between this one's select and update
            other["result"] = "running"
            with app.app_context():
                other["result"] = expire_uploads()
        return delete(store, key)
    monkeypatch.setattr(sweep, "_delete", delete_while_another_worker_sweeps)

    assert expire_uploads()["jobs"] == [first_id]
    assert other["result"]["jobs"] == [second_id]
    assert expire_events() == sorted([("job", str(first_id), None), ("job", str(second_id), None)])


def test_a_rerun_racing_the_sweep_that_deletes_its_file_is_refused(app, tree, login_as, monkeypatch):
    """"Run again" checks the file, then queues the job: a sweep that deleted the file in between must make the
    rerun a 409 (upload it again), not a queued job with no file (it would run on nothing)."""
    from server.jobs import service
    admin = login_as("unit_admin", "A1")
    rerun_queues_only(app)
    failed = job(tree, "failed", hours_ago=73, upload=stored_file(app))
    failed_id, file_kept = failed.id, service._file_kept

    def kept_then_swept(row):
        kept = file_kept(row)
        with app.app_context():  # a worker's sweep, in its own session
            assert expire_uploads()["jobs"] == [failed_id]
        return kept
    monkeypatch.setattr(service, "_file_kept", kept_then_swept)

    refused = admin.post(f"/api/v1/jobs/{failed_id}/retry")
    assert refused.status_code == 409 and refused.json["error"]["code"] == "job_not_retryable", refused.json
    db.session.rollback()
    row = db.session.get(Job, failed_id)
    assert row.state == "failed" and row.params["upload_expired_at"]


def test_a_rerun_while_another_import_of_its_kind_is_queued_is_a_409_not_a_500(app, tree, login_as):
    admin = login_as("unit_admin", "A1")
    rerun_queues_only(app)
    failed = job(tree, "failed", hours_ago=1, upload=stored_file(app))
    job(tree, "queued", hours_ago=0, upload=stored_file(app))
    answer = admin.post(f"/api/v1/jobs/{failed.id}/retry")
    assert answer.status_code == 409 and answer.json["error"]["code"] == "job_running", answer.json



def test_a_deployment_without_a_prefix_never_deletes_another_deployments_objects(app, tree, seaweedfs, monkeypatch):
    """Without a prefix the sweep lists `uploads/` at the bucket's root: another deployment's prefix that starts
    with `uploads` (its files at `uploads/uploads/…`), a folder under it, or an object the app never named stay."""
    monkeypatch.setattr(sweep, "ORPHAN_MIN_AGE", timedelta(0))
    env, client, run = seaweedfs.env, seaweedfs.client(), uuid.uuid4().hex[:8]
    others = [f"uploads/{new_key('.csv')}", f"other-{run}/{new_key('.csv')}", f"uploads/archive-{run}/members.csv",
              f"uploads/readme-{run}.txt"]
    for name in others:
        client.put_object(Bucket=BUCKET, Key=name, Body=CSV)
    app.config.update(PHOTO_STORE=f"s3://{BUCKET}", S3_ENDPOINT=env["FIELDKIT_S3_ENDPOINT"],
                      S3_ACCESS_KEY_ID=env["AWS_ACCESS_KEY_ID"], S3_SECRET_ACCESS_KEY=env["AWS_SECRET_ACCESS_KEY"],
                      S3_REGION=env["AWS_REGION"], JOBS_KEEP_FAILED_HOURS=0)
    orphan = stored_file(app)
    time.sleep(1.1)  # the store's times are to the second
    try:
        assert expire_uploads()["orphans"] >= 1
        assert not upload_store(app).exists(orphan)
        assert set(others) <= set(seaweedfs.keys())
    finally:
        for name in others:
            client.delete_object(Bucket=BUCKET, Key=name)


def test_an_upload_whose_job_is_being_made_survives_a_keeping_time_of_zero(app, tree):
    """FIELDKIT_JOBS_KEEP_FAILED_HOURS=0 (delete failed imports' files at once) must not make the sweep delete an
    upload just stored whose job is not committed yet: an orphan must be old whatever the keeping time."""
    app.config["JOBS_KEEP_FAILED_HOURS"] = 0
    failed = job(tree, "failed", hours_ago=0.01, upload=stored_file(app))
    being_made = stored_file(app)
    assert expire_uploads() == {"jobs": [failed.id], "orphans": 0}
    assert upload_store(app).exists(being_made)
