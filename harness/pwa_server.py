"""The live fieldkit the browser tests (and bench/pwa_bench.py) drive: gunicorn on loopback over a temporary SQLite
data dir prepared with the operator CLI (init-db, load-demo, import-members). stop() makes the server truly
unreachable (Playwright's offline mode does not stop a service worker's own requests in Chromium); start()
brings it back on the same port. The tablet app is served from a copy of static/pwa (see harness/live_app.py).
"""
import shutil
import sqlite3
from pathlib import Path

from harness.app_driver import PWA_DIR
from harness.live_server import Gunicorn

# Members the tests look for, added to the officer's first cell through the members import.
MEMBERS_CSV = """member_code,unit_code,full_name,date_of_birth,gender,citizen_id,hometown,permanent_address,\
party_join_date,party_official_date,priority,needs_home_visit
E2E0001,{cell},Nguyễn Thị Hoà,1968-05-12,female,038168001234,Xã Hoằng Phú,Số 5 đường Lê Lợi,1990-03-02,1991-03-02,standard,no
E2E0002,{cell},Trần Văn Thuỷ,1955,male,038055004321,Xã Quảng Tâm,Số 9 đường Trần Phú,1980-01-10,1981-01-10,veteran,no
E2E0003,{cell},Lê Thị Thủy,1972-02-03,female,038172009876,Xã Đông Hải,Số 2 ngõ 4,1995-06-01,1996-06-01,standard,no
"""


class LiveServer(Gunicorn):
    """fieldkit under gunicorn on loopback; stop() makes it unreachable, start() brings it back on the same port."""

    app_spec = "harness.live_app:create_app()"

    def __init__(self, data_dir: Path):
        super().__init__(data_dir)
        self.pwa_dir = self.data_dir / "pwa"
        self.env["FIELDKIT_E2E_PWA_DIR"] = str(self.pwa_dir)

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

    def query(self, sql: str, *params):
        with sqlite3.connect(self.data_dir / "fieldkit.db") as conn:
            return conn.execute(sql, params).fetchall()

    def member_id(self, code: str) -> int:
        return self.query("SELECT id FROM members WHERE member_code = ?", code)[0][0]
