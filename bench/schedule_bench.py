"""Benchmark: planning whole cells into station slots (CONTRACT §7).

  ward     — a grassroots unit of 3,300 members in 40 cells, 2 stations, 14 days: `plan()` per station
             (set-based: one member query, one slot-count query, one executemany insert). Goal: < 2 s.
  naive    — the same ward planned member by member: a query for a submission, one for a booking, then a
             COUNT per candidate slot until one has room, an insert and a flush. Rolled back before the fast run.
  province — 250,000 members: 100 grassroots units of 25 cells × 100 members, one station each, 21 days.
             Goal: ≤ 60 s. Peak memory is the process's maximum resident size after each part.
A second run of the ward must book nothing (idempotent).

Usage: python bench/schedule_bench.py [--province-members 250000]   (DATABASE_URL=… for PostgreSQL)
"""
import argparse
import random
import resource
import time
from datetime import timedelta

from fieldwork_data import GIVEN, SURNAMES, make_app

WEEK = [{"weekday": d, "start": s, "end": e} for d in range(1, 8)
        for s, e in (("07:30", "11:30"), ("13:30", "17:00"), ("18:00", "20:00"))]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build(grassroots: int, cells: int, per_cell: int, seed=11):
    """Province → affiliated → grassroots (each with a station) → cells of members; returns [(admin, station, [cell codes])]."""
    from sqlalchemy import insert

    from server.auth import create_user
    from server.extensions import db
    from server.models import Member, utcnow
    from server.schedules.models import Station
    from server.text import name_key
    from server.units import add_unit
    rng = random.Random(seed)
    root = add_unit("P", "Tỉnh", "province", None)
    out, rows, n = [], [], 0
    for g in range(grassroots):
        aff = add_unit(f"A{g}", f"Đảng bộ {g}", "affiliated", root)
        ward = add_unit(f"G{g}", f"Phường {g}", "grassroots", aff)
        codes = []
        for c in range(cells):
            cell = add_unit(f"G{g}C{c}", f"Chi bộ {g}-{c}", "cell", ward)
            codes.append(cell.code)
            for _ in range(per_cell):
                n += 1
                name = f"{rng.choice(SURNAMES)} Văn {rng.choice(GIVEN)}"
                rows.append({"member_code": f"M{n}", "unit_id": cell.id, "full_name": name, "name_key": name_key(name),
                             "date_of_birth": "1960-01-01", "birth_year": 1960, "gender": "male", "hometown": "",
                             "permanent_address": "", "status": "pending", "needs_home_visit": rng.random() < 0.03,
                             "priority": "veteran" if rng.random() < 0.05 else "standard",
                             "created_at": utcnow(), "updated_at": utcnow()})
        stations = []
        for s in range(2 if grassroots == 1 else 1):
            station = Station(code=f"ST{g}-{s}", name=f"Công an {g}-{s}", unit_id=ward.id, address="", desks=6,
                              slot_minutes=20, week=WEEK, closed=[], version=0)
            db.session.add(station)
            stations.append(station)
        db.session.flush()
        admin = create_user(f"admin{g}", "bench password 1", "unit_admin", ward.code)
        share = len(codes) // len(stations)
        out += [(admin, st, codes[i * share:(i + 1) * share]) for i, st in enumerate(stations)]
    for i in range(0, len(rows), 20000):
        db.session.execute(insert(Member), rows[i:i + 20000])
    db.session.commit()
    return out


def naive(admin, station, codes, first, last) -> int:
    """Member by member: the obvious loop, one COUNT per candidate slot."""
    from sqlalchemy import func, select

    from server.extensions import db
    from server.models import Member, Submission, Unit
    from server.schedules.models import Booking
    from server.schedules.slots import station_slots, vn_now
    slots = [s for day in station_slots(station.week, station.slot_minutes, station.closed, first, last,
                                        after=vn_now()) for s in day]
    booked, i = 0, 0
    for code in codes:
        members = db.session.scalars(select(Member).join(Unit, Member.unit_id == Unit.id).where(Unit.code == code)
                                     .order_by(Member.priority != "veteran", Member.name_key)).all()
        for member in members:
            if member.needs_home_visit or db.session.scalar(select(Submission.id).where(Submission.member_id == member.id).limit(1)):
                continue
            if db.session.scalar(select(Booking.id).where(Booking.member_id == member.id).limit(1)):
                continue
            while i < len(slots) and db.session.scalar(select(func.count(Booking.id)).where(
                    Booking.station_id == station.id, Booking.start == slots[i][0])) >= station.desks:
                i += 1
            if i == len(slots):
                return booked
            db.session.add(Booking(member_id=member.id, station_id=station.id, cell_id=member.unit_id,
                                   start=slots[i][0], end=slots[i][1], status="booked"))
            db.session.flush()
            booked += 1
        i += 1  # the next cell starts on a fresh slot
    return booked


def run_plans(plans, first, last) -> tuple[float, int, int]:
    from server.schedules.planning import plan
    began, booked, unbooked = time.perf_counter(), 0, 0
    for admin, station, codes in plans:
        answer = plan(admin, station.code, codes, first, last, skip_public_holidays=False)
        booked, unbooked = booked + answer["booked"], unbooked + len(answer["unbooked"])
    return time.perf_counter() - began, booked, unbooked


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--province-members", type=int, default=250_000)
    args = parser.parse_args()
    from server.extensions import db
    from server.schedules.slots import vn_today
    first = vn_today() + timedelta(days=1)

    app = make_app()
    with app.app_context():
        plans = build(1, 40, 83)  # 3,320 members
        t0 = time.perf_counter()
        naive_booked = sum(naive(a, s, c, first, first + timedelta(days=13)) for a, s, c in plans)
        naive_s = time.perf_counter() - t0
        db.session.rollback()
        fast_s, booked, unbooked = run_plans(plans, first, first + timedelta(days=13))
        again_s, again, _ = run_plans(plans, first, first + timedelta(days=13))
        assert again == 0, "a second run booked members again"
        print(f"ward 3,320 members, 40 cells, 2 stations, 14 days: plan {fast_s:.2f} s (goal < 2 s), "
              f"booked {booked}, no capacity {unbooked}; naive per-member loop {naive_s:.2f} s "
              f"(booked {naive_booked}) → {naive_s / fast_s:.0f}× faster; rerun {again_s:.2f} s books {again}; "
              f"peak RSS {peak_mb():.0f} MB")
    app = make_app()
    with app.app_context():
        per_cell = 100
        grassroots = max(1, args.province_members // (25 * per_cell))
        plans = build(grassroots, 25, per_cell)
        total_s, booked, unbooked = run_plans(plans, first, first + timedelta(days=20))
        print(f"province {grassroots * 25 * per_cell:,} members, {grassroots} stations, 21 days: plan {total_s:.1f} s "
              f"(goal ≤ 60 s), {total_s / grassroots * 1000:.0f} ms per station, booked {booked}, "
              f"no capacity {unbooked}; peak RSS {peak_mb():.0f} MB")


if __name__ == "__main__":
    main()
