"""Hostile and clumsy input on the newest surfaces (schedules, cards, the console's uploads and exports, documents,
print notices), found by attacking a live server by hand: one case per hole that was mended.
Every case runs on SQLite and on PostgreSQL."""
import io
import unicodedata
import uuid
from datetime import timedelta
from urllib.parse import quote

from openpyxl import load_workbook
from sqlalchemy import func, select, update

from server.cards.models import Card, Consignment
from server.extensions import db
from server.jobs import service as jobs_service
from server.jobs.models import Job
from server.models import AuditEvent
from server.schedules import bookings as bookings_module
from server.schedules import day as day_module
from server.schedules.models import Booking
from server.schedules.slots import VN
from server.units import add_unit
from tests.cards_support import batch, handover, import_cards, post_handovers, write_cards  # noqa: F401  (fixture)
from tests.schedule_support import at, day, plan, station_body, ward  # noqa: F401  (fixture)
from tests.test_job_uploads import job, rerun_queues_only, stored_file


def upload(client, kind, text, name="file.csv"):
    return client.post("/api/v1/imports", content_type="multipart/form-data",
                       data={"import_kind": kind, "import_file": (io.BytesIO(text.encode()), name)})


def test_a_cards_upload_cannot_name_or_void_the_card_of_a_member_outside_the_admins_unit(app, tree, members,
                                                                                         login_as):
    """An admin of A1 naming M3 (a member of A2) was stored a card for them, and voided their own unit's card as a
    'reprint': the member must read as unknown, exactly like one that does not exist, and nothing is stored."""
    theirs = login_as("unit_admin", "A2")
    assert upload(theirs, "cards", "card_number,member_code,batch_code\nK-A2,M3,B1\n").json["state"] == "done"
    admin = login_as("unit_admin", "A1")
    job = upload(admin, "cards", "card_number,member_code,batch_code\nK-1,M1,B1\nK-X,M3,B1\n").json
    assert job["state"] == "rejected", job
    assert job["report"]["rejected"][0]["line"] == 3
    missing = upload(admin, "cards", "card_number,member_code,batch_code\nK-Y,NOPE,B1\n").json
    assert [r["reasons"] for r in job["report"]["rejected"]] == \
        [[reason.replace("NOPE", "M3") for reason in r["reasons"]] for r in missing["report"]["rejected"]]
    db.session.rollback()
    assert {c.card_number: c.status for c in db.session.scalars(select(Card))} == {"K-A2": "at_unit"}


def test_a_handover_dated_by_a_reset_tablet_clock_is_refused_as_a_record_would_be(app, tree, batch, login_as):
    """A tablet whose clock fell back to 1970 (a flat battery) had its hand-over stored as made in 1970: the
    card's and the member's hand-over date were wrong for good. Records refuse such a time; so do hand-overs."""
    officer = login_as("officer", "P")  # the batch waits at P
    old = handover("K-001", batch["m1"].id, handed_at="1970-01-01T07:00:00+07:00")
    result = post_handovers(officer, [old]).json["results"][0]
    assert result["outcome"] == "rejected" and result["errors"] == [
        {"field": "handed_at", "code": "date_out_of_range", "params": {"min": "2020-01-01"}}]
    db.session.rollback()
    assert db.session.scalar(select(Card.status).where(Card.card_number == "K-001")) == "at_unit"


def test_a_unit_code_excel_cannot_name_a_sheet_after_still_exports(app, tree, login_as):
    """A unit imported with the code "G1/Khu:A" (codes may hold any printable character but spaces): the review
    export named its sheet after the code, openpyxl refused "/" and ":" and the download was a 500."""
    admin = login_as("unit_admin", "A1")
    units = "code,name,kind,parent_code\nG1/Khu:A*,Chi bộ gạch chéo,cell,G1\n"
    assert upload(admin, "units", units).json["state"] == "done"
    answer = admin.get("/api/v1/review/export.xlsx?unit=G1%2FKhu%3AA%2A")
    assert answer.status_code == 200, answer.get_data(as_text=True)[:300]
    book = load_workbook(io.BytesIO(answer.data))
    assert book.sheetnames == ["G1_Khu_A_"] and "Khu:A*" in book.active["A2"].value


