"""Submissions per second, end to end: gunicorn (2 workers, gthread), client threads that PUT a 1200×1600
JPEG portrait and then POST the records in batches of 25, on SQLite and on PostgreSQL. Goals (issue 14):
≥ 80 submissions/s end to end, ≤ 15 ms server CPU per photo upload, ≤ 3 ms server CPU per submission.

Two servers per backend, each over its own data and database, measured phase by phase in turn:
  now        the code as it is
  baseline   the code as it was before issue 14 (--baseline-rev, default BASELINE_REV: `git archive`d into a
             temporary directory and served from there by the same gunicorn and libraries); without git, the
             code as it is with the old settings (FIELDKIT_PHOTO_OPTIMIZE_HUFFMAN=1: fitted Huffman tables;
             FIELDKIT_INGEST_PREFETCH=0: every look-up of an item asked on its own)
Phases, each figure a rate and the server's CPU per item (user + system time of gunicorn's processes,
read from /proc before and after; the client's CPU is not in it):
  no-op      signed-in no-op requests (GET /api/v1/auth/me): what the stack costs before any work
  photos     photo uploads alone (decode, normalise, store durably)
  app_photos the same frame as the tablet app sends it (static/pwa/js/photo.js: 600×800, JPEG 0.92)
  records    submissions alone, photos already stored (validate, registry check, group commit)
  end_to_end submissions with their photo upload, as a tablet syncs; the rate goal applies to this line
  app_end_to_end  the same with the tablet app's own 600×800 portraits: what a node takes from real tablets

Every record is for a different roster member whose registry row matches, so each takes the whole
accepted-and-verified path; every photo has pixels of its own, so each upload writes a new object.
PostgreSQL: FIELDKIT_BENCH_PG_URL (or FIELDKIT_TEST_PG_URL) names a server to create throwaway databases
on; without either the bench starts its own via tests/tools/with_postgres.sh.

Each request goes on a new connection, as gunicorn sees them behind the balancer the README sets up (HAProxy's
`option http-server-close`); --keep-alive keeps one connection per client instead, which stays with the gunicorn
worker that accepted it. Each phase prints the busiest worker's share of the server's CPU.

Run: .venv/bin/python bench/ingest_bench.py [--records 400] [--clients 4] [--backend both|sqlite|postgres] [--keep-alive]
     [--no-baseline] [--baseline-rev REV]
"""
import argparse
import contextlib
import hashlib
import io
import os
import struct
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import uuid
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script: the repository's packages (server, harness) importable
from harness import live_server  # noqa: E402
from harness.live_server import Client, LiveServer, fresh_pg_database  # noqa: E402

GOAL = 80.0
PHOTO_CPU_GOAL_MS = 15.0
RECORD_CPU_GOAL_MS = 3.0
BATCH = 25


def portrait_jpeg() -> bytes:
    """A camera-like 1200×1600 frame (gradient, shapes, fine lines, sensor noise) as the app would send it."""
    w, h = size = (1200, 1600)
    ramp = Image.linear_gradient("L").resize(size)
    img = Image.merge("RGB", [ramp.point(lambda v: 80 + v // 3), ramp.point(lambda v: 100 + v // 4),
                              Image.new("L", size, 140)])
    draw = ImageDraw.Draw(img)
    draw.ellipse((w * 0.3, h * 0.12, w * 0.7, h * 0.55), fill=(224, 172, 140))
    draw.rectangle((w * 0.15, h * 0.6, w * 0.85, h), fill=(40, 50, 90))
    for x in range(0, w, 8):
        draw.line((x, 0, x + 60, h * 0.2), fill=(60, 60, 60))
    img = ImageChops.add(img, Image.merge("RGB", [Image.effect_noise(size, 14)] * 3), offset=-128)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=90)
    return out.getvalue()


