"""Fixtures for the review screen's browser test: a real gunicorn on a temporary SQLite data dir, holding
one member per registry class and one collected record in review, and Debian's Chromium via Playwright.

The data dir is prepared with the operator CLI (init-db, create-user, reconcile) plus a short script for
units, members and registry rows; the collected record comes in through the real sync endpoint.
"""
import http.client
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness.live_server import REPO, UPLOADED_BY_OFFICER, Gunicorn

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


class ReviewServer(Gunicorn):
    def __init__(self, data_dir: Path):
        super().__init__(data_dir, password=PASSWORD)
        self.ids = {}

    def prepare(self):
        self.cli("init-db")
        done = subprocess.run([sys.executable, "-c", SETUP], env=self.env, cwd=REPO, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, done.stderr
        self.ids = json.loads(done.stdout.strip().splitlines()[-1])
        self.cli("create-user", "admin", "--role", "unit_admin", "--unit", "P")
        self.cli("create-user", "officer", "--role", "officer", "--unit", "G")
        # the officer sent the photo; a hash is no key
        subprocess.run([sys.executable, "-c", UPLOADED_BY_OFFICER], env=self.env, cwd=REPO, check=True)
        self.cli("reconcile")

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

    def submit_as_officer(self, member_code, identity_source=None, **fields):
        """A record collected in the field for a member, through the real sync endpoint."""
        headers = self.api_as("officer")
        item = {"client_id": f"00000000-0000-4000-8000-{self.ids['members'][member_code]:012d}",
                "member_id": self.ids["members"][member_code], "visit_id": None,
                "captured_at": "2025-08-08T14:03:11+07:00", "location_kind": "station",
                "photo_sha256": self.ids["photo"], "consent": True,
                "fields": {"full_name": "Nguyễn Văn An", "date_of_birth": "1960-05-01", "gender": "male",
                           "citizen_id": "001060012345", "hometown": "Hà Nội", "permanent_address": "Số 1 phố Huế",
                           "party_join_date": "1985-03-01", "party_official_date": "1986-03-01", **fields}}
        if identity_source:
            item["identity_source"] = identity_source
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
