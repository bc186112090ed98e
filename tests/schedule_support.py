"""Shared pieces of the schedule tests: a station at G1 and a ward of small cells under it."""
from datetime import datetime, timedelta

import pytest

from server.extensions import db
from server.schedules.slots import VN, vn_today
from server.units import add_unit
from tests.conftest import add_member

EVERY_DAY = [{"weekday": d, "start": s, "end": e} for d in range(1, 8) for s, e in (("08:00", "09:30"), ("18:00", "19:00"))]


def station_body(**overrides):
    body = {"name": "Công an phường Một", "unit_code": "G1", "address": "12 Lý Thường Kiệt", "desks": 2,
            "slot_minutes": 30, "week": EVERY_DAY, "closed": []}
    body.update(overrides)
    return body


def day(offset: int) -> str:
    return (vn_today() + timedelta(days=offset)).isoformat()


def at(offset: int, hhmm: str) -> datetime:
    d = vn_today() + timedelta(days=offset)
    hours, minutes = map(int, hhmm.split(":"))
    return datetime(d.year, d.month, d.day, hours, minutes, tzinfo=VN)


def plan(admin, cells, first=1, last=3, station="ST1", **extra):
    return admin.post("/api/v1/schedules/plan", json={"station": station, "cells": cells, "from": day(first),
                                                       "to": day(last), "skip_public_holidays": False, **extra})


@pytest.fixture
def ward(app, tree, login_as):
    """C1 (3 members: one veteran), C3 (4 members) under G1; station ST1 at G1 with 2 desks."""
    c3 = add_unit("C3", "Chi bộ Khu phố 3", "cell", tree["G1"])
    db.session.commit()
    people = {
        "a1": add_member(tree["C1"], "A1", full_name="An Văn Một", citizen_id=None),
        "a2": add_member(tree["C1"], "A2", full_name="Bình Văn Hai", citizen_id=None),
        "a3": add_member(tree["C1"], "A3", full_name="Vũ Văn Ba", citizen_id=None, priority="veteran"),
        **{f"b{i}": add_member(c3, f"B{i}", full_name=f"Cao Thị Bốn {i}", citizen_id=None) for i in range(1, 5)},
    }
    db.session.commit()
    admin = login_as("unit_admin", "A1")
    response = admin.put("/api/v1/stations/ST1", json=station_body())
    assert response.status_code == 201, response.get_json()
    return {"admin": admin, "people": people, "c3": c3}