def test_moving_a_station_to_another_unit_lists_the_bookings_it_no_longer_serves(ward, tree):
    """PUT a station with another `unit_code` (a slip of the admin's hand) answered `orphaned: []`: the cells'
    bookings silently stayed at a station their own people can no longer open (404 on the day list)."""
    other = add_unit("G9", "Đảng bộ cơ sở Chín", "grassroots", tree["A1"])
    db.session.commit()
    admin = ward["admin"]
    assert plan(admin, ["C1", "C3"]).get_json()["booked"] == 7
    answer = admin.put("/api/v1/stations/ST1", json=station_body(unit_code=other.code)).get_json()
    assert sorted(b["member_id"] for b in answer["orphaned"]) == sorted(p.id for p in ward["people"].values())
    back = admin.put("/api/v1/stations/ST1", json=station_body()).get_json()
    assert back["orphaned"] == []


def test_a_json_body_with_a_byte_order_mark_is_read_as_json(app, tree, login_as):
    """The body parser accepts a UTF-8 BOM (server.json_body) but the views' parser then refused the body with a
    bare 400 `bad_request` (a JSON file saved by Notepad, sent with curl --data @file)."""
    admin = login_as("unit_admin", "A1")
    body = '\ufeff{"name": "Công an phường", "unit_code": "G1", "desks": 1, "slot_minutes": 30, "week": []}'
    answer = admin.put("/api/v1/stations/ST1", data=body.encode(), content_type="application/json")
    assert answer.status_code == 201, answer.get_json()
    assert admin.get("/api/v1/stations").get_json()["stations"][0]["name"] == "Công an phường"


def test_a_station_typed_in_nfd_or_with_hidden_characters_is_stored_as_imports_store_text(app, tree, login_as):
    """A station PUT with its name in NFD and a zero-width space in its address kept them as sent (on the
    calendar, the notice and every tablet), and "TRẠM" in NFD and in NFC made two stations that look the same."""
    admin = login_as("unit_admin", "A1")
    body = {"name": unicodedata.normalize("NFD", "Công an  phường Đồng Xuân"), "unit_code": "G1",
            "address": "Số 5\u200b Lê Lợi", "desks": 1, "slot_minutes": 30, "week": []}
    nfd_code = quote(unicodedata.normalize("NFD", "TRẠM"))
    assert admin.put(f"/api/v1/stations/{nfd_code}", json=body).status_code == 201
    assert admin.put(f"/api/v1/stations/{quote('TRẠM')}", json=body).status_code == 200  # the same station
    [station] = admin.get("/api/v1/stations").get_json()["stations"]
    assert (station["code"], station["name"], station["address"]) == \
        ("TRẠM", "Công an phường Đồng Xuân", "Số 5 Lê Lợi")
    day = admin.get(f"/api/v1/schedules?station={nfd_code}&date=2030-01-07")
    assert day.status_code == 200, day.get_json()
    hidden = admin.put("/api/v1/stations/X", json={**body, "name": "\u200b \u200b"})
    assert hidden.status_code == 422 and hidden.get_json()["error"]["fields"] == {
        "name": [{"code": "required", "params": {}}]}


def test_an_import_refuses_direction_overrides_and_drops_direction_marks(app, tree, members, tmp_path):
    """JSON bodies refuse U+202E, but a file's "K-1\\u202e" was stored as a card number that every list shows
    reversed; a right-to-left mark copied from a web page stayed inside the number, so typing it found nothing."""
    path = write_cards(tmp_path / "bidi.csv", [["K-1\u202e", "M1", "B1", ""], ["K-2\u200f", "M2", "B1", ""]])
    result = import_cards(app, path)
    assert result.exit_code == 1 and "line 2: card_number: contains control characters" in result.output
    assert "line 3" not in result.output, result.output
    assert import_cards(app, write_cards(tmp_path / "mark.csv", [["K-2\u200f", "M2", "B1", ""]])).exit_code == 0
    db.session.rollback()
    assert db.session.scalars(select(Card.card_number)).all() == ["K-2"]


