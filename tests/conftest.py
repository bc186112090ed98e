"""Fixtures: an app per test on SQLite and, where marked, on the PostgreSQL that `make test` starts.

The API suite runs on both: `app` is parametrised by backend. FIELDKIT_TEST_PG_URL must be set
(make test sets it); running without it fails the PostgreSQL half loudly rather than skipping it,
unless FIELDKIT_TEST_SQLITE_ONLY=1 is set for a quick local run.
"""
import os
from datetime import date

import pytest
from sqlalchemy import text

from server import create_app
from server.auth import create_user
from server.config import TestConfig
from server.extensions import db
from server.models import Member
from server.text import name_key
from server.units import add_unit

PG_URL = os.environ.get("FIELDKIT_TEST_PG_URL")
SQLITE_ONLY = os.environ.get("FIELDKIT_TEST_SQLITE_ONLY") == "1"
BACKENDS = ["sqlite"] if SQLITE_ONLY else ["sqlite", "postgres"]
PASSWORD = "correct horse battery"

_pg_schema_ready = False


def _make_app(backend, tmp_path):
    global _pg_schema_ready
    if backend == "postgres":
        if not PG_URL:
            pytest.fail("FIELDKIT_TEST_PG_URL is not set: run the suite with `make test`")
        app = create_app(TestConfig(tmp_path, PG_URL))
        with app.app_context():
            if not _pg_schema_ready:
                db.drop_all()
                db.create_all()
                _pg_schema_ready = True
            else:
                tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
                db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
                db.session.commit()
        return app
    app = create_app(TestConfig(tmp_path))
    with app.app_context():
        db.create_all()
    return app


@pytest.fixture(params=BACKENDS)
def app(request, tmp_path):
    app = _make_app(request.param, tmp_path)
    app.config["BACKEND"] = request.param
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def sqlite_app(tmp_path):
    """An app on SQLite only, for tests of logic that does not depend on the database."""
    app = _make_app("sqlite", tmp_path)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def tree(app):
    """Province P → affiliated A1, A2 → grassroots G1 (in A1), G2 (in A2) → cells C1 (in G1), C2 (in G2)."""
    units = {}
    units["P"] = add_unit("P", "Tỉnh ủy Thử nghiệm", "province", None)
    units["A1"] = add_unit("A1", "Đảng bộ Phường Một", "affiliated", units["P"])
    units["A2"] = add_unit("A2", "Đảng bộ Phường Hai", "affiliated", units["P"])
    units["G1"] = add_unit("G1", "Đảng bộ cơ sở Một", "grassroots", units["A1"])
    units["G2"] = add_unit("G2", "Đảng bộ cơ sở Hai", "grassroots", units["A2"])
    units["C1"] = add_unit("C1", "Chi bộ Khu phố 1", "cell", units["G1"])
    units["C2"] = add_unit("C2", "Chi bộ Khu phố 2", "cell", units["G2"])
    db.session.commit()
    return units


def add_member(unit, code, full_name="Nguyễn Văn An", dob="1960-05-01", gender="male",
               citizen_id="001060012345", **extra):
    member = Member(member_code=code, unit=unit, full_name=full_name, name_key=name_key(full_name),
                    date_of_birth=dob, birth_year=int(dob[:4]), gender=gender, citizen_id=citizen_id,
                    hometown=extra.pop("hometown", "Hà Nội"),
                    permanent_address=extra.pop("permanent_address", "Số 1 phố Huế, Hà Nội"),
                    party_join_date=extra.pop("party_join_date", date(1985, 3, 1)),
                    party_official_date=extra.pop("party_official_date", date(1986, 3, 1)), **extra)
    db.session.add(member)
    db.session.flush()
    return member


@pytest.fixture
def members(tree):
    """Two members in C1 and one in C2."""
    result = {
        "m1": add_member(tree["C1"], "M1"),
        "m2": add_member(tree["C1"], "M2", full_name="Trần Thị Hoà", dob="1972", gender="female",
                         citizen_id="001172000111"),
        "m3": add_member(tree["C2"], "M3", full_name="Lê Văn Hùng", citizen_id="002065004321", dob="1965-02-02"),
    }
    db.session.commit()
    return result


class ApiClient:
    """A test client signed in as one user, adding the CSRF header to state changes."""

    def __init__(self, client, csrf, user):
        self.client, self.csrf, self.user = client, csrf, user

    def _with_csrf(self, kwargs):
        headers = dict(kwargs.pop("headers", {}) or {})
        headers.setdefault("X-CSRF-Token", self.csrf)
        kwargs["headers"] = headers
        return kwargs

    def get(self, *args, **kwargs):
        return self.client.get(*args, **kwargs)

    def head(self, *args, **kwargs):
        return self.client.head(*args, **kwargs)

    def post(self, *args, **kwargs):
        return self.client.post(*args, **self._with_csrf(kwargs))

    def put(self, *args, **kwargs):
        return self.client.put(*args, **self._with_csrf(kwargs))

    def delete(self, *args, **kwargs):
        return self.client.delete(*args, **self._with_csrf(kwargs))


def at_once(app, requests) -> list[tuple[int, str | None]]:
    """Send each (ApiClient, method, path, json) from its own thread, released together by a barrier (a race, for
    real); their (status, error code) in the order given, the code None below 400."""
    import threading
    barrier, answers = threading.Barrier(len(requests)), [None] * len(requests)

    def run(i, client, method, path, body):
        with app.app_context():
            barrier.wait()
            response = client.client.open(path, method=method, json=body, headers={"X-CSRF-Token": client.csrf})
            answers[i] = (response.status_code, (response.get_json() or {}).get("error", {}).get("code")
                          if response.status_code >= 400 else None)
            db.session.remove()

    threads = [threading.Thread(target=run, args=(i, *request)) for i, request in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


@pytest.fixture
def login_as(app, tree):
    """login_as(role, unit_code, username=None) → an ApiClient signed in as a new user of that role."""
    counter = {"n": 0}

    def login(role, unit_code, username=None):
        counter["n"] += 1
        username = username or f"{role}{counter['n']}_{unit_code.lower()}"
        user = create_user(username, PASSWORD, role, unit_code)
        db.session.commit()
        client = app.test_client()
        response = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
        assert response.status_code == 200, response.json
        return ApiClient(client, response.json["csrf_token"], user)

    return login


# ---- the browser: one Playwright driver and one Debian Chromium for every browser test of the session ----
# (Playwright's sync API allows one driver per process, so the e2e folders share these.)
from harness.app_driver import CHROMIUM, CHROMIUM_ARGS  # noqa: E402 -- shared with bench/pwa_bench.py


@pytest.fixture(scope="session")
def playwright():
    from playwright.sync_api import expect, sync_playwright
    # expect() waits 5 s by default; the contexts' actions wait 15 s (tests/e2e*/conftest.py): one patience for both,
    # so an assertion on a slow CI machine waits as long as the click before it may.
    expect.set_options(timeout=15_000)
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright):
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    yield chromium
    chromium.close()


@pytest.fixture(scope="session")
def seaweedfs():
    """One real S3-compatible store (SeaweedFS on loopback) for the whole session; see harness/object_store.py."""
    from harness.object_store import SeaweedFS
    with SeaweedFS() as store:
        yield store
