"""Stations and planning (CONTRACT §7) on SQLite and PostgreSQL."""
import pytest
from sqlalchemy import func, select

from server.extensions import db
from server.models import AuditEvent
from server.schedules.models import Booking, Station
from tests.schedule_support import EVERY_DAY, at, day, plan, station_body, ward  # noqa: F401

pytestmark = pytest.mark.usefixtures("ward")


def bookings():
    db.session.rollback()
    return db.session.scalars(select(Booking).order_by(Booking.start, Booking.id)).all()


def test_station_is_created_then_replaced_and_listed(ward, login_as):
    admin = ward["admin"]
    answer = admin.put("/api/v1/stations/ST1", json=station_body(desks=3, closed=[day(2)]))
    assert answer.status_code == 200 and answer.get_json()["desks"] == 3 and answer.get_json()["orphaned"] == []
    listed = admin.get("/api/v1/stations").get_json()["stations"]
    assert [(s["code"], s["unit_code"], s["desks"], s["closed"]) for s in listed] == [("ST1", "G1", 3, [day(2)])]
    # an officer of a cell the station serves sees it; one of another branch does not
    assert [s["code"] for s in login_as("officer", "C1").get("/api/v1/stations").get_json()["stations"]] == ["ST1"]
    assert login_as("officer", "C2").get("/api/v1/stations").get_json()["stations"] == []


BAD_STATIONS = [
    ({"desks": 0}, "desks_out_of_range"), ({"desks": 51}, "desks_out_of_range"),
    ({"slot_minutes": 4}, "slot_minutes_out_of_range"), ({"slot_minutes": 121}, "slot_minutes_out_of_range"),
    ({"week": [{"weekday": 1, "start": "10:00", "end": "09:00"}]}, "session_end_before_start"),
    ({"week": [{"weekday": 1, "start": "08:00", "end": "10:00"}, {"weekday": 1, "start": "09:30", "end": "11:00"}]},
     "sessions_overlap"),
    ({"week": [{"weekday": 8, "start": "08:00", "end": "10:00"}]}, "invalid_weekday"),
    ({"week": [{"weekday": 1, "start": "8h", "end": "10:00"}]}, "invalid_time"),
]


def test_bad_station_is_refused_with_a_code_and_nothing_written(ward):
    """One ward for the whole table: each case must leave no station and no audit row behind."""
    before = db.session.scalar(select(func.count(AuditEvent.id)))
    for change, code in BAD_STATIONS:
        response = ward["admin"].put("/api/v1/stations/ST2", json=station_body(**change))
        assert response.status_code == 422, (change, response.get_json())
        assert code in str(response.get_json()["error"]), (change, response.get_json())
        db.session.rollback()
        assert db.session.scalar(select(Station).where(Station.code == "ST2")) is None
        assert db.session.scalar(select(func.count(AuditEvent.id))) == before


def test_station_outside_scope_or_by_a_lead_is_refused(ward, login_as):
    assert login_as("unit_admin", "A2").put("/api/v1/stations/ST9", json=station_body()).status_code == 404
    assert login_as("unit_admin", "A2").put("/api/v1/stations/ST1", json=station_body(unit_code="G2")).status_code == 404
    assert login_as("team_lead", "G1").put("/api/v1/stations/ST9", json=station_body()).status_code == 403


def test_plan_books_whole_cells_in_consecutive_slots_veterans_first(ward):
    answer = plan(ward["admin"], ["C1", "C3"]).get_json()
    assert answer["booked"] == 7 and answer["already_booked"] == 0 and answer["unbooked"] == []
    rows = bookings()
    people = ward["people"]
    c1 = [b for b in rows if b.member_id in (people["a1"].id, people["a2"].id, people["a3"].id)]
    assert c1[0].member_id == people["a3"].id  # the veteran first
    starts = sorted({b.start for b in rows})
    assert starts == [at(1, t) for t in ("08:00", "08:30", "09:00", "09:30")][:len(starts)] or len(starts) == 4
    # a slot holds one cell only, never more than the desks, and each cell's slots are consecutive
    per_slot = {}
    for b in rows:
        per_slot.setdefault(b.start, []).append(b.cell_id)
    assert all(len(cells) <= 2 and len(set(cells)) == 1 for cells in per_slot.values())
    assert [at(1, "08:00"), at(1, "08:30")] == sorted({b.start for b in c1})
    c3 = sorted({b.start for b in rows if b not in c1})
    assert c3 == [at(1, "09:00"), at(1, "18:00")]  # 09:30 is no slot: the session ends at 09:30
    assert answer["cells"][0] == {"code": "C1", "first": at(1, "08:00").isoformat(), "last": at(1, "09:00").isoformat()}


