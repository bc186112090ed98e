"""Cards benchmark: a 250,000-card batch through `fieldkit import-cards`, and the pending list of a
250,000-member province (CONTRACT §8), on SQLite.

Goals: the import at ≥ 10,000 rows/s with bounded memory, the pending list in ≤ 2 s. Each measured step runs
in its own process (peak RSS is that process's own, os.wait4). Baselines, measured in the same run:
- naive import: one ORM lookup of the member and of the card number per row, one Card and one CardEvent
  object per row (the way an importer is often first written), on a slice; rows/s compared;
- naive pending: one query per member for its card (the N+1 a per-member loop does), on a sample,
  extrapolated to the province; time compared with the one set-based query.

Usage: .venv/bin/python bench/cards_bench.py [--members N] [--slice N]
"""
import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLI = ["-c", "from server.cli import main; main()"]
GENERATE = """
import sys
from server.demo.load import write_demo_files
write_demo_files(sys.argv[1], members=int(sys.argv[2]), seed=2025, registry_extra=0)
"""
NAIVE_IMPORT = """
import csv, sys
from sqlalchemy import delete, select
from server import create_app
from server.cards.models import Card, CardEvent
from server.extensions import db
from server.models import Member, Unit
path, limit = sys.argv[1], int(sys.argv[2])
with create_app().app_context():
    root = db.session.scalar(select(Unit.id).where(Unit.parent_id.is_(None)))
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = [row for _, row in zip(range(limit), csv.DictReader(handle))]
    for row in rows:
        member = db.session.scalar(select(Member).where(Member.member_code == row["member_code"]))
        assert db.session.scalar(select(Card.id).where(Card.card_number == "N" + row["card_number"])) is None
        card = Card(card_number="N" + row["card_number"], member_id=member.id, batch_code=row["batch_code"],
                    status="at_unit", unit_id=root)
        db.session.add(card)
        db.session.flush()
        db.session.add(CardEvent(card_id=card.id, status="at_unit", unit_id=root, note="printed"))
    db.session.commit()
    db.session.execute(delete(CardEvent))
    db.session.execute(delete(Card))
    db.session.commit()
"""
PENDING = """
import sys, time
from flask import current_app
from sqlalchemy import select, update
from server import create_app
from server.auth import create_user
from server.cards import queries
from server.cards.models import Card
from server.extensions import db
from server.models import Member, Unit
sample = int(sys.argv[1])
with create_app().app_context():
    root = db.session.scalar(select(Unit).where(Unit.parent_id.is_(None)))
    user = create_user("bench.cards", "bench password long", "unit_admin", root.code)
    # A campaign in progress: some cards handed over, some in transit, a few missing or damaged.
    for status, step in (("handed_over", 3), ("in_transit", 7), ("missing", 101), ("damaged", 103)):
        db.session.execute(update(Card).where(Card.id % step == 0).values(status=status))
    db.session.commit()
    db.session.expire_all()
    started = time.perf_counter()
    pending = queries.pending(user, None)
    fast = time.perf_counter() - started
    members = db.session.scalar(select(db.func.count(Member.id)))
    ids = db.session.scalars(select(Member.id).order_by(Member.id).limit(sample)).all()
    started = time.perf_counter()
    for member_id in ids:
        db.session.scalar(select(Card.status).where(Card.member_id == member_id, Card.status != "void"))
    naive = (time.perf_counter() - started) * members / len(ids)
    reasons = {}
    for row in pending:
        reasons[row["reason"]] = reasons.get(row["reason"], 0) + 1
    client = current_app.test_client()
    client.post("/api/v1/auth/login", json={"username": "bench.cards", "password": "bench password long"})
    started = time.perf_counter()
    answer = client.get("/api/v1/cards/pending")
    http = time.perf_counter() - started
    assert answer.status_code == 200 and len(answer.get_json()["members"]) == len(pending)
    print(f"PENDING {members} {len(pending)} {fast:.3f} {naive:.3f} {http:.3f} {reasons}")
"""


def run(args, env, log):
    """Run one step in its own process; (wall seconds, peak RSS in MB, output)."""
    started = time.perf_counter()
    with open(log, "ab") as out:
        process = subprocess.Popen([sys.executable, *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=out)
        output = process.stdout.read().decode()
        _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"step failed ({' '.join(args[-2:])}): see {log}\n{output}\n" + log.read_text()[-3000:])
    return wall, usage.ru_maxrss / 1024, output


def report(step, rows, wall, peak):
    print(f"{step:<34} {rows:>10,} {wall:>8.1f} {rows / wall:>10,.0f} {peak:>8.0f}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=250_000)
    parser.add_argument("--slice", type=int, default=10_000, help="rows for the naive baselines")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fieldkit-cards-bench-") as tmp:
        work = Path(tmp)
        env = dict(os.environ, DATABASE_URL=f"sqlite:///{work / 'bench.db'}", FIELDKIT_DATA_DIR=str(work),
                   SECRET_KEY="bench")
        log = work / "bench.log"
        run(["-c", GENERATE, str(work / "files"), str(options.members)], dict(os.environ), log)
        cards = work / "cards.csv"
        with open(work / "files" / "members.csv", encoding="utf-8-sig", newline="") as src, \
                open(cards, "w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(["card_number", "member_code", "batch_code", "printed_on"])
            count = 0
            for count, row in enumerate(csv.DictReader(src), start=1):
                writer.writerow([f"TH{count:09d}", row["member_code"], "TH-2025-01", "2025-09-01"])
        for step in ("init-db", "import-units"):
            run([*CLI, step] + ([str(work / "files" / "units.csv")] if step != "init-db" else []), env, log)
        print(f"{'step':<34} {'rows':>10} {'wall s':>8} {'rows/s':>10} {'peak MB':>8}")
        # The members import (the same machinery, 12 columns a row) shows how busy the machine is right now.
        members_wall, members_peak, _ = run([*CLI, "import-members", str(work / "files" / "members.csv")], env, log)
        report("import-members (reference)", count, members_wall, members_peak)
        slice_rows = min(options.slice, count)
        naive_wall, naive_peak, _ = run(["-c", NAIVE_IMPORT, str(cards), str(slice_rows)], env, log)
        report(f"naive ORM import ({slice_rows:,} slice)", slice_rows, naive_wall, naive_peak)
        wall, peak, _ = run([*CLI, "import-cards", str(cards)], env, log)
        report("import-cards", count, wall, peak)
        again_wall, again_peak, _ = run([*CLI, "import-cards", str(cards)], env, log)
        report("import-cards again (no change)", count, again_wall, again_peak)
        _, _, output = run(["-c", PENDING, str(slice_rows)], env, log)
        members, pending, fast, naive, http, reasons = output.split("PENDING ")[1].split(" ", 5)
        print(f"\nimport: {count / wall:,.0f} rows/s (goal ≥ 10,000) vs naive ORM {slice_rows / naive_wall:,.0f} rows/s "
              f"= {(count / wall) / (slice_rows / naive_wall):.1f}x; peak {peak:.0f} MB for {count:,} cards; "
              f"the members import ran at {count / members_wall:,.0f} rows/s in this run")
        print(f"pending: {int(pending):,} of {int(members):,} members listed in {float(fast):.2f} s (goal ≤ 2 s) vs "
              f"~{float(naive):.1f} s one query per member (extrapolated from {slice_rows:,}) = "
              f"{float(naive) / float(fast):.0f}x; the whole GET /api/v1/cards/pending (JSON) {float(http):.2f} s; "
              f"reasons {reasons.strip()}")


if __name__ == "__main__":
    main()
