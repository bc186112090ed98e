"""Bookings on the day, the cell's calendar and notice, and capacity under racing requests (CONTRACT §7)."""
from datetime import timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select, update

from server.extensions import db
from server.schedules.models import Booking
from tests.conftest import at_once
from tests.schedule_support import at, day, plan, station_body, ward  # noqa: F401
from tests.sync_support import item, post_items, stored_photo


def rows():
    db.session.rollback()
    return db.session.scalars(select(Booking).order_by(Booking.start, Booking.id)).all()


def test_move_to_a_full_slot_is_409_and_to_a_free_one_moves(ward, login_as):
    plan(ward["admin"], ["C1", "C3"])
    lead = login_as("team_lead", "G1")
    first = rows()[0]
    full = lead.post(f"/api/v1/bookings/{first.id}/move", json={"start": at(1, "09:00").isoformat()})
    assert full.status_code == 409 and full.get_json()["error"]["code"] == "slot_full"
    moved = lead.post(f"/api/v1/bookings/{first.id}/move", json={"start": at(2, "08:00").isoformat()})
    assert moved.status_code == 200 and moved.get_json()["start"] == at(2, "08:00").isoformat()
    assert moved.get_json()["end"] == at(2, "08:30").isoformat() and moved.get_json()["status"] == "booked"
    nowhere = lead.post(f"/api/v1/bookings/{first.id}/move", json={"start": at(2, "08:10").isoformat()})
    assert nowhere.status_code == 422 and nowhere.get_json()["error"]["code"] == "not_a_slot"
    assert login_as("officer", "C1").post(f"/api/v1/bookings/{first.id}/move",
                                          json={"start": at(2, "08:30").isoformat()}).status_code == 403


def test_cancel_frees_the_desk_and_is_safe_to_repeat(ward, login_as):
    plan(ward["admin"], ["C1"])
    lead = login_as("team_lead", "G1")
    booking = rows()[0]
    for _ in range(2):
        answer = lead.post(f"/api/v1/bookings/{booking.id}/cancel")
        assert answer.status_code == 200 and answer.get_json()["status"] == "cancelled"
    assert plan(ward["admin"], ["C1"]).get_json()["booked"] == 1  # the member is bookable again


def test_accepted_record_makes_the_booking_arrived_and_late_slots_read_missed(ward, login_as):
    plan(ward["admin"], ["C1"])
    people = ward["people"]
    past = at(-1, "08:00")
    db.session.execute(update(Booking).values(start=past, end=past + timedelta(minutes=30)))
    db.session.commit()
    officer = login_as("officer", "C1")
    assert post_items(officer, [item(stored_photo(), member_id=people["a1"].id)]).status_code == 200
    day_view = officer.get(f"/api/v1/schedules?station=ST1&date={day(-1)}").get_json()
    statuses = {b["member_id"]: b["status"] for s in day_view["slots"] for b in s["bookings"]}
    assert statuses == {people["a1"].id: "arrived", people["a2"].id: "missed", people["a3"].id: "missed"}
    assert [s["capacity"] for s in day_view["slots"]] == [2] * len(day_view["slots"])
    missed = login_as("team_lead", "G1").get("/api/v1/schedules/missed?unit=C1").get_json()["bookings"]
    assert sorted(b["member_id"] for b in missed) == sorted([people["a2"].id, people["a3"].id])
    assert login_as("team_lead", "G2").get("/api/v1/schedules/missed?unit=C1").status_code == 404


def test_missed_members_are_replanned_in_one_action_or_turned_into_home_visits(ward, login_as):
    plan(ward["admin"], ["C1", "C3"])
    past = at(-1, "08:00")
    db.session.execute(update(Booking).values(start=past, end=past + timedelta(minutes=30)))
    db.session.commit()
    lead = login_as("team_lead", "G1")
    answer = lead.post("/api/v1/schedules/replan-missed", json={"unit": "C1", "from": day(1), "to": day(2)}).get_json()
    assert len(answer["moved"]) == 3 and answer["unbooked"] == []
    assert all(b["status"] == "booked" and b["start"] >= at(1, "00:00").isoformat() for b in answer["moved"])
    assert answer["moved"][0]["member_id"] == ward["people"]["a3"].id  # veteran first
    officer = login_as("officer", "G1")
    c3_missed = lead.get("/api/v1/schedules/missed?unit=C3").get_json()["bookings"]
    assert len(c3_missed) == 4
    visits = lead.post("/api/v1/schedules/missed/visits", json={
        "unit": "C3", "booking_ids": [b["id"] for b in c3_missed[:2]], "assignee_ids": [officer.user.id]}).get_json()
    assert visits["cancelled"] == 2 and visits["created"] == 2
    assert len(lead.get("/api/v1/schedules/missed?unit=C3").get_json()["bookings"]) == 2


