"""Console benchmark: the dashboard of a 250,000-member province, and imports through the upload + job path
against the CLI.

1. Generates the demo files (units, N members) in a temporary directory.
2. CLI path: `fieldkit import-members` in its own process into a fresh SQLite database (wall time of the command).
3. Upload path: the same file POSTed to /api/v1/imports (the real view, multipart) into another fresh database,
   run by a real `fieldkit worker` process; wall time from the start of the upload to the job's `done`.
   Goal: within 1.2× of the CLI.
4. Dashboard: in a database of N members (SQLite; PostgreSQL with --backend), 60% of them get a submission
   spread over 30 days (written below the ORM, then `rebuild-daily`), and a root admin's GET /api/v1/progress
   + GET /api/v1/progress/daily are timed, median of several rounds (goal <= 1 s together). Baseline, alternated
   with it in every round: the same two requests counting member by member as they did before the per-unit
   counters (server.dashboard.recount.per_member); both ways must answer the same JSON. Also prints the cost of
   recounting every member at one commit, what the counters add to a commit of records in groups of 10 (with and
   without their session hooks, alternating), and the progress query's plan.

Usage: .venv/bin/python bench/console_bench.py [--members N] [--dashboard-only] [--backend sqlite|postgres|both]
"""
import argparse
import contextlib
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
PASSWORD = "bench-password-1"

from harness.live_server import fresh_pg_database  # noqa: E402


