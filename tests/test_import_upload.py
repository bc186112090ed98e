"""The import upload: past the 64 MiB cap of every other request (up to IMPORT_MAX_BYTES), streamed to the upload
store in chunks under a real gunicorn with the worker's peak memory bounded; beyond its cap a 413 with its own
code and nothing stored."""
import hashlib
import http.client
import io
import json
import subprocess
import time
import sys
import uuid
from pathlib import Path

from sqlalchemy import func, select

from harness.live_server import PASSWORD, REPO, LiveServer
from server.extensions import db
from server.jobs.models import Job
from tests.test_jobs_worker import HEADER

MIB = 1024 * 1024
ADMIN = f"""
from server import create_app
from server.auth import create_user
from server.extensions import db
from server.units import add_unit
with create_app().app_context():
    db.create_all()  # the schema the migrations make (tests/test_migrations.py); one process instead of two
    add_unit("P", "Tỉnh", "province", None)
    create_user("admin", {PASSWORD!r}, "unit_admin", "P")
    db.session.commit()
"""


def test_an_upload_over_its_cap_is_refused_with_its_code_and_nothing_kept(app, tree, login_as, tmp_path):
    app.config["IMPORT_MAX_BYTES"] = MIB
    admin = login_as("unit_admin", "P")
    answer = admin.post("/api/v1/imports", content_type="multipart/form-data", data={
        "import_kind": "members", "import_file": (io.BytesIO(b"x" * (MIB + 1)), "members.csv")})
    assert answer.status_code == 413, answer.json
    assert answer.json["error"]["code"] == "import_file_too_large"
    assert answer.json["error"]["fields"]["import_file"][0]["params"] == {"max_mib": 1}
    # A body that does not declare its length (chunked) is cut off at the cap as it streams in, same answer.
    boundary = "b0undary"
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="import_kind"\r\n\r\nmembers\r\n--{boundary}'
            f'\r\nContent-Disposition: form-data; name="import_file"; filename="m.csv"\r\n\r\n').encode()
    chunked = admin.post("/api/v1/imports", input_stream=io.BytesIO(body + b"x" * (2 * MIB)),
                         content_type=f"multipart/form-data; boundary={boundary}",
                         environ_overrides={"wsgi.input_terminated": True})
    assert chunked.status_code == 413 and chunked.json["error"]["code"] == "import_file_too_large", chunked.json
    assert db.session.scalar(select(func.count()).select_from(Job)) == 0
    assert not (tmp_path / "uploads").exists() or not list((tmp_path / "uploads").iterdir())
    # Every other request keeps MAX_CONTENT_LENGTH.
    app.config["MAX_CONTENT_LENGTH"] = 4096
    assert admin.post("/api/v1/sync/submissions", data=b"x" * 5000,
                      content_type="application/json").json["error"]["code"] == "too_large"


def _peak_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM")


def _parts(boundary: str, rows: int):
    """A members file of `rows` rows as multipart parts, made on the fly (the test holds no copy either)."""
    yield (f'--{boundary}\r\nContent-Disposition: form-data; name="import_kind"\r\n\r\nmembers\r\n'
           f'--{boundary}\r\nContent-Disposition: form-data; name="import_file"; filename="members.csv"\r\n'
           f"Content-Type: text/csv\r\n\r\n{HEADER}\n").encode()
    for start in range(0, rows, 5000):
        yield "".join(f"K{i:07d},C,Nguyễn Văn Số {i},1960-05-01,male,,Hà Nội,Số {i} phố Huế - Phường Hàng Bài,"
                      f"1985-03-01,1986-03-01,standard,no\n" for i in range(start, min(start + 5000, rows))).encode()
    yield f"\r\n--{boundary}--\r\n".encode()


def test_a_66_mib_upload_streams_to_the_store_with_the_workers_memory_bounded(tmp_path):
    server = LiveServer(tmp_path / "data")
    subprocess.run([sys.executable, "-c", ADMIN], cwd=REPO, env=server.env, check=True)
    server.start()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
        conn.request("POST", "/api/v1/auth/login", json.dumps({"username": "admin", "password": PASSWORD}), {"Content-Type": "application/json"})
        answer = conn.getresponse()
        csrf, cookie = json.loads(answer.read())["csrf_token"], answer.getheader("Set-Cookie").split(";")[0]
        worker = int(Path(f"/proc/{server.proc.pid}/task/{server.proc.pid}/children").read_text().split()[0])
        before = _peak_kib(worker)
        boundary, rows = uuid.uuid4().hex, 480_000
        size, digest = 0, hashlib.sha256(f"{HEADER}\n".encode())  # of the file alone, as it should be kept
        for index, part in enumerate(_parts(boundary, rows)):
            size += len(part)
            if index and not part.startswith(b"\r\n--"):
                digest.update(part)
        assert size > 64 * MIB  # past the cap of every other request
        started = time.perf_counter()
        conn.putrequest("POST", "/api/v1/imports")
        for name, value in (("Content-Type", f"multipart/form-data; boundary={boundary}"),
                            ("Content-Length", str(size)), ("Cookie", cookie), ("X-CSRF-Token", csrf)):
            conn.putheader(name, value)
        conn.endheaders()
        for part in _parts(boundary, rows):
            conn.send(part)
        answer = conn.getresponse()
        job = json.loads(answer.read())
        grown = _peak_kib(worker) - before
        seconds = time.perf_counter() - started
    finally:
        server.stop()
    assert answer.status == 202 and job["state"] == "queued", job
    (kept,) = (tmp_path / "data" / "uploads").iterdir()
    with open(kept, "rb") as handle:
        assert hashlib.file_digest(handle, "sha256").hexdigest() == digest.hexdigest()  # byte for byte
    print(f"upload {size / MIB:.0f} MiB in {seconds:.1f} s: worker peak memory grew {grown / 1024:.1f} MiB")
    assert grown < 24 * 1024, f"the worker's peak memory grew {grown} KiB for a {size // MIB} MiB upload"
