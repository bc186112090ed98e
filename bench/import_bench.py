"""Import benchmark: a 250,000-member file and a 1,000,000-row registry file through the real CLI.

Generates the files with the demo generator in a temporary directory, imports each into a fresh SQLite
database (and into PostgreSQL when FIELDKIT_BENCH_PG_URL names a throwaway database, which this wipes),
and prints wall time, rows/s and peak memory. Every measured step runs in its own process and its peak
RSS is that process's own (os.wait4), so one step's memory never hides another's.

Baselines, measured in the same run:
- previous: the import code before the set-based writes (`--baseline-rev`, default the commit this work started
  from, extracted with `git archive` into the temporary directory) runs the same members and registry imports on
  the same backends; each step's rows/s is printed with its ratio to it;
- naive: load a slice of the members file into a list and add one ORM object per row (same row checks),
  the way an importer is often first written; its rows/s is compared with the streaming import's;
- load-all: the peak memory of merely reading the whole registry file into a list of dicts, which any
  check-everything-first importer that is not streaming must hold; compared with the streaming peak.

Goals (issue 14): ≥ 25,000 rows/s on SQLite and ≥ 50,000 rows/s on PostgreSQL for members and registry, peak
memory ≤ 200 MB; printed at the end as ratios.

Usage: .venv/bin/python bench/import_bench.py [--members N] [--registry N] [--slice N] [--baseline-rev REV|none]
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PREVIOUS = "0039f7c"  # the import code before issue 14's staging-table upserts (per-row look-ups, executemany)

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
    conn.execute(text(f"DROP SCHEMA IF EXISTS {sys.argv[2]} CASCADE"))
    conn.execute(text(f"CREATE SCHEMA {sys.argv[2]}"))
"""
IDLE = """
from server import create_app
from server.extensions import db
with create_app().app_context():
    db.session.execute(db.text("SELECT 1"))
"""
CLI = ["-c", "from server.cli import main; main()"]


CPU = {}  # CPU seconds (user + system) of each step's process, by its arguments: steadier than wall time when
#           the machine is shared (the database server's own CPU is not in it, for PostgreSQL)


def run(args: list[str], env: dict, log: Path, cwd: Path = ROOT) -> tuple[float, float]:
    """Run one step in its own process; (wall seconds, peak RSS in MB) of that process alone."""
    started = time.perf_counter()
    with open(log, "ab") as out:
        process = subprocess.Popen([sys.executable, *args], cwd=cwd, env=env, stdout=out, stderr=out)
        _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    CPU[tuple(args), str(cwd)] = usage.ru_utime + usage.ru_stime
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


def report(backend: str, step: str, rows: int, wall: float, peak: float, cpu: float | None = None) -> None:
    cpu_text = f" {cpu:>7.1f} {cpu / rows * 1e6:>8.1f}" if cpu is not None else ""
    print(f"{backend:<9} {step:<40} {rows:>10,} {wall:>8.1f} {rows / wall:>10,.0f} {peak:>8.0f}{cpu_text}", flush=True)


STEPS = (("import-units", "units"), ("import-members", "members"), ("import-registry", "registry"),
         ("re-import-members (no change)", "members"))


def bench_backend(backend: str, url: str, paths: dict, counts: dict, work: Path, previous: Path | None) -> tuple:
    """The import steps through the CLI, each step of this code followed by the same step of the previous code
    (`previous`, on its own database) so that both see the same load on a shared machine."""
    codes = [("", ROOT)] + ([(" [previous]", previous)] if previous else [])
    envs = {}
    for label, code in codes:
        if label:  # its own SQLite file, or its own PostgreSQL schema (first on the search path)
            url = url.replace("bench.db", "previous.db") if backend == "sqlite" else \
                url + ("&" if "?" in url else "?") + "options=-csearch_path%3Dprevious"
        env = dict(os.environ, FIELDKIT_DATA_DIR=str(work / (backend + label)), SECRET_KEY="bench", DATABASE_URL=url)
        if code != ROOT:  # `-c` puts the working directory first on sys.path: that tree's `server` is imported
            env["PYTHONPATH"] = str(code)
        envs[label] = env
    figures = {label: {} for label, _ in codes}
    for step, kind in (("init-db", None),) + STEPS:
        for label, code in codes:
            env, log = envs[label], work / f"{backend}{label}.log"
            if kind is None:
                if backend == "postgres":
                    run(["-c", WIPE_PG, env["DATABASE_URL"], "previous" if label else "public"], env, log, code)
                run([*CLI, "init-db"], env, log, code)
                continue
            args = [*CLI, f"import-{kind}", str(paths[kind])]
            wall, peak = run(args, env, log, code)
            cpu = CPU[tuple(args), str(code)]
            figures[label][step] = (counts[kind], wall, peak, cpu)
            report(backend, step + label, counts[kind], wall, peak, cpu)
    return figures[""], figures.get(" [previous]")


