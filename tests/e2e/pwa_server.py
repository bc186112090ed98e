"""The live fieldkit the browser tests (and bench/pwa_bench.py) drive: gunicorn on loopback over a temporary SQLite
data dir prepared with the operator CLI (init-db, load-demo, import-members). stop() makes the server truly
unreachable (Playwright's offline mode does not stop a service worker's own requests in Chromium); start()
brings it back on the same port. The tablet app is served from a copy of static/pwa (see live_app.py).
"""
import http.client
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from app_driver import PWA_DIR, REPO

from tests.live_server import free_port

BIN = Path(sys.executable).parent
# Members the tests look for, added to the officer's first cell through the members import.
MEMBERS_CSV = """member_code,unit_code,full_name,date_of_birth,gender,citizen_id,hometown,permanent_address,\
party_join_date,party_official_date,priority,needs_home_visit
E2E0001,{cell},Nguyễn Thị Hoà,1968-05-12,female,038168001234,Xã Hoằng Phú,Số 5 đường Lê Lợi,1990-03-02,1991-03-02,standard,no
E2E0002,{cell},Trần Văn Thuỷ,1955,male,038055004321,Xã Quảng Tâm,Số 9 đường Trần Phú,1980-01-10,1981-01-10,veteran,no
E2E0003,{cell},Lê Thị Thủy,1972-02-03,female,038172009876,Xã Đông Hải,Số 2 ngõ 4,1995-06-01,1996-06-01,standard,no
"""


class LiveServer:
    """fieldkit under gunicorn on loopback; stop() makes it unreachable, start() brings it back on the same port."""

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self.pwa_dir = data_dir / "pwa"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = None
        self.env = {**os.environ, "FIELDKIT_DATA_DIR": str(data_dir), "FIELDKIT_E2E_PWA_DIR": str(self.pwa_dir),
                    "PYTHONPATH": os.pathsep.join([str(REPO), str(Path(__file__).parent)])}
        self.env.pop("DATABASE_URL", None)

    def cli(self, *args: str) -> str:
        done = subprocess.run([str(BIN / "fieldkit"), *args], env=self.env, cwd=REPO, capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, f"fieldkit {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def prepare(self, members: int = 60):
        self.reset_app_copy()
        self.cli("init-db")
        self.cli("load-demo", "--members", str(members))
        cell = self.query("SELECT c.code FROM units c, units g JOIN users u ON u.unit_id = g.id "
                          "WHERE u.username = 'officer' AND c.kind = 'cell' AND c.path LIKE g.path || '%' "
                          "ORDER BY c.code")[0][0]  # the first cell in the demo officer's unit
        csv_path = self.data_dir / "e2e-members.csv"
        csv_path.write_text(MEMBERS_CSV.format(cell=cell), encoding="utf-8")
        self.cli("import-members", str(csv_path))

    def reset_app_copy(self):
        """(Re)make the served copy of the tablet app from the repository."""
        shutil.rmtree(self.pwa_dir, ignore_errors=True)
        shutil.copytree(PWA_DIR, self.pwa_dir)

    def start(self):
        self.proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "-w", "1", "-k", "gthread", "--threads", "4", "-b", f"127.0.0.1:{self.port}",
             "live_app:create_app()"],
            env=self.env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=open(self.data_dir / "gunicorn.log", "ab"),
            start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("gunicorn did not start; see gunicorn.log in " + str(self.data_dir))

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=30)
        self.proc = None

    def query(self, sql: str, *params):
        with sqlite3.connect(self.data_dir / "fieldkit.db") as conn:
            return conn.execute(sql, params).fetchall()

    def member_id(self, code: str) -> int:
        return self.query("SELECT id FROM members WHERE member_code = ?", code)[0][0]