def fieldkit(env, *args):
    done = subprocess.run([str(BIN / "fieldkit"), *args], env=env, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"fieldkit {args[0]} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def fresh(work: Path, name: str, units: Path, root: str, database_url: str | None = None) -> dict:
    env = dict(os.environ, FIELDKIT_DATA_DIR=str(work / name), SECRET_KEY="bench", FIELDKIT_PASSWORD=PASSWORD)
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    env.pop("FIELDKIT_JOBS_URL", None)
    fieldkit(env, "init-db")
    fieldkit(env, "import-units", str(units))
    fieldkit(env, "create-user", "bench_admin", "--role", "unit_admin", "--unit", root)
    return env


def app_for(env):
    os.environ.update(FIELDKIT_DATA_DIR=env["FIELDKIT_DATA_DIR"], SECRET_KEY="bench")
    os.environ.pop("DATABASE_URL", None)
    if env.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = env["DATABASE_URL"]
    import logging
    from server import create_app
    app = create_app()
    logging.getLogger("fieldkit.access").disabled = True  # one JSON line per request would drown the figures
    return app


def login(app):
    client = app.test_client()
    answer = client.post("/api/v1/auth/login", json={"username": "bench_admin", "password": PASSWORD})
    return client, {"X-CSRF-Token": answer.get_json()["csrf_token"]}


def upload_path(env, members: Path, rows: int) -> float:
    app = app_for(env)
    worker = subprocess.Popen([str(BIN / "fieldkit"), "worker", "--workers", "1"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(2)  # the worker is up before the clock starts, as it is beside a running server
        with app.app_context():
            client, headers = login(app)
            started = time.perf_counter()
            answer = client.post("/api/v1/imports", headers=headers, content_type="multipart/form-data", data={
                "import_kind": "members", "import_file": (io.BytesIO(members.read_bytes()), "members.csv")})
            job = answer.get_json()
            while job["state"] in ("queued", "running"):
                time.sleep(0.05)
                job = client.get(f"/api/v1/jobs/{job['id']}").get_json()
            wall = time.perf_counter() - started
        assert job["state"] == "done" and job["report"]["created"] == rows, job
        return wall
    finally:
        worker.terminate()
        worker.wait()


def dashboard(env, root: str, rounds: int) -> None:
    from sqlalchemy import delete, func, select, text
    from server.dashboard import daily, recount, tallies
    from server.dashboard.models import CollectedDaily, MemberTally, UnitTally
    from server.extensions import db
    from server.models import Member, Photo, Submission, Unit, User
    from server.scope import subtree_unit_ids
    app = app_for(env)
    backend = "PostgreSQL" if env.get("DATABASE_URL", "").startswith("postgresql") else "SQLite"

    def analyze():  # PostgreSQL plans by its statistics; autovacuum would have gathered them by the time of use
        if backend == "PostgreSQL":
            db.session.execute(text("ANALYZE"))
            db.session.commit()

    with app.app_context():
        ids = list(db.session.scalars(select(Member.id).order_by(Member.id)))
        cells = dict(db.session.execute(select(Member.id, Member.unit_id)).all())
        officer = db.session.scalar(select(User).where(User.username == "bench_admin"))
        db.session.add(Photo(sha256="ab" * 32, stored_sha256="ab" * 32, width=600, height=800, bytes=1, quality={}))
        db.session.flush()
        now = datetime.now(timezone.utc)
        chosen = ids[: len(ids) * 6 // 10]
        for start in range(0, len(chosen), 20000):  # below the ORM, as a restore would: rebuilt next
            db.session.execute(Submission.__table__.insert(), [
                {"client_id": f"bench-{mid}", "content_hash": "0" * 64, "device_id": "bench", "user_id": officer.id,
                 "unit_id": cells[mid], "member_id": mid, "captured_at": now,
                 "received_at": now - timedelta(days=mid % 30, hours=mid % 7), "location_kind": "station",
                 "photo_sha256": "ab" * 32, "fields": {}, "status": "verified" if mid % 5 else "needs_review",
                 "review_reasons": []} for mid in chosen[start:start + 20000]])
        db.session.commit()
        analyze()
        started = time.perf_counter()
        recount.rebuild()
        db.session.commit()
        print(f"{backend}: aggregates rebuilt (fieldkit rebuild-daily) from {len(ids):,} members and "
              f"{len(chosen):,} submissions in {time.perf_counter() - started:.1f} s", flush=True)
        # The general path at its largest: every member recounted one by one at one commit (what a cards import
        # for the whole province costs; a members import counts its new members set-based instead).
        for model in (MemberTally, UnitTally, CollectedDaily):
            db.session.execute(delete(model))
        db.session.commit()
        started, cpu = time.perf_counter(), time.process_time()
        tallies.touch(ids)
        db.session.commit()
        analyze()
        print(f"{backend}: recounting all {len(ids):,} members at one commit: {time.perf_counter() - started:.1f} s "
              f"wall, {time.process_time() - cpu:.1f} s CPU of this process", flush=True)
        unit_path = db.session.scalar(select(Unit.path).where(Unit.code == root))
        client, _ = login(app)
        kept_per_unit, kept_totals = tallies.per_unit, daily.totals

        def members_totals(unit):  # the daily view's totals before the counters: one count over the members
            target = db.session.scalar(select(func.count(Member.id)).where(
                Member.unit_id.in_(subtree_unit_ids(unit)), Member.removed_at.is_(None)))
            return target, sum(d["collected"] for d in bodies["aggregate", "daily"]["days"])

        urls = {"progress": f"/api/v1/progress?unit={root}", "daily": f"/api/v1/progress/daily?unit={root}"}
        times = {(mode, name, clock): [] for mode in ("aggregate", "per-member") for name in urls
                 for clock in ("wall", "cpu")}
        bodies = {}
        for _ in range(rounds):  # alternate the two ways in every round: the machine is shared
            for mode in ("aggregate", "per-member"):
                tallies.per_unit, daily.totals = ((kept_per_unit, kept_totals) if mode == "aggregate"
                                                  else (recount.per_member, members_totals))
                for name, url in urls.items():
                    started, cpu = time.perf_counter(), time.process_time()
                    answer = client.get(url)
                    times[mode, name, "wall"].append(time.perf_counter() - started)
                    times[mode, name, "cpu"].append(time.process_time() - cpu)
                    assert answer.status_code == 200, answer.get_json()
                    bodies[mode, name] = answer.get_json()
        tallies.per_unit, daily.totals = kept_per_unit, kept_totals
        assert bodies["aggregate", "progress"] == bodies["per-member", "progress"], "the two ways disagree"
        assert bodies["aggregate", "daily"] == bodies["per-member", "daily"], "the two ways disagree"
        med = {key: statistics.median(values) * 1000 for key, values in times.items()}
        print(f"{backend}: dashboard of {len(ids):,} members ({len(chosen):,} collected over 30 days), median of "
              f"{rounds} alternating rounds, ms (wall / CPU of this process"
              f"{'' if backend == 'SQLite' else ', the server’s CPU not included'}):")
        for name in urls:
            new, old = med["aggregate", name, "wall"], med["per-member", name, "wall"]
            print(f"  GET {name:<9} counters {new:7.1f} / {med['aggregate', name, 'cpu']:7.1f}   per member "
                  f"{old:7.1f} / {med['per-member', name, 'cpu']:7.1f}   {old / new:5.1f}x")
        new = sum(med["aggregate", name, "wall"] for name in urls)
        old = sum(med["per-member", name, "wall"] for name in urls)
        print(f"  both: {new:.0f} ms from the counters (goal <= 1000 ms) against {old:.0f} ms per member "
              f"in the same run: {old / new:.1f}x", flush=True)
        write_cost(ids[len(chosen):], officer.id, backend)
        counted = tallies.per_unit(subtree_unit_ids(db.session.scalar(select(Unit).where(Unit.code == root))))
        print(f"  rows read: {len(counted):,} unit counters instead of {len(ids):,} members")
        explain = "EXPLAIN QUERY PLAN " if backend == "SQLite" else "EXPLAIN "
        plan = db.session.execute(text(
            explain + "SELECT unit_id, target, collected, verified, booked, cards_printed, cards_handed_over "
            "FROM unit_tallies WHERE unit_id IN (SELECT id FROM units WHERE path LIKE :p)"), {"p": unit_path + "%"})
        print(f"  the progress query's plan ({backend}):")
        for row in plan:
            print("   ", row[-1])


def write_cost(members: list[int], user_id: int, backend: str, rounds: int = 3, per_round: int = 200) -> None:
    """What keeping the counters adds to a commit of ingest: records committed in groups of 10 (as a sync batch
    commits) with the counters' session hooks and without them, alternating; CPU of this process per record."""
    import uuid
    from flask_sqlalchemy.session import Session
    from sqlalchemy import event
    from server.dashboard import tallies
    from server.extensions import db
    from server.models import Member, Submission
    hooks = [(Session, "after_flush", tallies._noticed), (Session, "before_commit", tallies._before_commit)]
    spent = {"with": [], "without": []}
    per_round = max(10, min(per_round, len(members) // (2 * rounds) // 10 * 10))
    for _ in range(rounds):
        for mode in ("with", "without"):
            chunk, members = members[:per_round], members[per_round:]
            if mode == "without":
                for hook in hooks:
                    event.remove(*hook)
            cpu = time.process_time()
            for start in range(0, len(chunk), 10):
                for member_id in chunk[start:start + 10]:
                    unit_id = db.session.get(Member, member_id).unit_id
                    db.session.add(Submission(
                        client_id=str(uuid.uuid4()), content_hash="0" * 64, device_id="bench", user_id=user_id,
                        unit_id=unit_id, member_id=member_id, captured_at=datetime.now(timezone.utc),
                        received_at=datetime.now(timezone.utc), location_kind="station", photo_sha256="ab" * 32,
                        fields={}, status="verified"))
                    db.session.flush()
                db.session.commit()
            spent[mode].append((time.process_time() - cpu) / len(chunk) * 1000)
            if mode == "without":
                for hook in hooks:
                    event.listen(*hook)
    with_, without = min(spent["with"]), min(spent["without"])
    print(f"  a record committed in a group of 10 (best of {rounds}): {with_:.2f} ms CPU with the counters, "
          f"{without:.2f} ms without: {with_ - without:+.2f} ms each (a real ingest item costs several ms more)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=250_000, help="members of the dashboard's province")
    parser.add_argument("--import-rows", type=int, default=100_000, help="rows of the import compared")
    parser.add_argument("--rounds", type=int, default=2, help="imports per path, alternating; the best counts")
    parser.add_argument("--dashboard-only", action="store_true", help="skip the import comparison")
    parser.add_argument("--dashboard-rounds", type=int, default=5, help="dashboard rounds, alternating the two ways")
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="sqlite",
                        help="database of the dashboard part (PostgreSQL: FIELDKIT_BENCH_PG_URL or "
                             "FIELDKIT_TEST_PG_URL, else a throwaway one from tests/tools/with_postgres.sh)")
    options = parser.parse_args()
    pg_url = os.environ.get("FIELDKIT_BENCH_PG_URL") or os.environ.get("FIELDKIT_TEST_PG_URL")
    if options.backend != "sqlite" and not pg_url:
        sys.exit(subprocess.call([str(ROOT / "tests/tools/with_postgres.sh"), sys.executable, *sys.argv]))
    with tempfile.TemporaryDirectory(prefix="fieldkit-console-bench-") as tmp:
        work = Path(tmp)
        subprocess.run([sys.executable, "-c", "import sys; from server.demo.load import write_demo_files; "
                        "write_demo_files(sys.argv[1], members=int(sys.argv[2]), seed=2025, registry_extra=0)",
                        str(work / "files"), str(options.members)], check=True, cwd=ROOT)
        units, everyone = work / "files" / "units.csv", work / "files" / "members.csv"
        members = work / "files" / "members-import.csv"
        with open(everyone, encoding="utf-8-sig") as source, open(members, "w", encoding="utf-8") as out:
            for number, line in enumerate(source):
                if number > options.import_rows:
                    break
                out.write(line)
        rows = min(options.import_rows, sum(1 for _ in open(everyone, encoding="utf-8-sig")) - 1)
        root = next(line.split(",")[0] for line in open(units, encoding="utf-8-sig").read().splitlines()[1:]
                    if line.rstrip().endswith(",") or line.split(",")[3:4] == [""])
        # The machine may be shared: alternate the two paths and keep each one's best round.
        clis, uploads = [], []
        for n in range(0 if options.dashboard_only else options.rounds):
            cli_env = fresh(work, f"cli{n}", units, root)
            started = time.perf_counter()
            fieldkit(cli_env, "import-members", str(members))
            clis.append(time.perf_counter() - started)
            uploads.append(upload_path(fresh(work, f"upload{n}", units, root), members, rows))
            print(f"round {n + 1}: CLI {clis[-1]:.1f} s, upload + job {uploads[-1]:.1f} s", flush=True)
        if clis:
            cli, upload = min(clis), min(uploads)
            print(f"import of {rows:,} members: CLI {cli:.1f} s ({rows / cli:,.0f} rows/s); upload + job "
                  f"{upload:.1f} s ({rows / upload:,.0f} rows/s); ratio {upload / cli:.2f}x (goal <= 1.2x)")
        backends = {"sqlite": ["sqlite"], "postgres": ["postgres"], "both": ["sqlite", "postgres"]}[options.backend]
        for backend in backends:
            with (fresh_pg_database(pg_url) if backend == "postgres" else contextlib.nullcontext()) as url:
                dash_env = fresh(work, f"dashboard-{backend}", units, root, url)
                started = time.perf_counter()
                fieldkit(dash_env, "import-members", str(everyone))
                print(f"{backend}: import of {options.members:,} members (CLI, counters included) "
                      f"{time.perf_counter() - started:.1f} s", flush=True)
                dashboard(dash_env, root, options.dashboard_rounds)


if __name__ == "__main__":
    main()
