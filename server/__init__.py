"""The Flask application: create_app() builds it; nothing is built at import time."""
import os

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .extensions import db


def sqlite_busy_timeout_ms() -> int:
    """How long a SQLite statement waits behind another writer (a long import) before the request answers 503
    database_busy (api/errors.py); the tablet keeps its record and retries."""
    return int(os.environ.get("FIELDKIT_SQLITE_BUSY_TIMEOUT_MS", "20000"))


def is_sqlite_locked(error) -> bool:
    """SQLITE_BUSY: another connection held the write lock past the wait. Not SQLITE_LOCKED ("database table is
    locked"), which is one connection tripping over its own open statement, a bug."""
    return "database is locked" in str(getattr(error, "orig", error))


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """SQLite: WAL for concurrent readers, foreign keys on, wait on locks instead of failing."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={sqlite_busy_timeout_ms()}")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()


def create_app(config=None, *, serving: bool = True) -> Flask:
    """Build the app from `config` (an object, e.g. TestConfig) or from the environment. `serving=False`: without
    the HTTP API and the job queue, for command-line work that only uses the database (see server.cli)."""
    from . import cli, http, pwa
    from .config import Config

    app = Flask(__name__, static_folder=None)
    app.config.from_object(config or Config())
    app.json.ensure_ascii = False
    app.json.sort_keys = False

    db.init_app(app)
    if serving:  # migrations (init-db, flask db) and the API are no part of a database-only command
        from .extensions import migrate
        migrate.init_app(app, db, directory=str(cli.MIGRATIONS_DIR), render_as_batch=True)
    http.init_app(app)
    if serving:
        from .extensions import api
        from .jobs import queue as job_queue
        job_queue.init_app(app)
        import api as api_package  # only create_app imports the HTTP layer
        api_package.register(app, api)
    app.register_blueprint(pwa.bp)
    cli.init_app(app)
    return app