def previous_code(rev: str, work: Path) -> Path | None:
    """The app's packages at `rev` (server, api, offline_queue: one app, not today's api on yesterday's server),
    extracted into the work directory; None when git cannot give it."""
    target = work / "previous"
    target.mkdir()
    try:
        archive = subprocess.run(["git", "archive", rev, "server", "api", "offline_queue"], cwd=ROOT,
                                 capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    except (OSError, subprocess.CalledProcessError) as error:
        print(f"no previous-code baseline: git archive {rev} failed ({error})", flush=True)
        return None
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=250_000)
    parser.add_argument("--registry", type=int, default=1_000_000)
    parser.add_argument("--slice", type=int, default=25_000, help="rows for the naive baseline")
    parser.add_argument("--baseline-rev", default=PREVIOUS, help="git revision of the previous import code, or none")
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
        print(f"{'backend':<9} {'step':<40} {'rows':>10} {'wall s':>8} {'rows/s':>10} {'peak MB':>8} {'cpu s':>7} "
              f"{'cpu µs/row':>8}")
        backends = [("sqlite", f"sqlite:///{work / 'bench.db'}")]
        if os.environ.get("FIELDKIT_BENCH_PG_URL"):
            backends.append(("postgres", os.environ["FIELDKIT_BENCH_PG_URL"]))
        code = previous_code(options.baseline_rev, work) if options.baseline_rev != "none" else None
        # Bytecode compiled ahead, as an installed deployment has it: with PYTHONDONTWRITEBYTECODE set (as on this
        # machine) every command would compile the app's modules again, about 0.1 s of each step's start-up.
        for tree in [ROOT] + ([code] if code else []):
            subprocess.run([sys.executable, "-m", "compileall", "-q", "server", "api", "offline_queue"], cwd=tree,
                           stdout=subprocess.DEVNULL, check=False)
        results, previous = {}, {}
        for backend, url in backends:
            results[backend], old = bench_backend(backend, url, paths, counts, work, code)
            if old:
                previous[backend] = old

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
        print(f"{'-':<9} {'app started, nothing imported':<40} {'':>10} {'':>8} {'':>10} {idle:>8.0f}")

        rows, stream_wall, _, _ = results["sqlite"]["import-members"]
        _, _, stream_peak, _ = results["sqlite"]["import-registry"]
        naive_extrapolated = idle + (peak - idle) * rows / slice_rows
        print(f"\nmembers on SQLite: streaming {rows / stream_wall:,.0f} rows/s vs naive ORM {slice_rows / wall:,.0f} "
              f"rows/s = {(rows / stream_wall) / (slice_rows / wall):.1f}x faster; naive peak {peak:.0f} MB for "
              f"{slice_rows:,} rows, ~{naive_extrapolated:,.0f} MB extrapolated to {rows:,} "
              f"(streaming: {results['sqlite']['import-members'][2]:.0f} MB)")
        goals = {"sqlite": 25_000, "postgres": 50_000}
        for backend, figures in results.items():
            for step in ("import-members", "import-registry", "re-import-members (no change)"):
                rows, wall, peak, cpu = figures[step]
                versus = ""
                if backend in previous:
                    old_rows, old_wall, old_peak, old_cpu = previous[backend][step]
                    versus = (f"; previous code {old_rows / old_wall:,.0f} rows/s, {old_peak:.0f} MB: "
                              f"{(rows / wall) / (old_rows / old_wall):.2f}x the rows/s, "
                              f"{old_cpu / cpu:.2f}x less CPU in the import process")
                print(f"goal {backend} {step}: {rows / wall:,.0f} rows/s = {rows / wall / goals[backend]:.2f}x the "
                      f"goal of {goals[backend]:,}/s; peak {peak:.0f} MB = {peak / 200:.2f}x the 200 MB "
                      f"limit{versus}")
        print(f"registry on SQLite: streaming import peak {stream_peak:.0f} MB ({stream_peak - idle:.0f} MB above the "
              f"idle app) vs {load_peak:.0f} MB just to hold the file as dicts = {load_peak / stream_peak:.1f}x")


if __name__ == "__main__":
    main()