def app_portrait(jpeg: bytes) -> bytes:
    """The same frame as the tablet app sends it (static/pwa/js/photo.js): brought down to 600×800, JPEG 0.92."""
    from offline_queue.photos import OUT_SIZE
    with Image.open(io.BytesIO(jpeg)) as frame:
        small = frame.resize(OUT_SIZE, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    small.save(out, "JPEG", quality=92)
    return out.getvalue()


# Zig-zag positions of the chroma table's lowest AC frequencies: every DCT scale libjpeg decodes at uses them.
_CHROMA_AC = (1, 2, 3, 4, 5, 6)


def variant(jpeg: bytes, tag: str, index: int) -> bytes:
    """Another photograph as far as the server can tell: different bytes (a comment) and different pixels.

    Each index steps a few low-frequency chroma quantisation steps by 0–3 (base-4 digits of the index), so
    the decoded colours differ slightly and every upload normalises to a portrait of its own: the store
    writes (and fsyncs) each one, as it does for real photos, instead of finding the same object again."""
    out = bytearray(jpeg)
    at = 2
    while out[at + 1] != 0xDA:  # the header segments, up to start-of-scan
        length = struct.unpack(">H", out[at + 2:at + 4])[0]
        if out[at + 1] == 0xDB and out[at + 4] == 1:  # DQT, 8-bit precision, table 1 (chroma)
            for n, position in enumerate(_CHROMA_AC):
                out[at + 5 + position] += (index >> (2 * n)) & 3
        at += 2 + length
    comment = tag.encode()
    return bytes(out[:2] + b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment + out[2:])


def record(member_id: int, index: int, photo: str) -> dict:
    return {"client_id": str(uuid.uuid4()), "member_id": member_id, "visit_id": None,
            "captured_at": "2025-08-08T14:03:11+07:00", "location_kind": "station", "photo_sha256": photo,
            "consent": True, "fields": {
                "full_name": f"Nguyễn Văn {index}", "date_of_birth": "1960-05-01", "gender": "male",
                "citizen_id": f"001060{index:06d}", "hometown": "Hà Nội", "permanent_address": "Số 1",
                "party_join_date": "1985-03-01", "party_official_date": "1986-03-01"}}


def _processes():
    """(pid, ppid, process group, own CPU seconds, with its ended children's) of every process (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        # fields after the command: state ppid pgrp ... utime(11) stime(12) cutime(13) cstime(14)
        own = (int(fields[11]) + int(fields[12])) / tick
        yield int(entry.name), int(fields[1]), int(fields[2]), own, own + (int(fields[13]) + int(fields[14])) / tick


def process_cpu_seconds(pgid: int) -> dict[int, float]:
    """CPU time (user + system) used so far by each process of one process group, by pid."""
    return {pid: own for pid, _, group, own, _ in _processes() if group == pgid}


def server_cpu_seconds(postmaster: int) -> float:
    """CPU time used so far by a PostgreSQL server: the postmaster with its ended children, and its live children
    (its backends each start a session, so they are no process group of its)."""
    return sum(own if pid != postmaster else everything
               for pid, parent, _, own, everything in _processes() if postmaster in (pid, parent))


# Each request on a new connection, as gunicorn sees them behind the balancer the README sets up (HAProxy's `option
# http-server-close`): taken by whichever worker is free. --keep-alive: each client keeps one connection, which
# stays with the worker that accepted it (with 4 clients, often 3 or 4 of them on one worker).
CONNECTION_PER_REQUEST = True
SPLITS = {}  # (server port, phase run) → the busiest worker's share of the server's CPU in that run
# What else the 2 cores did in that run (CPU seconds): this process's client threads, and the database server's
# processes (PostgreSQL's backends; SQLite runs inside the workers, so nothing), by server port.
OTHERS = {}
DATABASE_SERVER = {}  # server port → the pid of its PostgreSQL server (the postmaster)


def run_threads(server, clients: int, work) -> tuple[float, float]:
    """Run work(client, thread_index) in `clients` threads, each signed in on its own (with --keep-alive, on its own
    connection, which stays with the gunicorn worker that accepted it); (wall seconds, server CPU seconds).
    The busiest worker's share of the CPU goes to SPLITS: with few connections the kernel may hand most of them
    to one worker, whose one interpreter lock then limits the rate."""
    signed_in = [Client(server.port, connection_per_request=CONNECTION_PER_REQUEST).login("officer")
                 for _ in range(clients)]
    errors = []

    def target(client, index):
        try:
            work(client, index)
        except Exception as error:  # noqa: BLE001 - reported after the run
            errors.append(error)

    threads = [threading.Thread(target=target, args=(c, i)) for i, c in enumerate(signed_in)]
    before = process_cpu_seconds(server.proc.pid)
    postmaster = DATABASE_SERVER.get(server.port)
    database_before = server_cpu_seconds(postmaster) if postmaster else 0.0
    client_before = time.process_time()
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    OTHERS[server.port] = (time.process_time() - client_before,
                           server_cpu_seconds(postmaster) - database_before
                           if postmaster else 0.0)
    used = {pid: cpu - before.get(pid, 0.0) for pid, cpu in process_cpu_seconds(server.proc.pid).items()}
    cpu = sum(used.values())
    SPLITS[server.port] = max(used.values()) / cpu if cpu else 0.0
    for client in signed_in:
        client.close()
    if errors:
        raise errors[0]
    return elapsed, cpu


def upload(client: Client, sha: str, body: bytes):
    status, answer = client.request("PUT", f"/api/v1/photos/{sha}", body, content_type="image/jpeg")
    if status not in (200, 201):
        raise RuntimeError(f"photo upload answered {status}: {answer}")


def send(client: Client, items: list):
    status, answer = client.post_json("/api/v1/sync/submissions", {"device_id": "bench", "items": items})
    outcomes = {r["outcome"] for r in answer["results"]} if status == 200 else {status}
    if outcomes != {"accepted"}:
        raise RuntimeError(f"submissions answered {status}: {outcomes}")


def _on_postgres(database_url: str | None, read):
    """What `read(connection)` gives on the bench's PostgreSQL database; None on SQLite."""
    if not database_url or not database_url.startswith("postgresql"):
        return None
    from sqlalchemy import create_engine
    engine = create_engine(database_url)
    with engine.connect() as conn:
        value = read(conn)
    engine.dispose()
    return value


def _postmaster(database_url: str | None) -> int | None:
    """The pid of the PostgreSQL server behind `database_url`: the parent of a backend (read while it lives)."""
    def parent_of_backend(conn):
        backend = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        return int(Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()[1])
    return _on_postgres(database_url, parent_of_backend)


def _database_bytes(database_url: str | None) -> int | None:
    """PostgreSQL's own size of the bench database (None on SQLite, whose file grows in pages)."""
    return _on_postgres(database_url, lambda conn: conn.exec_driver_sql(
        "SELECT pg_database_size(current_database())").scalar())


BASELINE_ENV = {"FIELDKIT_PHOTO_OPTIMIZE_HUFFMAN": "1", "FIELDKIT_INGEST_PREFETCH": "0"}
BASELINE_REV = "0039f7c"  # main before issue 14's ingest work


def baseline_tree(rev: str, into: Path) -> Path | None:
    """The repository at `rev`, unpacked into `into`; None when git cannot give it (then: the old settings)."""
    try:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
    return into


@contextlib.contextmanager
def served_from(tree: Path | None):
    """Run the harness's commands (CLI, setup, gunicorn) in `tree` instead of this checkout: gunicorn puts its
    working directory first on the path before it reads its config module, so PYTHONPATH alone is not enough."""
    saved = live_server.REPO
    live_server.REPO = tree or saved
    try:
        yield
    finally:
        live_server.REPO = saved
PHASES = ("no-op", "photos", "app_photos", "records", "end_to_end", "app_end_to_end")


def bench_backend(name: str, database_urls: dict, records: int, clients: int, jpeg: bytes,
                  tree: Path | None, layout: tuple[int, int] = (2, 4)) -> dict:
    """{"now": {phase: (rate, CPU ms)}, "baseline": {...}}: one server per variant, phases taken in turn."""
    with tempfile.TemporaryDirectory(prefix="fieldkit-bench-") as tmp:
        servers, members = {}, {}
        try:
            for which, url in database_urls.items():
                server = servers[which] = LiveServer(Path(tmp) / which, url, workers=layout[0],
                                                     threads=layout[1])
                old = which == "baseline"
                if old:
                    server.env.update({"PYTHONPATH": str(tree)} if tree else BASELINE_ENV)
                with served_from(tree if old else None):
                    members[which] = server.prepare(members=3 * records, registry=True)["members"]
                    server.start()
                    DATABASE_SERVER[server.port] = _postmaster(url)
            # Bodies are made when sent (800 of them would take 700 MB); their addresses are kept.
            shas = [hashlib.sha256(variant(jpeg, f"{name}-{i}", i)).hexdigest() for i in range(2 * records)]
            small = app_portrait(jpeg)
            share = records // clients
            done = share * clients

            def work(phase, ids):
                def noop(client, _):
                    for _ in range(share):
                        client.request("GET", "/api/v1/auth/me")

                def photos_only(client, index):
                    for i in range(index * share, (index + 1) * share):
                        upload(client, shas[i], variant(jpeg, f"{name}-{i}", i))

                def app_photos(client, index):  # the tablet app's own portraits: other objects, no records use them
                    for i in range(index * share, (index + 1) * share):
                        body = variant(small, f"{name}-app-{i}", i)
                        upload(client, hashlib.sha256(body).hexdigest(), body)

                def records_only(client, index):  # uses the photos just stored
                    mine = range(index * share, (index + 1) * share)
                    items = [record(ids[i], i, shas[i]) for i in mine]
                    for start in range(0, len(items), BATCH):
                        send(client, items[start:start + BATCH])

                def end_to_end(client, index):  # fresh members and photos: upload each photo, then its batch
                    mine = range(records + index * share, records + (index + 1) * share)
                    for start in range(mine.start, mine.stop, BATCH):
                        chunk = range(start, min(start + BATCH, mine.stop))
                        for i in chunk:
                            upload(client, shas[i], variant(jpeg, f"{name}-{i}", i))
                        send(client, [record(ids[i], i, shas[i]) for i in chunk])
                def app_end_to_end(client, index):  # the same, with the portraits the tablet app makes
                    mine = range(2 * records + index * share, 2 * records + (index + 1) * share)
                    for start in range(mine.start, mine.stop, BATCH):
                        chunk = range(start, min(start + BATCH, mine.stop))
                        sent = {}
                        for i in chunk:
                            body = variant(small, f"{name}-app-{i}", i)
                            sent[i] = hashlib.sha256(body).hexdigest()
                            upload(client, sent[i], body)
                        send(client, [record(ids[i], i, sent[i]) for i in chunk])
                return {"no-op": noop, "photos": photos_only, "app_photos": app_photos, "records": records_only,
                        "end_to_end": end_to_end, "app_end_to_end": app_end_to_end}[phase]

            figures = {which: {} for which in servers}
            size = None
            for turn, phase in enumerate(PHASES):
                # Alternate which variant goes first, so neither always meets the machine in the same state.
                for which in sorted(servers, reverse=turn % 2 == 1):
                    if phase == "end_to_end" and which == "now":  # from here on each submission brings its photo
                        size = _database_bytes(database_urls["now"])
                    wall, cpu = run_threads(servers[which], clients, work(phase, members[which]))
                    client, database = OTHERS[servers[which].port]
                    figures[which][phase] = (done / wall, cpu / done * 1000, SPLITS[servers[which].port],
                                             client / done * 1000, database / done * 1000)
            if size is not None:  # database growth per stored submission (with its photo row, audit, indexes)
                figures["now"]["bytes_per_submission"] = (_database_bytes(database_urls["now"]) - size) / (2 * done)
            return figures
        finally:
            for server in servers.values():
                server.stop()


def report(backend: str, figures: dict) -> bool:
    """Print one backend's table and its goal lines; True when a goal is missed."""
    now, base = figures["now"], figures.get("baseline")
    print(f"\n{backend:<16}      now: rate  CPU ms  busiest worker"
          + ("   baseline: rate  CPU ms   CPU now/baseline" if base else ""))
    for phase in PHASES:
        line = f"  {phase:<14} {now[phase][0]:14.1f} {now[phase][1]:7.2f} {now[phase][2]:14.0%}"
        if base:
            line += f" {base[phase][0]:16.1f} {base[phase][1]:7.2f} {now[phase][1] / base[phase][1]:12.2f}×"
        print(line)
    rate, cpu, busiest, client, database = now["end_to_end"]
    print(f"  end to end {rate:.1f}/s = {rate / GOAL:.2f}× the goal of ≥ {GOAL:.0f}/s"
          + (f"; {rate / base['end_to_end'][0]:.2f}× the baseline's rate" if base else "")
          + f"; the server's CPU alone would allow {1000 * (os.cpu_count() or 1) / cpu:.0f}/s on "
          f"{os.cpu_count()} idle cores; the busiest of the gunicorn workers did {busiest:.0%} of its work")
    print(f"  end to end, CPU per submission: gunicorn {cpu:.1f} ms + "
          + (f"PostgreSQL {database:.1f} ms + " if database else "")
          + f"the bench's clients {client:.1f} ms = {cpu + database + client:.1f} ms; "
          f"{os.cpu_count()} cores give {1000 * (os.cpu_count() or 1) / (cpu + database + client):.0f}/s at most")
    app_rate, app_cpu_item, _, app_client, app_database = now["app_end_to_end"]
    print(f"  end to end with the tablet app's own portraits (600×800): {app_rate:.1f}/s"
          + (f" ({app_rate / base['app_end_to_end'][0]:.2f}× the baseline's)" if base else "")
          + f"; CPU per submission: gunicorn {app_cpu_item:.1f} ms + "
          + (f"PostgreSQL {app_database:.1f} ms + " if app_database else "")
          + f"clients {app_client:.1f} ms")
    photo_cpu, record_cpu, app_cpu = now["photos"][1], now["records"][1], now["app_photos"][1]
    print(f"  photo upload {photo_cpu:.1f} ms CPU = {photo_cpu / PHOTO_CPU_GOAL_MS:.2f}× the goal of "
          f"≤ {PHOTO_CPU_GOAL_MS:.0f} ms" + (f" (baseline {base['photos'][1]:.1f} ms)" if base else ""))
    print(f"  photo upload as the tablet app sends it (600×800, JPEG 0.92): {app_cpu:.1f} ms CPU = "
          f"{app_cpu / PHOTO_CPU_GOAL_MS:.2f}× the goal" + (f" (baseline {base['app_photos'][1]:.1f} ms)" if base else ""))
    print(f"  submission {record_cpu:.2f} ms CPU = {record_cpu / RECORD_CPU_GOAL_MS:.2f}× the goal of "
          f"≤ {RECORD_CPU_GOAL_MS:.0f} ms" + (f" (baseline {base['records'][1]:.2f} ms)" if base else "")
          + f"; a no-op request costs {now['no-op'][1]:.2f} ms")
    if "bytes_per_submission" in now:
        print(f"  database growth {now['bytes_per_submission'] / 1024:.1f} KiB per stored submission "
              "(submission, photo row, audit rows, indexes)")
    return rate < GOAL or photo_cpu > PHOTO_CPU_GOAL_MS or record_cpu > RECORD_CPU_GOAL_MS


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=400, help="records per phase (default 400)")
    parser.add_argument("--clients", type=int, default=4, help="client threads (default 4)")
    parser.add_argument("--backend", choices=("both", "sqlite", "postgres"), default="both")
    parser.add_argument("--no-baseline", action="store_true", help="measure the code as it is only")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker (default 4)")
    parser.add_argument("--keep-alive", action="store_true",
                        help="each client keeps its connection open (by default a new connection for every request, "
                             "\"Connection: close\", as behind the README's balancer)")
    parser.add_argument("--baseline-rev", default=BASELINE_REV, help=f"the baseline's commit ({BASELINE_REV})")
    args = parser.parse_args()
    global CONNECTION_PER_REQUEST
    CONNECTION_PER_REQUEST = not args.keep_alive
    pg_url = os.environ.get("FIELDKIT_BENCH_PG_URL") or os.environ.get("FIELDKIT_TEST_PG_URL")
    if args.backend != "sqlite" and not pg_url:
        # No PostgreSQL given: run this same bench again under a throwaway one.
        sys.exit(subprocess.call([str(ROOT / "tests/tools/with_postgres.sh"), sys.executable, *sys.argv]))

    jpeg = portrait_jpeg()
    variants = ("now",) if args.no_baseline else ("now", "baseline")
    print(f"{args.records} records per phase, {args.clients} client threads "
          f"({'a connection per request' if CONNECTION_PER_REQUEST else 'keep-alive connections'}), batches of {BATCH}, "
          f"gunicorn {args.workers} workers × {args.threads} threads (gthread), {os.cpu_count()} cores; "
          f"photo 1200×1600 JPEG of {len(jpeg) / 1e3:.0f} KB")
    failed = False
    with contextlib.ExitStack() as stack:
        tree = None if args.no_baseline else baseline_tree(
            args.baseline_rev, Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="fieldkit-baseline-"))))
        if not args.no_baseline:
            print(f"baseline: {'the code at ' + args.baseline_rev if tree else 'the old settings (no git archive)'}")
        if args.backend in ("both", "sqlite"):
            failed |= report("SQLite", bench_backend("sqlite", dict.fromkeys(variants), args.records, args.clients,
                                                     jpeg, tree, (args.workers, args.threads)))
        if args.backend in ("both", "postgres"):
            urls = {which: stack.enter_context(fresh_pg_database(pg_url)) for which in variants}
            failed |= report("PostgreSQL", bench_backend("postgres", urls, args.records, args.clients, jpeg, tree,
                                                             (args.workers, args.threads)))
    print("\ngoal met" if not failed else "\ngoal NOT met")


if __name__ == "__main__":
    main()
