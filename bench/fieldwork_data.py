"""Shared data for the roster and visit benchmarks: one grassroots unit of N members in 20 cells.

Rows go in with executemany inserts so setting up 5,000 members takes well under a second. The
database is SQLite in a temporary directory unless DATABASE_URL names another (e.g. PostgreSQL).
"""
import os
import random
import resource
import sys
import tempfile
from datetime import date, datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SURNAMES = "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý".split()
GIVEN = "An Bình Hoà Thuỷ Quý Hùng Hưng Lan Mai Nam Sơn Tùng Hải Hạnh Hương Long Phúc Tâm Thảo Trang".split()
CELLS = 20


def make_app():
    """The whole app (HTTP layer included) on a throwaway database."""
    from server import create_app
    from server.config import TestConfig
    from server.extensions import db
    data_dir = Path(tempfile.mkdtemp(prefix="fieldkit-bench-"))
    app = create_app(TestConfig(data_dir, os.environ.get("DATABASE_URL")))
    with app.app_context():
        db.drop_all()
        db.create_all()
    return app


def peak_mib() -> float:
    """Peak resident memory of this process (VmHWM: unlike ru_maxrss, not inherited from the parent)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def domain_app(data_dir: Path, name: str = "bench"):
    """The domain without the HTTP layer: config and database only (what the CLI commands need)."""
    from flask import Flask

    from server.config import TestConfig
    from server.extensions import db
    app = Flask(name)
    app.config.from_object(TestConfig(data_dir))
    db.init_app(app)
    return app


def populate(members: int, home_visits: int = 0, collected: int = 0, reconciled: int = 0, seed: int = 5):
    """Province → affiliated → grassroots G (20 cells). Returns {"grassroots", "cells", "member_ids"}.

    `home_visits` members are marked needs_home_visit (veterans first), `collected` members have a
    submission (one in ten of them among the home-visit ones), `reconciled` have a registry result."""
    from server.extensions import db
    from server.models import Member, Photo, Reconciliation, Submission, User
    from server.text import name_key
    from server.units import add_unit
    rng = random.Random(seed)
    province = add_unit("P", "Tỉnh ủy", "province", None)
    affiliated = add_unit("A", "Đảng bộ trực thuộc", "affiliated", province)
    grassroots = add_unit("G", "Đảng bộ Phường Một", "grassroots", affiliated)
    cells = [add_unit(f"C{i:02d}", f"Chi bộ Khu phố {i}", "cell", grassroots) for i in range(CELLS)]
    now = datetime.now(timezone.utc)
    rows = []
    for i in range(members):
        year = rng.randint(1935, 1995)
        gender = rng.choice(("male", "female"))
        name = f"{rng.choice(SURNAMES)} {'Thị' if gender == 'female' else 'Văn'} {rng.choice(GIVEN)}"
        rows.append({
            "member_code": f"M{i:06d}", "unit_id": cells[i % CELLS].id, "full_name": name, "name_key": name_key(name),
            "date_of_birth": f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}", "birth_year": year,
            "gender": gender, "citizen_id": f"001{0 if gender == 'male' else 1}{year % 100:02d}{i:06d}",
            "hometown": "Hà Nội", "permanent_address": f"Số {i} ngõ {i % 97}, phường Một",
            "party_join_date": date(year + 25, 1, 1), "party_official_date": date(year + 26, 1, 1),
            "priority": "veteran" if i < home_visits // 3 else "standard", "needs_home_visit": i < home_visits,
            "phone": f"09{i:08d}" if i % 3 == 0 else None, "status": "pending", "created_at": now, "updated_at": now})
    db.session.execute(Member.__table__.insert(), rows)
    ids = list(db.session.scalars(db.select(Member.id).order_by(Member.id)))
    officer = User(username="bench_collector", password_hash="x", role="officer", unit=grassroots)
    db.session.add_all([officer, Photo(sha256="ab" * 32, stored_sha256="ab" * 32, width=600, height=800,
                                       bytes=1, quality={})])
    db.session.flush()
    # Submissions: mostly members who need no visit, plus one in ten of the home-visit ones.
    chosen = ids[home_visits:home_visits + collected - collected // 10] + ids[:home_visits:10][:collected // 10]
    db.session.execute(Submission.__table__.insert(), [
        {"client_id": f"bench-{mid}", "content_hash": "0" * 64, "device_id": "bench", "user_id": officer.id,
         "unit_id": cells[0].id, "member_id": mid, "captured_at": now, "received_at": now, "location_kind": "station",
         "photo_sha256": "ab" * 32, "fields": {}, "status": "verified", "review_reasons": []} for mid in chosen])
    if reconciled:
        db.session.execute(Reconciliation.__table__.insert(), [
            {"member_id": mid, "klass": "mismatch", "candidates": [], "run_at": now, "fields": {
                "full_name": {"result": "match"}, "gender": {"result": "match"},
                "hometown": {"result": "mismatch", "record": "Hà Nội", "registry": "Nam Định"}}}
            for mid in ids[::max(1, members // reconciled)][:reconciled]])
    db.session.commit()
    return {"grassroots": grassroots, "cells": cells, "member_ids": ids}
