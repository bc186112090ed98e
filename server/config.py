"""Configuration read from the environment (CONTRACT §2); no other module reads os.environ."""
import os
import secrets
from pathlib import Path


def _data_dir() -> Path:
    return Path(os.environ.get("FIELDKIT_DATA_DIR", "instance")).resolve()


def _secret_key(data_dir: Path) -> str:
    """Return SECRET_KEY, else one generated once into the data dir and reused."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = data_dir / "secret_key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip()


def _engine_options(url: str) -> dict:
    """Connection pool per process: bounded, so N nodes × W workers × (pool + overflow) is the most a
    deployment opens (PostgreSQL's max_connections, or PgBouncer's client limit, must cover it)."""
    options = {"pool_pre_ping": True}
    if url.startswith("sqlite"):
        return options
    options.update(pool_size=int(os.environ.get("FIELDKIT_DB_POOL_SIZE", "5")),
                   max_overflow=int(os.environ.get("FIELDKIT_DB_MAX_OVERFLOW", "5")),
                   pool_timeout=float(os.environ.get("FIELDKIT_DB_POOL_TIMEOUT", "30")))
    if os.environ.get("FIELDKIT_DB_PGBOUNCER") == "1":
        # PgBouncer in transaction mode (before 1.21) cannot follow server-side prepared statements
        # from one transaction to the next: psycopg must never prepare.
        options["connect_args"] = {"prepare_threshold": None}
    return options


class Config:
    """Production defaults; every value can come from the environment."""

    def __init__(self):
        self.DATA_DIR = _data_dir()
        self.DATA_DIR.mkdir(parents=True, exist_ok=True)
        self.SECRET_KEY = _secret_key(self.DATA_DIR)
        self.SQLALCHEMY_DATABASE_URI = os.environ.get(
            "DATABASE_URL", f"sqlite:///{self.DATA_DIR / 'fieldkit.db'}"
        )
        self.PHOTO_DIR = self.DATA_DIR / "photos"
        # A running job silent for JOBS_STALE_SECONDS lost its worker: it may be run again.
        self.JOBS_URL = os.environ.get("FIELDKIT_JOBS_URL", "")  # empty: a SQLite queue file in the data dir
        self.JOBS_STALE_SECONDS = float(os.environ.get("FIELDKIT_JOBS_STALE_SECONDS", "60"))
        # A worker marks each job it runs every JOBS_HEARTBEAT_SECONDS; every worker looks for running jobs
        # whose mark went stale every JOBS_SWEEP_SECONDS and queues them again, up to JOBS_MAX_ATTEMPTS runs.
        self.JOBS_HEARTBEAT_SECONDS = float(os.environ.get("FIELDKIT_JOBS_HEARTBEAT_SECONDS", "5"))
        self.JOBS_SWEEP_SECONDS = float(os.environ.get("FIELDKIT_JOBS_SWEEP_SECONDS", "10"))
        self.JOBS_MAX_ATTEMPTS = int(os.environ.get("FIELDKIT_JOBS_MAX_ATTEMPTS", "3"))
        # The file of a failed or interrupted import (members' personal data) is kept this long for "Run again",
        # then deleted by the workers' sweep; so is any upload no job needs any more (server.jobs.sweep).
        self.JOBS_KEEP_FAILED_HOURS = float(os.environ.get("FIELDKIT_JOBS_KEEP_FAILED_HOURS", "72"))
        # The import upload alone may be this large (a province's registry is ~100 MB); it streams to the
        # upload store, never into memory. Every other request keeps MAX_CONTENT_LENGTH.
        self.IMPORT_MAX_BYTES = int(os.environ.get("FIELDKIT_IMPORT_MAX_BYTES", str(512 * 1024 * 1024)))
        # How many proxies in front append to X-Forwarded-For. gunicorn never sets the client address from that
        # header, so behind a proxy every sign-in would come from the proxy's address (one throttle for all);
        # 0 (the default) ignores the header, which anyone could otherwise forge to dodge the throttle.
        self.TRUSTED_PROXIES = int(os.environ.get("FIELDKIT_TRUSTED_PROXIES", "0") or 0)
        self.SQLALCHEMY_ENGINE_OPTIONS = _engine_options(self.SQLALCHEMY_DATABASE_URI)
        # `file` or `s3://BUCKET[/PREFIX]`; credentials as every S3 client reads them (CONTRACT §2).
        self.PHOTO_STORE = os.environ.get("FIELDKIT_PHOTO_STORE", "file")
        self.S3_ENDPOINT = os.environ.get("FIELDKIT_S3_ENDPOINT") or None
        self.S3_REGION = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or None
        self.S3_ACCESS_KEY_ID = os.environ.get("AWS_ACCESS_KEY_ID") or None
        self.S3_SECRET_ACCESS_KEY = os.environ.get("AWS_SECRET_ACCESS_KEY") or None
        # Fitted Huffman tables: portraits ~6% smaller for ~2.5 ms more CPU per upload (off by default).
        self.PHOTO_OPTIMIZE_HUFFMAN = os.environ.get("FIELDKIT_PHOTO_OPTIMIZE_HUFFMAN") == "1"
        # Sync batches look up what a group of items names in a few queries (0: one item at a time).
        self.INGEST_PREFETCH = os.environ.get("FIELDKIT_INGEST_PREFETCH", "1") != "0"

    # Whole-request cap: the sync envelope may be 64 MiB (CONTRACT §5); photos are capped lower in their view.
    MAX_CONTENT_LENGTH = 64 * 1024 * 1024
    PHOTO_MAX_BYTES = 10 * 1024 * 1024
    PHOTO_MAX_PIXELS = 40_000_000  # refused from the header before decoding (decompression bombs)
    SESSION_COOKIE_NAME = "fieldkit_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Strict"
    SESSION_IDLE_HOURS = 12
    # A session ends this long after sign-in whatever its use: a working day. The cookie lives as long, so a
    # tablet keeps its session across browser restarts during that day (the PIN still guards the app).
    SESSION_MAX_HOURS = 16
    LOGIN_MAX_FAILURES = 10  # per username at one client address (CONTRACT §5)
    # Per client address across usernames: higher, since a team's tablets may share one mobile router's address.
    LOGIN_MAX_FAILURES_PER_ADDRESS = 30
    LOGIN_WINDOW_SECONDS = 15 * 60
    CAPTURED_AT_TOLERANCE_SECONDS = 10 * 60
    API_TITLE = "fieldkit"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api"
    OPENAPI_JSON_PATH = "openapi.json"
    LOG_JSON = True
    TESTING = False
    JOBS_IMMEDIATE = False  # run jobs inside the request (tests); production hands them to `fieldkit worker`


class TestConfig(Config):
    """Tests: a throwaway data dir given by the fixture; DATABASE_URL may point at PostgreSQL."""

    TESTING = True
    LOG_JSON = False
    JOBS_IMMEDIATE = True

    def __init__(self, data_dir: Path, database_url: str | None = None):
        os.environ["FIELDKIT_DATA_DIR"] = str(data_dir)
        super().__init__()
        self.SQLALCHEMY_DATABASE_URI = database_url or f"sqlite:///{data_dir / 'test.db'}"
        self.SQLALCHEMY_ENGINE_OPTIONS = _engine_options(self.SQLALCHEMY_DATABASE_URI)
