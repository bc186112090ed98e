"""Fixtures for the console's browser tests: a real gunicorn and a real job worker (`fieldkit worker`) on a
temporary SQLite data dir prepared with the operator CLI, and a helper that runs axe-core in the page."""
import csv
import io
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from harness.live_server import free_port

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
PASSWORD = "console-e2e-pass"
MEMBER_COLUMNS = ("member_code,unit_code,full_name,date_of_birth,gender,citizen_id,hometown,permanent_address,"
                  "party_join_date,party_official_date,priority,needs_home_visit").split(",")
UNITS = [("P", "Tỉnh ủy Thử nghiệm", "province", ""), ("A1", "Đảng bộ Phường Một", "affiliated", "P"),
         ("A2", "Đảng bộ Phường Hai", "affiliated", "P"), ("G1", "Đảng bộ cơ sở Một", "grassroots", "A1"),
         ("C1", "Chi bộ Khu phố 1", "cell", "G1"), ("C2", "Chi bộ Khu phố 2", "cell", "G1")]


def members_csv(rows, start=0) -> str:
    """`rows` members: (cell, date_of_birth) each; a date such as 19x0 makes the row bad."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(MEMBER_COLUMNS)
    for i, (cell, dob) in enumerate(rows, start):
        writer.writerow([f"E{i:05d}", cell, f"Nguyễn Thị Số {i}", dob, "female", "", "Hà Nội", "Số 1 phố Huế",
                         "1990-01-01", "1991-01-01", "standard", "no"])
    return out.getvalue()


class ConsoleServer:
    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("FIELDKIT_")}
        self.env.pop("DATABASE_URL", None)
        self.env.update(FIELDKIT_DATA_DIR=str(data_dir), FIELDKIT_PASSWORD=PASSWORD, PYTHONPATH=str(REPO))
        self.procs = []

    def fieldkit(self, *args):
        done = subprocess.run([str(BIN / "fieldkit"), *args], env=self.env, cwd=REPO, capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, f"{args} failed:\n{done.stdout}\n{done.stderr}"

    def prepare(self):
        self.fieldkit("init-db")
        units = self.data_dir / "units.csv"
        units.write_text("code,name,kind,parent_code\n" + "".join(",".join(u) + "\n" for u in UNITS), "utf-8")
        self.fieldkit("import-units", str(units))
        members = self.data_dir / "members.csv"
        members.write_text(members_csv([("C1", "1970-01-01")] * 4 + [("C2", "1971")] * 2, start=90000), "utf-8")
        self.fieldkit("import-members", str(members))
        self.fieldkit("create-user", "admin", "--role", "unit_admin", "--unit", "P", "--name", "Quản trị Tỉnh")
        self.fieldkit("create-user", "viewer", "--role", "viewer", "--unit", "A1")

    def start(self):
        log = open(self.data_dir / "server.log", "ab")
        for args in ([str(BIN / "gunicorn"), "-w", "1", "-k", "gthread", "--threads", "4",
                      "-b", f"127.0.0.1:{self.port}", "server:create_app()"],
                     [str(BIN / "fieldkit"), "worker", "--workers", "1"]):
            self.procs.append(subprocess.Popen(args, env=self.env, cwd=REPO, stdout=log, stderr=log,
                                               start_new_session=True))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"the server did not start; see {self.data_dir / 'server.log'}")

    def stop(self):
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=30)


@pytest.fixture(scope="module")
def console_server(tmp_path_factory):
    server = ConsoleServer(tmp_path_factory.mktemp("console-e2e"))
    server.prepare()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    """Where screenshots go: CONSOLE_SHOTS_DIR if set (to look at them), else a temp dir."""
    folder = Path(os.environ.get("CONSOLE_SHOTS_DIR") or tmp_path_factory.mktemp("console-shots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def axe_violations(page) -> list[dict]:
    """Serious and critical axe-core violations of the page as shown (the context bypasses CSP to inject it)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(content=AXE.read_text("utf-8"))
    found = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
                          ".map((v) => ({id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' '))"
                          ".slice(0, 3)}))")
    return [v for v in found if v["impact"] in ("serious", "critical")]