def test_rerun_books_only_newcomers_next_to_their_cell(ward, tree):
    from tests.conftest import add_member
    plan(ward["admin"], ["C1", "C3"])
    add_member(tree["C1"], "A4", full_name="Đỗ Văn Tư", citizen_id=None)
    db.session.commit()
    answer = plan(ward["admin"], ["C1", "C3"]).get_json()
    assert (answer["booked"], answer["already_booked"]) == (1, 7)
    newcomer = [b for b in bookings() if b.member.member_code == "A4"][0]
    assert newcomer.start == at(1, "08:30")  # the free desk inside C1's own run


def test_plan_skips_collected_home_visit_and_closed_days_and_reports_no_capacity(ward):
    people = ward["people"]
    people["a1"].needs_home_visit = True
    db.session.commit()
    ward["admin"].put("/api/v1/stations/ST1", json=station_body(closed=[day(1)], week=[
        {"weekday": d, "start": "08:00", "end": "09:00"} for d in range(1, 8)], desks=1))
    answer = plan(ward["admin"], ["C1", "C3"], first=1, last=2).get_json()
    # day 1 closed; day 2 has 2 slots of 1 desk: C1's two bookable members fill it, C3 gets nothing
    assert answer["booked"] == 2
    assert sorted(u["member_id"] for u in answer["unbooked"]) == sorted(people[f"b{i}"].id for i in range(1, 5))
    assert {u["reason"] for u in answer["unbooked"]} == {"no_capacity"}
    assert people["a1"].id not in {b.member_id for b in bookings()}
    assert all(b.start.date() >= at(2, "00:00").date() for b in bookings())


def test_plan_skips_vietnams_public_holidays_unless_told_not_to(ward, monkeypatch):
    from datetime import date

    from server.schedules import planning
    from server.schedules.slots import public_holidays
    assert date(2027, 9, 2) in public_holidays(date(2027, 9, 1), date(2027, 9, 3))  # National Day, from `holidays`
    holiday = at(1, "00:00").date()
    monkeypatch.setattr(planning, "public_holidays", lambda first, last: {holiday})
    skipped = ward["admin"].post("/api/v1/schedules/plan", json={"station": "ST1", "cells": ["C1"], "from": day(1),
                                                                 "to": day(1)}).get_json()
    assert skipped["booked"] == 0 and len(skipped["unbooked"]) == 3
    assert plan(ward["admin"], ["C1"], first=1, last=1).get_json()["booked"] == 3  # skip_public_holidays: false


BAD_PLANS = [
    ({"from": day(-3), "to": day(-1)}, 422, "plan_range_in_past"),
    ({"from": day(1), "to": day(95)}, 422, "plan_range_too_long"),
    ({"from": day(5), "to": day(2)}, 422, "plan_range_reversed"),
    ({"cells": ["C2"]}, 422, "unknown_cell"),
    ({"cells": ["G1"]}, 422, "not_a_cell"),
    ({"station": "NOPE"}, 404, "not_found"),
]


def test_bad_plan_is_refused_and_books_nothing(ward):
    for body, status, code in BAD_PLANS:
        full = {"station": "ST1", "cells": ["C1"], "from": day(1), "to": day(3), **body}
        response = ward["admin"].post("/api/v1/schedules/plan", json=full)
        assert (response.status_code, response.get_json()["error"]["code"]) == (status, code), body
        assert bookings() == []


def test_cell_outside_the_stations_unit_is_refused(ward, login_as):
    admin = login_as("unit_admin", "P")
    admin.put("/api/v1/stations/ST2", json=station_body(unit_code="G2"))
    response = admin.post("/api/v1/schedules/plan", json={"station": "ST2", "cells": ["C1"], "from": day(1),
                                                          "to": day(2)})
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "cell_outside_station"
    assert bookings() == []


def test_only_unit_admins_plan(ward, login_as):
    assert plan(login_as("team_lead", "G1"), ["C1"]).status_code == 403


def test_pattern_change_lists_orphaned_bookings_and_keeps_them(ward):
    plan(ward["admin"], ["C1", "C3"])
    answer = ward["admin"].put("/api/v1/stations/ST1", json=station_body(
        week=[{"weekday": d, "start": "08:00", "end": "09:00"} for d in range(1, 8)])).get_json()
    orphaned = answer["orphaned"]
    assert {o["start"] for o in orphaned} == {at(1, "09:00").isoformat(), at(1, "18:00").isoformat()}
    assert all(o["status"] == "booked" for o in orphaned) and len(orphaned) == 4
    assert len([b for b in bookings() if b.status == "booked"]) == 7


def test_progress_counts_booked_members(ward, login_as):
    plan(ward["admin"], ["C1"])
    body = login_as("viewer", "A1").get("/api/v1/progress?unit=G1").get_json()
    assert body["booked"] == 3
    assert {c["unit"]["code"]: c["booked"] for c in body["children"]} == {"C1": 3, "C3": 0}
