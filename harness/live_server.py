"""A real fieldkit under gunicorn on loopback, for tests and benches that must cross process boundaries
(kill -9 in the middle of a batch, several workers racing, a browser). Talks to it with the standard library only.

`Gunicorn` is the one live-server helper: a data dir, the operator CLI, gunicorn started in its own process group
(so stopping or killing it reaches the workers too) and waited for on /healthz. `LiveServer` (below), the browser
tests' `harness.pwa_server.LiveServer` and the review screen's server build on it.
"""
import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent  # the venv the tests run in holds gunicorn and the fieldkit CLI
PASSWORD = "correct horse battery"

# Units P → A → G → C, `members` members in C (with matching registry rows if asked), `photos` Photo rows
# (as the photo endpoint leaves them); prints the member ids as JSON for the caller.
# The photo rows stand for uploads by the officer: a photo's hash is no key, only its uploader may use it.
UPLOADED_BY_OFFICER = """
from sqlalchemy import text
from server import create_app
from server.extensions import db
with create_app().app_context():
    db.session.execute(text("UPDATE photos SET uploaded_by_id = (SELECT id FROM users WHERE username = 'officer')"))
    db.session.commit()
"""

SETUP = """
import json, sys
from server import create_app
from server.extensions import db
from server.models import Member, Photo, RegistryRecord
from server.text import name_key
from server.units import add_unit
n_members, photos = int(sys.argv[1]), sys.argv[2].split(",") if sys.argv[2] else []
registry = sys.argv[3] == "registry"
app = create_app()
with app.app_context():
    p = add_unit("P", "Tỉnh", "province", None)
    a = add_unit("A", "Đảng bộ A", "affiliated", p)
    g = add_unit("G", "Phường G", "grassroots", a)
    c = add_unit("C", "Chi bộ C", "cell", g)
    ids = []
    for i in range(n_members):
        m = Member(member_code=f"M{i}", unit=c, full_name=f"Nguyễn Văn {i}", name_key=name_key(f"Nguyễn Văn {i}"),
                   date_of_birth="1960-05-01", birth_year=1960, gender="male", citizen_id=f"001060{i:06d}",
                   hometown="Hà Nội", permanent_address="Số 1")
        db.session.add(m)
        if registry:
            db.session.add(RegistryRecord(citizen_id=m.citizen_id, full_name=m.full_name, name_key=m.name_key,
                                          date_of_birth=m.date_of_birth, birth_year=1960, gender="male",
                                          hometown="Hà Nội", permanent_address="Số 1"))
        db.session.flush()
        ids.append(m.id)
    for sha in photos:
        db.session.add(Photo(sha256=sha, stored_sha256=sha, width=600, height=800, bytes=1, quality={}))
    db.session.commit()
    print(json.dumps({"members": ids}))
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def fresh_pg_database(base_url: str):
    """A new, empty database on the PostgreSQL server of `base_url` (a SQLAlchemy URL); dropped afterwards."""
    import psycopg
    plain = base_url.replace("postgresql+psycopg://", "postgresql://")
    name = f"fieldkit_live_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield base_url.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Gunicorn:
    """fieldkit under gunicorn on a free loopback port, over its own data dir (and database, SQLite by default)."""

    app_spec = "server:create_app()"

    def __init__(self, data_dir: Path, database_url: str | None = None, *, workers: int = 1, threads: int = 4,
                 password: str = PASSWORD):
        self.data_dir = Path(data_dir)
        self.database_url = database_url or f"sqlite:///{self.data_dir / 'fieldkit.db'}"
        self.workers, self.threads = workers, threads
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = None
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("FIELDKIT_TEST")}
        self.env.update(FIELDKIT_DATA_DIR=str(self.data_dir), DATABASE_URL=self.database_url,
                        FIELDKIT_PASSWORD=password, PYTHONUNBUFFERED="1",
                        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))

    def cli(self, *args) -> str:
        """Run the operator CLI against this server's data; its output, or an AssertionError with it."""
        done = subprocess.run([str(BIN / "fieldkit"), *args], cwd=REPO, env=self.env, capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, f"fieldkit {' '.join(map(str, args))} failed:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def healthy(self) -> bool:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            conn.request("GET", "/healthz")
            return conn.getresponse().status == 200
        except OSError:
            return False

    def start(self, timeout: float = 30):
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.data_dir / f"gunicorn-{self.port}.log", "ab")
        self.proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "-w", str(self.workers), "-k", "gthread", "--threads", str(self.threads),
             "-b", f"127.0.0.1:{self.port}", "--graceful-timeout", "5", "-c", "python:server.gunicorn_conf",
             self.app_spec],
            cwd=REPO, env=self.env, stdout=log, stderr=log, start_new_session=True)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}; see {log.name}")
            if self.healthy():
                return self
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not answer /healthz in time; see {log.name}")

    def kill(self):
        """SIGKILL the whole process group (master and workers), as a power cut or OOM kill would."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self):
        """Stop it for real (the port answers nothing until start() again)."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
        self.proc = None


class LiveServer(Gunicorn):
    """One data directory and database, prepared with the real CLI, served by gunicorn on a free port."""

    def prepare(self, members: int = 0, photos=(), registry: bool = False) -> dict:
        """init-db and create-user (an officer in G) through the CLI; units, members and photo rows through a setup script."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.cli("init-db")
        out = subprocess.run([sys.executable, "-c", SETUP, str(members), ",".join(photos),
                              "registry" if registry else "-"], cwd=REPO,
                             env=self.env, check=True, capture_output=True, text=True).stdout
        self.cli("create-user", "officer", "--role", "officer", "--unit", "G")
        subprocess.run([sys.executable, "-c", UPLOADED_BY_OFFICER], cwd=REPO, env=self.env, check=True)
        return json.loads(out.strip().splitlines()[-1])


class Client:
    """A signed-in (or not yet) API client over one keep-alive connection."""

    def __init__(self, port: int, timeout: float = 120, *, connection_per_request: bool = False):
        self.port, self.timeout = port, timeout
        self.close_each = connection_per_request  # "Connection: close": a new connection for every request
        self.cookie = self.csrf = None
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)

    def request(self, method: str, path: str, body: bytes | None = None, content_type: str = "application/json"):
        headers = {"Content-Type": content_type} if body is not None else {}
        if self.close_each:
            headers["Connection"] = "close"
        if self.cookie:
            headers["Cookie"] = self.cookie
        if self.csrf and method not in ("GET", "HEAD"):
            headers["X-CSRF-Token"] = self.csrf
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            self.conn.close()  # a keep-alive connection the server dropped: one fresh try
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        data = response.read()
        set_cookie = response.getheader("Set-Cookie")
        if set_cookie:
            self.cookie = set_cookie.split(";", 1)[0]
        is_json = (response.getheader("Content-Type") or "").startswith("application/json")
        return response.status, json.loads(data) if is_json and data else data

    def login(self, username: str, password: str = PASSWORD) -> "Client":
        status, body = self.request("POST", "/api/v1/auth/login",
                                    json.dumps({"username": username, "password": password}).encode())
        if status != 200:
            raise RuntimeError(f"login failed: {status} {body}")
        self.csrf = body["csrf_token"]
        return self

    def post_json(self, path: str, payload) -> tuple[int, object]:
        return self.request("POST", path, json.dumps(payload, ensure_ascii=False).encode("utf-8"))

    def close(self):
        self.conn.close()