def test_a_larger_units_calendar_or_notice_is_refused_not_printed_empty(ward):
    """/schedules/cells/G1.pdf (a grassroots unit, a slip of the secretary's link) printed a notice saying the
    "cell" had no schedule yet, and the .ics was an empty calendar; a station closed on 0001-01-01 was stored."""
    admin = ward["admin"]
    assert plan(admin, ["C1"]).get_json()["booked"] == 3
    for path in ("/api/v1/schedules/cells/G1.ics", "/api/v1/schedules/cells/G1.pdf"):
        answer = admin.get(path)
        assert answer.status_code == 422 and answer.get_json()["error"]["code"] == "not_a_cell", path
    assert admin.get("/api/v1/schedules/cells/C1.ics").status_code == 200
    closed = admin.put("/api/v1/stations/ST1", json=station_body(closed=["0001-01-01"]))
    assert closed.status_code == 422 and closed.get_json()["error"]["fields"] == {
        "closed.0": [{"code": "date_out_of_range", "params": {"min": "2020-01-01", "max": "2099-12-31"}}]}


def test_sending_the_same_consignment_again_answers_the_first_one(app, batch, login_as):
    """A second click on "send" (or a retry after a lost answer) was told `card_not_here` for every card, as if
    the cards had vanished; it now answers the consignment the first send made, and stores nothing more."""
    admin = login_as("unit_admin", "P")
    body = {"to_unit": "A1", "card_numbers": ["K-001", "K-002"]}
    first = admin.post("/api/v1/cards/consignments", json=body)
    again = admin.post("/api/v1/cards/consignments", json={**body, "card_numbers": ["K-002", "K-001", "K-001"]})
    assert first.status_code == again.status_code == 201 and again.get_json() == first.get_json()
    assert db.session.scalar(select(func.count(Consignment.id))) == 1
    part = admin.post("/api/v1/cards/consignments", json={**body, "card_numbers": ["K-001"]})
    assert part.status_code == 422 and part.get_json()["error"]["code"] == "cards_not_sendable"
    other = login_as("unit_admin", "P").post("/api/v1/cards/consignments", json=body)  # another admin: not theirs
    assert other.status_code == 422


def _missed_yesterday():
    past = at(-1, "08:00")
    db.session.execute(update(Booking).values(start=past, end=past + timedelta(minutes=30)))
    db.session.commit()


def _meanwhile(monkeypatch, change):
    """Run `change` on its own connection, committed, the first time a request takes a station's lock: the
    moment at which a second request of the same kind would have finished its work."""
    real, calls = day_module.lock_station, []

    def lock(station):
        if not calls:
            calls.append(station.id)
            with db.engine.begin() as other:
                other.execute(change)
        real(station)
    monkeypatch.setattr(day_module, "lock_station", lock)
    return calls


def test_two_replans_of_the_missed_at_once_move_each_booking_once(ward, login_as, monkeypatch):
    """Three "replan the missed" clicks at once each answered `moved: 35` on a live server: each read the missed
    bookings before the station's lock and moved them again after the others had."""
    plan(ward["admin"], ["C1"])
    _missed_yesterday()
    later = at(2, "08:00")  # where the other request put them
    calls = _meanwhile(monkeypatch, update(Booking).values(start=later, end=later + timedelta(minutes=30)))
    lead = login_as("team_lead", "G1")
    answer = lead.post("/api/v1/schedules/replan-missed", json={"unit": "C1", "from": day(1), "to": day(3)})
    assert calls and answer.status_code == 200 and answer.get_json()["moved"] == []


