"""Fixtures for the review screen's browser test: a real gunicorn on a temporary SQLite data dir, holding
one member per registry class and one collected record in review, and Debian's Chromium via Playwright.

The data dir is prepared with the operator CLI (init-db, create-user, reconcile) plus a short script for
units, members and registry rows; the collected record comes in through the real sync endpoint.
"""
import http.client
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.live_server import UPLOADED_BY_OFFICER, free_port

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PASSWORD = "review-e2e-pass"
SETUP = """
import hashlib, json
from server import create_app
from server.extensions import db
from server.models import Member, Photo, RegistryRecord
from server.text import name_key
from server.units import add_unit

def person(model, **values):
    values["name_key"] = name_key(values["full_name"])
    values["birth_year"] = int(values["date_of_birth"][:4])
    row = model(**values)
    db.session.add(row)
    return row

app = create_app()
with app.app_context():
    p = add_unit("P", "Tỉnh ủy Thử nghiệm", "province", None)
    a = add_unit("A", "Đảng bộ Phường Một", "affiliated", p)
    g = add_unit("G", "Đảng bộ cơ sở Một", "grassroots", a)
    c = add_unit("C", "Chi bộ Khu phố 1", "cell", g)
    common = dict(gender="male", hometown="Hà Nội", permanent_address="Số 1 phố Huế")
    for cid, name, dob, gender in [("001060012345", "Nguyễn Văn An", "1960-05-01", "male"),
                                   ("002065004321", "Lê Văn Hưng", "1965-02-02", "male"),
                                   ("001080000001", "Phạm Thị Lan", "1980-07-07", "female"),
                                   ("001080000002", "Phạm Thị Lan", "1980-07-07", "female")]:
        person(RegistryRecord, citizen_id=cid, full_name=name, date_of_birth=dob,
               **{**common, "gender": gender})
    members = {}
    for code, cid, name, dob, gender in [("M1", "001060012345", "Nguyễn Văn An", "1960-05-01", "male"),
                                         ("M3", "002065004321", "Lê Văn Hùng", "1965-02-02", "male"),
                                         ("M4", "001050999999", "Đỗ Văn Không", "1950-01-01", "male"),
                                         ("M5", None, "Phạm Thị Lan", "1980-07-07", "female")]:
        members[code] = person(Member, member_code=code, unit=c, citizen_id=cid, full_name=name,
                               date_of_birth=dob, **{**common, "gender": gender})
    sha = hashlib.sha256(b"review-e2e-photo").hexdigest()
    db.session.add(Photo(sha256=sha, stored_sha256=sha, width=600, height=800, bytes=1, quality={}))
    db.session.commit()
    print(json.dumps({"members": {code: m.id for code, m in members.items()}, "photo": sha}))
"""


class ReviewServer:
    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("FIELDKIT_TEST")}
        self.env.pop("DATABASE_URL", None)
        self.env.update(FIELDKIT_DATA_DIR=str(data_dir), FIELDKIT_PASSWORD=PASSWORD, PYTHONPATH=str(REPO))
        self.proc = None
        self.ids = {}

    def run(self, *args, **kwargs) -> str:
        done = subprocess.run(list(args), env=self.env, cwd=REPO, capture_output=True, text=True, timeout=120,
                              **kwargs)
        assert done.returncode == 0, f"{args[:2]} failed:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def prepare(self):
        self.run(str(BIN / "fieldkit"), "init-db")
        self.ids = json.loads(self.run(sys.executable, "-c", SETUP).strip().splitlines()[-1])
        self.run(str(BIN / "fieldkit"), "create-user", "admin", "--role", "unit_admin", "--unit", "P")
        self.run(str(BIN / "fieldkit"), "create-user", "officer", "--role", "officer", "--unit", "G")
        self.run(sys.executable, "-c", UPLOADED_BY_OFFICER)  # the officer sent the photo; a hash is no key
        self.run(str(BIN / "fieldkit"), "reconcile")

    def start(self):
        self.proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "-w", "1", "-k", "gthread", "--threads", "4", "-b", f"127.0.0.1:{self.port}",
             "server:create_app()"],
            env=self.env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=open(self.data_dir / "gunicorn.log", "ab"),
            start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if self.request("GET", "/healthz")[0] == 200:
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not start; see {self.data_dir / 'gunicorn.log'}")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=30)

    def request(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        conn.request(method, path, body=None if body is None else json.dumps(body).encode(),
                     headers={"Content-Type": "application/json", **(headers or {})})
        response = conn.getresponse()
        data = response.read()
        cookie = (response.getheader("Set-Cookie") or "").split(";", 1)[0]
        conn.close()
        return response.status, json.loads(data) if data and data[:1] in b"{[" else data, cookie

    def api_as(self, username):
        """(cookie, csrf) of a fresh session for `username`."""
        status, body, cookie = self.request("POST", "/api/v1/auth/login",
                                            {"username": username, "password": PASSWORD})
        assert status == 200, body
        return {"Cookie": cookie, "X-CSRF-Token": body["csrf_token"]}

    def submit_as_officer(self, member_code, **fields):
        """A record collected in the field for a member, through the real sync endpoint."""
        headers = self.api_as("officer")
        item = {"client_id": f"00000000-0000-4000-8000-{self.ids['members'][member_code]:012d}",
                "member_id": self.ids["members"][member_code], "visit_id": None,
                "captured_at": "2025-08-08T14:03:11+07:00", "location_kind": "station",
                "photo_sha256": self.ids["photo"], "consent": True,
                "fields": {"full_name": "Nguyễn Văn An", "date_of_birth": "1960-05-01", "gender": "male",
                           "citizen_id": "001060012345", "hometown": "Hà Nội", "permanent_address": "Số 1 phố Huế",
                           "party_join_date": "1985-03-01", "party_official_date": "1986-03-01", **fields}}
        status, body, _ = self.request("POST", "/api/v1/sync/submissions", {"device_id": "tablet-e2e", "items": [item]},
                                       headers)
        assert status == 200 and body["results"][0]["outcome"] == "accepted", body
        return body["results"][0]


@pytest.fixture(scope="module")
def review_server(tmp_path_factory):
    server = ReviewServer(tmp_path_factory.mktemp("review-e2e"))
    server.prepare()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def shots(tmp_path):
    """Where screenshots go: REVIEW_SHOTS_DIR if set (to look at them), else the test's temp dir."""
    folder = Path(os.environ.get("REVIEW_SHOTS_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder
