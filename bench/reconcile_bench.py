"""Benchmark: batch reconciliation of a province against a registry extract, on SQLite.

Generates N members (default 250,000) and a registry of 4×N rows (default 1,000,000) into a
temporary SQLite database with executemany inserts, then runs in separate processes (so each
peak RSS is its own):

  naive  — the per-member way: one registry query (or two) per member, on a slice, extrapolated to N;
  batch  — `run_reconciliation()` over everyone (the figure the goal is about: < 60 s);
  rerun  — the same again with nothing changed (idempotence: no row rewritten).

Usage: python bench/reconcile_bench.py [--members N] [--registry M] [--slice S]
(RECONCILE_BENCH_MEMBERS=20000 for a quick run.) Prints time, rows/s, peak memory and the ratio.
"""
import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from fieldwork_data import domain_app, peak_mib  # noqa: E402  (shared by the benches)

SURNAMES = "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý".split()
MIDDLE = "Văn Thị Hữu Đức Minh Thanh Ngọc Quang Xuân Thu Kim Đình".split()
GIVEN = ("An Bình Hoà Thuỷ Quý Hùng Hưng Lan Mai Nam Sơn Tùng Hải Hạnh Hương Long Phúc Tâm Thảo Trang "
         "Tuấn Việt Yến Dũng Giang Khoa Linh Lộc Nga Oanh Phong Quân Thắng Thuỳ Toàn Trí Uyên Vinh Xuyến Hoè").split()
HOMETOWNS = ["Hà Nội", "Phú Thọ", "Thanh Hóa", "Nghệ An", "Bắc Ninh", "Lạng Sơn", "Tây Ninh", "Huế",
             "Quảng Nam", "Cần Thơ", "Hải Phòng", "Nam Định"]
PROVINCES = ["001", "025", "038", "040", "027", "020", "072", "046"]




@lru_cache(maxsize=None)
def _key(name: str) -> str:
    from server.text import name_key
    return name_key(name)


def _person(rng: random.Random, serial: int) -> dict:
    year = rng.randint(1930, 2003)
    gender = rng.choice(("male", "female"))
    digit = (0 if gender == "male" else 1) + (2 if year >= 2000 else 0)
    name = f"{rng.choice(SURNAMES)} {'Thị' if gender == 'female' else rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
    return {"citizen_id": f"{rng.choice(PROVINCES)}{digit}{year % 100:02d}{serial:06d}", "full_name": name,
            "date_of_birth": f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}", "birth_year": year,
            "gender": gender, "hometown": rng.choice(HOMETOWNS), "permanent_address": "Số 1, khu phố 1"}


def _registry_row(person: dict) -> dict:
    return {**person, "name_key": _key(person["full_name"])}


def _member_variant(i: int, person: dict) -> dict:
    """Shape member i after its registry row: ~80% identical, the rest in each class of difference."""
    m = dict(person)
    case = i % 100
    if 80 <= case < 88:  # matched_minor: tone placement or letter case only
        name = m["full_name"]
        swapped = name.replace("Hoà", "Hòa").replace("Thuỷ", "Thủy").replace("Thuỳ", "Thùy")
        m["full_name"] = swapped if swapped != name else name.upper()
    elif 88 <= case < 93:  # mismatch: day and month swapped, or another hometown
        y, mo, d = m["date_of_birth"].split("-")
        m["date_of_birth"] = f"{y}-{d}-{mo}" if int(d) <= 12 and d != mo else f"{y}-{mo}-{int(d) % 28 + 1:02d}"
    elif 93 <= case < 96:  # no ID on the party record: found by name + birth date
        m["citizen_id"] = None
    elif 96 <= case < 98:  # a typo'd ID and a name the registry does not know: not found
        m["citizen_id"] = m["citizen_id"][:-6] + "999999"
        m["full_name"] = m["full_name"] + " Xưa"
    elif case >= 98:  # no ID, and the registry holds two people of that name born that day: ambiguous
        m["citizen_id"] = None
    return m


