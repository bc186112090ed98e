"""Import benchmark: a 250,000-member file and a 1,000,000-row registry file through the real CLI.

Generates the files with the demo generator in a temporary directory, imports each into a fresh SQLite
database (and into PostgreSQL when FIELDKIT_BENCH_PG_URL names a throwaway database, which this wipes),
and prints wall time, rows/s and peak memory. Every measured step runs in its own process and its peak
RSS is that process's own (os.wait4), so one step's memory never hides another's.

Baselines, measured in the same run:
- naive: load a slice of the members file into a list and add one ORM object per row (same row checks),
  the way an importer is often first written; its rows/s is compared with the streaming import's;
- load-all: the peak memory of merely reading the whole registry file into a list of dicts, which any
  check-everything-first importer that is not streaming must hold; compared with the streaming peak.

Goals (issue 14): ≥ 25,000 rows/s on SQLite and ≥ 50,000 rows/s on PostgreSQL for members and registry, peak
memory ≤ 200 MB; printed at the end as ratios.

Usage: .venv/bin/python bench/import_bench.py [--members N] [--registry N] [--slice N]
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

NAIVE = """
import csv, sys, time
from server import create_app
from server.extensions import db
from server.imports.rows import parse_member, today
from server.models import Member, Unit
path, limit = sys.argv[1], int(sys.argv[2])
with create_app().app_context():
    units = db.session.execute(db.select(Unit.code, Unit.id, Unit.kind))
    cells = {code: unit_id if kind == "cell" else kind for code, unit_id, kind in units}
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = [row for _, row in zip(range(limit), csv.DictReader(handle))]
    for row in rows:
        record, errors, _ = parse_member(row, today(), cells)
        assert not errors, errors
        db.session.add(Member(**record))
    db.session.commit()
"""
LOAD_ALL = """
import csv, sys
with open(sys.argv[1], encoding="utf-8-sig", newline="") as handle:
    rows = list(csv.DictReader(handle))
print(len(rows))
"""
WIPE_PG = """
import sys
from sqlalchemy import create_engine, text
with create_engine(sys.argv[1]).begin() as conn:
    conn.execute(text("DROP SCHEMA public CASCADE"))
    conn.execute(text("CREATE SCHEMA public"))
"""
IDLE = """
from server import create_app
from server.extensions import db
with create_app().app_context():
    db.session.execute(db.text("SELECT 1"))
