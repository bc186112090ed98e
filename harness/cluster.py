"""A whole deployment on loopback for tests: PostgreSQL (a fresh database on the server `make test` starts),
an S3 object store (SeaweedFS), N gunicorn app nodes, HAProxy in front (round-robin) and, optionally,
PgBouncer in transaction mode between a node and PostgreSQL.

Every process gets the same environment (`Cluster.env`: database, photo store, SECRET_KEY), so more kinds of
process can join: `cluster.spawn("worker", [command...])` starts, say, a job consumer against the same
database and broker, in its own process group, stopped with the rest. Nothing binds beyond 127.0.0.1;
configs and logs live in one temporary directory.
"""
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from harness.live_server import REPO, Client, LiveServer, free_port

HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"
PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
REDIS = shutil.which("redis-server") or "/usr/bin/redis-server"

HAPROXY_CFG = """global
    maxconn 512
defaults
    mode http
    timeout connect 2s
    timeout client 120s
    timeout server 120s
    retries 3
    option redispatch
    retry-on conn-failure empty-response
frontend fieldkit
    bind 127.0.0.1:{port}
    default_backend app
backend app
    balance roundrobin
    # Each request on its own connection to the node, taken by whichever gunicorn worker is free: a kept-alive
    # connection stays with the worker that accepted it (README, "Spreading requests over a node's workers").
    option http-server-close
    option httpchk GET /healthz
{servers}
"""

PGBOUNCER_INI = """[databases]
{dbname} = host={host} port={pg_port} dbname={dbname} user={user}
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {root}/users.txt
pool_mode = transaction
default_pool_size = {pool}
max_client_conn = 200
ignore_startup_parameters = extra_float_digits,options
logfile = {root}/pgbouncer.log
"""


def _wait_port(port: int, proc: subprocess.Popen, what: str, timeout: float = 20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on {port} in time")


class Cluster:
    def __init__(self, root: Path, database_url: str, store_env: dict, *, secret_key: str = "cluster-secret"):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.database_url = database_url
        self.env = {"SECRET_KEY": secret_key, **store_env}
        self.nodes: list[LiveServer] = []
        self.procs: dict[str, subprocess.Popen] = {}
        self.port = None
        self.cleanup: list[Path] = []

    def node(self, name: str, *, database_url: str | None = None, workers: int = 1, threads: int = 4,
             extra_env: dict | None = None) -> LiveServer:
        """An app node (not started): its own data dir, the shared database, store and secret."""
        server = LiveServer(self.root / name, database_url or self.database_url, workers=workers, threads=threads)
        server.data_dir.mkdir(parents=True, exist_ok=True)
        server.env.update(self.env)
        server.env.update(extra_env or {})
        self.nodes.append(server)
        return server

    def spawn(self, name: str, args: list, env: dict | None = None) -> subprocess.Popen:
        """Any other process of the deployment (a job worker, say), with the cluster's environment."""
        full = {**self.nodes[0].env, **(env or {})} if self.nodes else {**os.environ, **self.env, **(env or {})}
        log = open(self.root / f"{name}.log", "ab")
        proc = subprocess.Popen(args, cwd=REPO, env=full, stdout=log, stderr=log, start_new_session=True)
        log.close()
        self.procs[name] = proc
        return proc

    def balancer(self) -> int:
        """Start HAProxy round-robin over the nodes (health-checked on /healthz); its port."""
        self.port = free_port()
        servers = "\n".join(f"    server {n.data_dir.name} 127.0.0.1:{n.port} check inter 300ms fall 1 rise 2"
                            for n in self.nodes)
        cfg = self.root / "haproxy.cfg"
        cfg.write_text(HAPROXY_CFG.format(port=self.port, servers=servers))
        proc = self.spawn("haproxy", [HAPROXY, "-f", str(cfg), "-db"])
        _wait_port(self.port, proc, "haproxy")
        return self.port

    def pgbouncer(self, pool: int = 3) -> str:
        """Start PgBouncer (transaction pooling) in front of the database; the SQLAlchemy URL through it."""
        from sqlalchemy.engine import make_url
        url = make_url(self.database_url)
        port = free_port()
        # Its own directory under /tmp (not the test's, which only root may enter): pgbouncer runs as postgres.
        root = Path(tempfile.mkdtemp(prefix="fieldkit-pgbouncer-"))
        self.cleanup.append(root)
        (root / "users.txt").write_text(f'"{url.username}" ""\n')
        ini = root / "pgbouncer.ini"
        ini.write_text(PGBOUNCER_INI.format(dbname=url.database, host=url.host, pg_port=url.port, user=url.username,
                                            port=port, root=root, pool=pool))
        args = [PGBOUNCER, str(ini)]
        if os.geteuid() == 0:  # pgbouncer refuses to run as root
            shutil.chown(root, "postgres")
            for path in root.iterdir():
                shutil.chown(path, "postgres")
            args = ["runuser", "-u", "postgres", "--", *args]
        proc = self.spawn("pgbouncer", args)
        _wait_port(port, proc, "pgbouncer")
        return url.set(port=port).render_as_string(hide_password=False)

    def redis(self) -> str:
        """Start Redis on loopback as the shared job broker, and name it in every process's environment
        (FIELDKIT_JOBS_URL); its URL. No persistence: the broker only carries job ids, and a lost message is
        handed again by the workers' sweep (the jobs table in PostgreSQL is the record)."""
        port = free_port()
        proc = self.spawn("redis", [REDIS, "--bind", "127.0.0.1", "--port", str(port), "--save", "",
                                    "--appendonly", "no", "--dir", str(self.root)])
        _wait_port(port, proc, "redis")
        url = f"redis://127.0.0.1:{port}/0"
        self.env["FIELDKIT_JOBS_URL"] = url
        for server in self.nodes:
            server.env["FIELDKIT_JOBS_URL"] = url
        return url

    def client(self) -> Client:
        return Client(self.port)

    def stop(self):
        for server in self.nodes:
            server.stop()
        for proc in self.procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait(10)
        for path in self.cleanup:
            shutil.rmtree(path, ignore_errors=True)