def generate(data_dir: Path, members: int, registry: int, seed: int = 2025) -> dict:
    from server.extensions import db
    from server.models import Member, RegistryRecord, Unit
    app = domain_app(data_dir, "reconcile_bench")
    started = time.perf_counter()
    rng = random.Random(seed)
    with app.app_context():
        db.create_all()
        conn = db.session.connection()
        now = datetime.now(timezone.utc)
        cells = max(1, members // 100)
        units = [{"id": 1, "code": "P", "name": "Tỉnh", "kind": "province", "parent_id": None, "path": "/1/",
                  "depth": 0}]
        next_id = 2
        cell_ids = []
        for a in range(max(1, cells // 100 + 1)):
            aid, next_id = next_id, next_id + 1
            units.append({"id": aid, "code": f"A{a}", "name": f"Đảng bộ {a}", "kind": "affiliated",
                          "parent_id": 1, "path": f"/1/{aid}/", "depth": 1})
            for g in range(10):
                gid, next_id = next_id, next_id + 1
                units.append({"id": gid, "code": f"G{a}.{g}", "name": f"Cơ sở {a}.{g}", "kind": "grassroots",
                              "parent_id": aid, "path": f"/1/{aid}/{gid}/", "depth": 2})
                for c in range(10):
                    if len(cell_ids) >= cells:
                        break
                    cid, next_id = next_id, next_id + 1
                    units.append({"id": cid, "code": f"C{a}.{g}.{c}", "name": f"Chi bộ {a}.{g}.{c}", "kind": "cell",
                                  "parent_id": gid, "path": f"/1/{aid}/{gid}/{cid}/", "depth": 3})
                    cell_ids.append(cid)
        conn.execute(Unit.__table__.insert(), units)

        batch_reg, batch_mem, serial = [], [], 0
        for i in range(members):
            person = _person(rng, serial)
            serial += 1
            batch_reg.append(_registry_row(person))
            m = _member_variant(i, person)
            if i % 100 >= 98:  # the namesake born the same day that makes this member ambiguous
                twin = _person(rng, serial)
                serial += 1
                twin.update(full_name=person["full_name"], date_of_birth=person["date_of_birth"],
                            birth_year=person["birth_year"], gender=person["gender"])
                batch_reg.append(_registry_row(twin))
            batch_mem.append({
                "member_code": f"M{i:07d}", "unit_id": cell_ids[i % len(cell_ids)], "full_name": m["full_name"],
                "name_key": _key(m["full_name"]), "date_of_birth": m["date_of_birth"],
                "birth_year": int(m["date_of_birth"][:4]), "gender": m["gender"], "citizen_id": m["citizen_id"],
                "hometown": m["hometown"] if not 90 <= i % 100 < 93 else "Cà Mau",
                "permanent_address": m["permanent_address"], "priority": "standard", "needs_home_visit": False,
                "status": "pending", "created_at": now, "updated_at": now})
            if len(batch_mem) >= 20000:
                conn.execute(RegistryRecord.__table__.insert(), batch_reg)
                conn.execute(Member.__table__.insert(), batch_mem)
                batch_reg, batch_mem = [], []
        while serial < registry:
            batch_reg.append(_registry_row(_person(rng, serial)))
            serial += 1
            if len(batch_reg) >= 50000:
                conn.execute(RegistryRecord.__table__.insert(), batch_reg)
                batch_reg = []
        if batch_reg:
            conn.execute(RegistryRecord.__table__.insert(), batch_reg)
        if batch_mem:
            conn.execute(Member.__table__.insert(), batch_mem)
        db.session.commit()
        db.session.execute(db.text("ANALYZE"))
        db.session.commit()
    return {"members": members, "registry": serial, "seconds": round(time.perf_counter() - started, 1)}


def phase_naive(data_dir: Path, size: int) -> dict:
    """One registry query (two when not found by ID) and one ORM upsert per member, one commit at the end."""
    from sqlalchemy import select

    from server.extensions import db
    from server.models import Member, Reconciliation, utcnow
    from server.reconcile import compact_fields, person_of
    from server.registry import RegistryClient, match_person
    app = domain_app(data_dir, "reconcile_bench")
    with app.app_context():
        rss_before = peak_mib()
        client = RegistryClient()
        started = time.perf_counter()
        for member in db.session.scalars(select(Member).order_by(Member.id).limit(size)).all():
            result = match_person(person_of(member), client)
            rec = db.session.get(Reconciliation, member.id) or Reconciliation(member_id=member.id)
            rec.klass, rec.fields = result.klass, compact_fields(result.fields)
            rec.registry_id, rec.candidates, rec.run_at = result.registry_id, result.candidates, utcnow()
            db.session.add(rec)
        db.session.commit()
        seconds = time.perf_counter() - started
    return {"rows": size, "seconds": seconds, "rss_before_mib": rss_before, "rss_peak_mib": peak_mib()}


def phase_batch(data_dir: Path) -> dict:
    from server.extensions import db
    from server.reconcile import run_reconciliation
    app = domain_app(data_dir, "reconcile_bench")
    with app.app_context():
        db.session.execute(db.text("SELECT 1"))
        rss_before = peak_mib()
        summary = run_reconciliation()
    return {"rows": summary.total, "seconds": summary.seconds, "rss_before_mib": rss_before,
            "rss_peak_mib": peak_mib(), "summary": summary.as_dict()}


def _child(phase: str, data_dir: Path, *extra) -> dict:
    out = subprocess.run([sys.executable, __file__, "--phase", phase, "--dir", str(data_dir), *extra],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=int(os.environ.get("RECONCILE_BENCH_MEMBERS", 250_000)))
    parser.add_argument("--registry", type=int, default=None, help="registry rows (default 4 × members)")
    parser.add_argument("--slice", type=int, default=2000, help="members in the naive baseline's slice")
    parser.add_argument("--phase", choices=("naive", "batch"), help=argparse.SUPPRESS)
    parser.add_argument("--dir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase == "naive":
        print(json.dumps(phase_naive(Path(args.dir), args.slice)))
        return
    if args.phase == "batch":
        print(json.dumps(phase_batch(Path(args.dir))))
        return

    registry = args.registry or 4 * args.members
    with tempfile.TemporaryDirectory(prefix="reconcile-bench-") as tmp:
        data_dir = Path(tmp)
        gen = generate(data_dir, args.members, registry)
        print(f"generated {gen['members']:,} members and {gen['registry']:,} registry rows in {gen['seconds']} s")
        naive = _child("naive", data_dir, "--slice", str(min(args.slice, args.members)))
        batch = _child("batch", data_dir)
        rerun = _child("batch", data_dir)
    naive_per_row = naive["seconds"] / naive["rows"]
    naive_total = naive_per_row * args.members
    print(f"naive (per-member queries): {naive['rows']:,} members in {naive['seconds']:.2f} s "
          f"= {naive['rows'] / naive['seconds']:,.0f} rows/s → {naive_total:,.0f} s extrapolated to {args.members:,}")
    for label, run in (("batch", batch), ("rerun (nothing changed)", rerun)):
        print(f"{label}: {run['rows']:,} members in {run['seconds']:.1f} s = {run['rows'] / run['seconds']:,.0f} rows/s; "
              f"peak RSS {run['rss_peak_mib']:.0f} MiB (after start-up {run['rss_before_mib']:.0f} MiB)")
    print("classes: " + ", ".join(f"{k} {v:,}" for k, v in batch["summary"]["classes"].items()))
    print(f"rerun: changed {rerun['summary']['changed']}, unchanged {rerun['summary']['unchanged']:,}")
    print(f"speed-up over the naive baseline: {naive_total / batch['seconds']:.1f}×; "
          f"goal < 60 s: {'met' if batch['seconds'] < 60 else 'NOT met'}")


if __name__ == "__main__":
    main()