"""
CLI = ["-c", "from server.cli import main; main()"]


def run(args: list[str], env: dict, log: Path) -> tuple[float, float]:
    """Run one step in its own process; (wall seconds, peak RSS in MB) of that process alone."""
    started = time.perf_counter()
    with open(log, "ab") as out:
        process = subprocess.Popen([sys.executable, *args], cwd=ROOT, env=env, stdout=out, stderr=out)
        _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        sys.exit(f"step failed ({' '.join(args[-2:])}): see {log}\n" + log.read_text()[-3000:])
    return wall, usage.ru_maxrss / 1024


GENERATE = """
import sys
from server.demo.load import write_demo_files
from server.demo.gen import MISSING_RATE
directory, members, registry = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
own = members - round(members * MISSING_RATE)  # members who have a registry record
write_demo_files(directory, members=members, seed=2025, registry_extra=max(0, registry - own))
"""


def report(backend: str, step: str, rows: int, wall: float, peak: float) -> None:
    print(f"{backend:<9} {step:<28} {rows:>10,} {wall:>8.1f} {rows / wall:>10,.0f} {peak:>8.0f}", flush=True)


def bench_backend(backend: str, url: str, paths: dict, counts: dict, work: Path) -> dict:
    env = dict(os.environ, DATABASE_URL=url, FIELDKIT_DATA_DIR=str(work / backend), SECRET_KEY="bench")
    log = work / f"{backend}.log"
    if backend == "postgres":
        run(["-c", WIPE_PG, url], env, log)
    run([*CLI, "init-db"], env, log)
    figures = {}
    for step, kind in (("import-units", "units"), ("import-members", "members"), ("import-registry", "registry"),
                       ("re-import-members (no change)", "members")):
        wall, peak = run([*CLI, f"import-{kind}", str(paths[kind])], env, log)
        figures[step] = (counts[kind], wall, peak)
        report(backend, step, counts[kind], wall, peak)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=250_000)
    parser.add_argument("--registry", type=int, default=1_000_000)
    parser.add_argument("--slice", type=int, default=25_000, help="rows for the naive baseline")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fieldkit-bench-") as tmp:
        work = Path(tmp)
        started = time.perf_counter()
        # In a child process: a parent's memory would count in every later child's peak (it survives exec).
        run(["-c", GENERATE, str(work / "files"), str(options.members), str(options.registry)], dict(os.environ),
            work / "generate.log")
        paths = {kind: work / "files" / f"{kind}.csv" for kind in ("units", "members", "registry")}
        counts = {kind: sum(1 for _ in open(path, encoding="utf-8-sig")) - 1 for kind, path in paths.items()}
        size = sum(path.stat().st_size for path in paths.values()) / 2**20
        print(f"generated {counts['members']:,} members, {counts['registry']:,} registry rows, {counts['units']:,} "
              f"units ({size:.0f} MB of CSV) in {time.perf_counter() - started:.1f} s", flush=True)
        print(f"{'backend':<9} {'step':<28} {'rows':>10} {'wall s':>8} {'rows/s':>10} {'peak MB':>8}")
        backends = [("sqlite", f"sqlite:///{work / 'bench.db'}")]
        if os.environ.get("FIELDKIT_BENCH_PG_URL"):
            backends.append(("postgres", os.environ["FIELDKIT_BENCH_PG_URL"]))
        results = {backend: bench_backend(backend, url, paths, counts, work) for backend, url in backends}

        naive_env = dict(os.environ, DATABASE_URL=f"sqlite:///{work / 'naive.db'}",
                         FIELDKIT_DATA_DIR=str(work / "naive"), SECRET_KEY="bench")
        log = work / "naive.log"
        run([*CLI, "init-db"], naive_env, log)
        run([*CLI, "import-units", str(paths["units"])], naive_env, log)
        slice_rows = min(options.slice, counts["members"])
        wall, peak = run(["-c", NAIVE, str(paths["members"]), str(slice_rows)], naive_env, log)
        report("sqlite", f"naive ORM ({slice_rows:,} slice)", slice_rows, wall, peak)
        load_wall, load_peak = run(["-c", LOAD_ALL, str(paths["registry"])], naive_env, log)
        report("-", "read whole registry file", counts["registry"], load_wall, load_peak)

        _, idle = run(["-c", IDLE], naive_env, log)
        print(f"{'-':<9} {'app started, nothing imported':<28} {'':>10} {'':>8} {'':>10} {idle:>8.0f}")

        rows, stream_wall, _ = results["sqlite"]["import-members"]
        _, _, stream_peak = results["sqlite"]["import-registry"]
        naive_extrapolated = idle + (peak - idle) * rows / slice_rows
        print(f"\nmembers on SQLite: streaming {rows / stream_wall:,.0f} rows/s vs naive ORM {slice_rows / wall:,.0f} "
              f"rows/s = {(rows / stream_wall) / (slice_rows / wall):.1f}x faster; naive peak {peak:.0f} MB for "
              f"{slice_rows:,} rows, ~{naive_extrapolated:,.0f} MB extrapolated to {rows:,} "
              f"(streaming: {results['sqlite']['import-members'][2]:.0f} MB)")
        goals = {"sqlite": 25_000, "postgres": 50_000}
        for backend, figures in results.items():
            for step in ("import-members", "import-registry"):
                rows, wall, peak = figures[step]
                print(f"goal {backend} {step}: {rows / wall:,.0f} rows/s = {rows / wall / goals[backend]:.2f}× the "
                      f"goal of {goals[backend]:,}/s; peak {peak:.0f} MB (goal ≤ 200 MB)")
        print(f"registry on SQLite: streaming import peak {stream_peak:.0f} MB ({stream_peak - idle:.0f} MB above the "
              f"idle app) vs {load_peak:.0f} MB just to hold the file as dicts = {load_peak / stream_peak:.1f}x")


if __name__ == "__main__":
    main()