def test_missed_bookings_turned_into_visits_at_once_are_cancelled_once(ward, login_as, monkeypatch):
    """Two "turn into home visits" requests at once both read the bookings as missed, both cancelled them and
    both answered `cancelled` (each audited); the missed are now read under the stations' locks."""
    plan(ward["admin"], ["C1"])
    _missed_yesterday()
    calls = _meanwhile(monkeypatch, update(Booking).values(status="cancelled"))
    lead, officer = login_as("team_lead", "G1"), login_as("officer", "C1")
    booking_ids = list(db.session.scalars(select(Booking.id)))
    answer = lead.post("/api/v1/schedules/missed/visits", json={
        "unit": "C1", "booking_ids": booking_ids, "assignee_ids": [officer.user.id]})
    assert calls and answer.status_code == 422 and answer.get_json()["error"]["code"] == "not_missed"


def _after_reading_the_booking(monkeypatch, change):
    """Run `change` committed on its own connection right after the request has read its booking: a record
    arriving, or another lead's click, at that moment."""
    real = bookings_module.get_booking

    def get_booking(user, booking_id):
        booking = real(user, booking_id)
        with db.engine.begin() as other:
            other.execute(change.where(Booking.id == booking_id))
        return booking
    monkeypatch.setattr(bookings_module, "get_booking", get_booking)


def test_a_cancel_never_overwrites_an_arrival_that_came_meanwhile(ward, login_as, monkeypatch):
    """Cancelling wrote `cancelled` whatever the booking had become since it was read: a member whose record
    arrived at that moment lost the arrival. A move went ahead the same way on a booking cancelled meanwhile."""
    plan(ward["admin"], ["C1"])
    first, second = db.session.scalars(select(Booking.id).order_by(Booking.id).limit(2)).all()
    lead = login_as("team_lead", "G1")
    _after_reading_the_booking(monkeypatch, update(Booking).values(status="arrived"))
    answer = lead.post(f"/api/v1/bookings/{first}/cancel")
    assert answer.status_code == 409 and answer.get_json()["error"]["code"] == "booking_closed"
    _after_reading_the_booking(monkeypatch, update(Booking).values(status="cancelled"))
    moved = lead.post(f"/api/v1/bookings/{second}/move", json={"start": at(3, "18:30").isoformat()})
    assert moved.status_code == 409 and moved.get_json()["error"]["code"] == "booking_closed"
    db.session.rollback()
    assert db.session.get(Booking, first).status == "arrived"
    assert db.session.get(Booking, second).start.astimezone(VN) != at(3, "18:30")


def test_two_clicks_on_run_again_queue_the_job_once(app, tree, login_as, monkeypatch):
    """Both clicks read the job `failed` and both queued it (two runs enqueued, two job.retry rows): the second
    is now told the job is queued already."""
    admin = login_as("unit_admin", "A1")
    rerun_queues_only(app)
    failed = job(tree, "failed", hours_ago=1, upload=stored_file(app))
    real = jobs_service._file_kept

    def kept(row):  # the other click's retry commits right after this one read the job
        with db.engine.begin() as other:
            other.execute(update(Job).where(Job.id == row.id).values(state="queued"))
        return real(row)
    monkeypatch.setattr(jobs_service, "_file_kept", kept)
    answer = admin.post(f"/api/v1/jobs/{failed.id}/retry")
    assert answer.status_code == 409 and answer.json["error"]["code"] == "job_running", answer.json
    db.session.rollback()
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "job.retry")) == 0


def test_a_print_notice_from_a_tablet_clock_reset_to_1970_is_kept_and_flagged(login_as, tree):
    """A clock ahead was flagged on the audit row, a clock reset to 1970 was not: the row read as a print in 1970."""
    officer = login_as("officer", "C1")
    item = {"client_id": str(uuid.uuid4()), "member_id": None, "record_client_id": None,
            "printed_at": "1970-01-01T07:00:00+07:00"}
    answer = officer.post("/api/v1/prints", json={"device_id": "tablet-1", "items": [item]})
    assert answer.json["results"][0]["outcome"] == "accepted"
    db.session.rollback()
    row = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "form.print"))
    assert row.detail["device_clock_behind"] is True and row.detail["printed_at"].startswith("1970-01-01")