def _calendar(client, code="C1"):
    response = client.get(f"/api/v1/schedules/cells/{code}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    return Calendar.from_ical(response.data)


def test_calendar_has_one_event_per_day_with_stable_uid_and_growing_sequence(ward, login_as):
    plan(ward["admin"], ["C1", "C3"])
    viewer = login_as("viewer", "A1")
    events = [c for c in _calendar(viewer).walk("VEVENT")]
    assert len(events) == 1
    event = events[0]
    assert event.decoded("dtstart") == at(1, "08:00") and event.decoded("dtend") == at(1, "09:00")
    assert str(event["dtstart"].params["TZID"]) == "Asia/Ho_Chi_Minh"
    assert "Công an phường Một" in str(event["location"]) and "12 Lý Thường Kiệt" in str(event["location"])
    assert "08:00–08:30  Vũ Văn Ba" in str(event["description"])
    uid, sequence = str(event["uid"]), int(event["sequence"])
    assert plan(ward["admin"], ["C1", "C3"]).get_json()["booked"] == 0  # a re-plan changes nothing
    again = list(_calendar(viewer).walk("VEVENT"))[0]
    assert (str(again["uid"]), int(again["sequence"])) == (uid, sequence)
    lead = login_as("team_lead", "G1")
    last = [b for b in rows() if b.cell_id == ward["people"]["a1"].unit_id][-1]
    assert lead.post(f"/api/v1/bookings/{last.id}/move", json={"start": at(1, "18:30").isoformat()}).status_code == 200
    moved = list(_calendar(viewer).walk("VEVENT"))[0]
    assert str(moved["uid"]) == uid and int(moved["sequence"]) == sequence + 1
    assert moved.decoded("dtend") == at(1, "19:00")
    assert login_as("viewer", "A2").get("/api/v1/schedules/cells/C1.ics").status_code == 404


def test_notice_pdf_is_vietnamese_a4_with_each_member_and_time(ward, login_as):
    import io

    from pypdf import PdfReader
    plan(ward["admin"], ["C1"])
    response = login_as("officer", "C1").get("/api/v1/schedules/cells/C1.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = PdfReader(io.BytesIO(response.data)).pages[0].extract_text()
    assert "Vũ Văn Ba" in text and "08:00–08:30" in text and "Công an phường Một" in text


def test_racing_moves_and_plans_never_overfill_a_slot(app, ward, login_as, tree):
    admin = ward["admin"]
    admin.put("/api/v1/stations/ST1", json=station_body(desks=3))
    plan(admin, ["C3"], first=2, last=2)  # C3: 3 at 08:00 and 1 at 08:30 on day 2
    leads = [login_as("team_lead", "G1") for _ in range(4)]
    c3 = [b for b in rows() if b.cell_id == ward["c3"].id]
    target = at(2, "18:00").isoformat()
    statuses = [status for status, _ in at_once(
        app, [(lead, "POST", f"/api/v1/bookings/{b.id}/move", {"start": target}) for lead, b in zip(leads, c3)])]
    assert sorted(statuses) == [200, 200, 200, 409]
    admins = [login_as("unit_admin", "A1") for _ in range(3)]
    body = {"station": "ST1", "from": day(1), "to": day(1), "skip_public_holidays": False}
    statuses = [status for status, _ in at_once(
        app, [(a, "POST", "/api/v1/schedules/plan", {**body, "cells": [c]}) for a, c in zip(admins, ["C1", "C3", "C1"])])]
    assert set(statuses) <= {200, 409}
    per_slot = {}
    for b in rows():
        if b.status in ("booked", "arrived"):
            per_slot.setdefault(b.start, set()).add(b.id)
            assert len(per_slot[b.start]) <= 3
    assert len(per_slot[at(2, "18:00")]) == 3


def test_roster_carries_tomorrows_bookings_in_scope_for_the_tablet(ward, login_as):
    plan(ward["admin"], ["C1", "C3"])
    mine = login_as("officer", "C1").get("/api/v1/sync/roster").get_json()["bookings"]
    assert sorted(b["member_id"] for b in mine) == sorted(ward["people"][k].id for k in ("a1", "a2", "a3"))
    assert mine[0]["start"] == at(1, "08:00").isoformat() and mine[0]["station"] == "ST1"
    assert login_as("officer", "C2").get("/api/v1/sync/roster").get_json()["bookings"] == []
