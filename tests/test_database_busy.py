"""A database that is busy (SQLite's write lock held past busy_timeout by a long import, a PostgreSQL lock or
statement timeout) answers 503 `database_busy` with Retry-After — not a 500 — and nothing is half-stored: the
tablet keeps its record, retries, and the retry stores it exactly once. Both backends, with a real lock held by
another connection."""
import sqlite3

from sqlalchemy import create_engine, event, func, select, text

from server.extensions import db
from server.models import Submission
from tests.sync_support import item, post_items, stored_photo


def submissions() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Submission))


def hold_the_write_lock(app, monkeypatch):
    """Another connection holds what a long import holds: SQLite's write lock, PostgreSQL's table lock. The app's
    connections give up quickly (200 ms) instead of after the production wait, so the test is fast."""
    db.session.remove()
    if app.config["BACKEND"] == "sqlite":
        monkeypatch.setenv("FIELDKIT_SQLITE_BUSY_TIMEOUT_MS", "200")
        db.engine.dispose()  # new connections read it
        other = sqlite3.connect(db.engine.url.database, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        return other.close  # ends its transaction

    def short_lock_wait(dbapi_connection, _record):
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '200ms'")
        dbapi_connection.commit()
    event.listen(db.engine, "connect", short_lock_wait)
    db.engine.dispose()
    other_engine = create_engine(db.engine.url)
    other = other_engine.connect()
    other.begin()
    other.execute(text("LOCK TABLE submissions IN ACCESS EXCLUSIVE MODE"))

    def release():
        other.close()
        other_engine.dispose()
        event.remove(db.engine, "connect", short_lock_wait)
    return release


def test_a_submission_while_the_database_is_locked_answers_503_and_its_retry_is_stored_once(app, login_as, members,
                                                                                             monkeypatch):
    officer = login_as("officer", "C1")
    body = item(stored_photo(uploader=officer.user), member_id=members["m1"].id)
    release = hold_the_write_lock(app, monkeypatch)
    try:
        busy = post_items(officer, [body])
    finally:
        release()
    assert busy.status_code == 503, busy.get_json()
    assert busy.json["error"]["code"] == "database_busy" and busy.headers["Retry-After"] == "30"
    assert "Traceback" not in busy.get_data(as_text=True)
    assert submissions() == 0

    retry = post_items(officer, [body])
    assert retry.status_code == 200 and retry.json["results"][0]["outcome"] == "accepted", retry.json
    again = post_items(officer, [body])  # the tablet's answer was lost: a replay is a duplicate, not a second row
    assert again.json["results"][0]["outcome"] == "duplicate"
    assert submissions() == 1


def test_a_session_touch_leaves_every_pooled_connection_waiting_the_full_busy_timeout(sqlite_app):
    """The once-a-minute touch waits only 250 ms for SQLite's write lock. That wait is set per connection: set on
    one and restored on whichever connection the pool handed out next, it stayed on the first, and a later request
    that got it waited 250 ms, not FIELDKIT_SQLITE_BUSY_TIMEOUT_MS, before answering 503."""
    from datetime import timedelta

    from sqlalchemy import update

    from server import sqlite_busy_timeout_ms
    from server.auth import create_user
    from server.models import AuthSession, utcnow
    from tests.conftest import PASSWORD, add_unit
    add_unit("P", "Tỉnh ủy Thử nghiệm", "province", None)
    create_user("admin_touch", PASSWORD, "unit_admin", "P")
    db.session.commit()
    client = sqlite_app.test_client()
    assert client.post("/api/v1/auth/login", json={"username": "admin_touch", "password": PASSWORD}).status_code == 200
    db.session.execute(update(AuthSession).values(last_seen_at=utcnow() - timedelta(minutes=5)))
    db.session.commit()
    db.session.remove()
    idle = [db.engine.connect() for _ in range(3)]  # several idle connections in the pool, as under gunicorn threads
    for connection in idle:
        connection.close()

    assert client.get("/api/v1/auth/me").status_code == 200  # touches the session
    db.session.remove()
    pooled = [db.engine.connect() for _ in range(4)]
    try:
        waits = [connection.exec_driver_sql("PRAGMA busy_timeout").scalar() for connection in pooled]
    finally:
        for connection in pooled:
            connection.close()
    assert waits == [sqlite_busy_timeout_ms()] * 4
    db.session.rollback()
    assert db.session.scalar(select(AuthSession.last_seen_at)) > utcnow() - timedelta(minutes=1)  # it did touch


def test_only_a_busy_or_unreachable_database_counts_as_transient(app, monkeypatch):
    """503 database_busy tells the tablet "not now, retry": it must never cover a fault that a retry repeats.
    psycopg raises its client-side errors (a NUL byte in a text, a wrong parameter count) without a SQLSTATE, like
    a refused connection; SQLite's "database table is locked" is one connection tripping over itself (a table
    dropped under its own open cursor), not another writer. Real errors from each backend."""
    import pytest
    from sqlalchemy.exc import DBAPIError
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    from api.errors import is_transient

    def raised(run):
        with pytest.raises(DBAPIError) as caught:
            run()
        return caught.value

    assert is_transient(PoolTimeout("QueuePool limit reached"))
    if app.config["BACKEND"] == "sqlite":
        monkeypatch.setenv("FIELDKIT_SQLITE_BUSY_TIMEOUT_MS", "0")
        db.engine.dispose()
        other = sqlite3.connect(db.engine.url.database, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            with db.engine.connect() as connection:
                assert is_transient(raised(lambda: connection.exec_driver_sql("BEGIN IMMEDIATE")))
        finally:
            other.close()
        with db.engine.connect() as connection:
            connection.exec_driver_sql("CREATE TEMPORARY TABLE numbers (n)")
            connection.exec_driver_sql("INSERT INTO numbers VALUES (1), (2), (3)")
            cursor = connection.exec_driver_sql("SELECT n FROM numbers")
            cursor.fetchone()  # still open on its table
            assert not is_transient(raised(lambda: connection.exec_driver_sql("DROP TABLE numbers")))
        return
    with db.engine.connect() as connection:
        assert not is_transient(raised(lambda: connection.execute(text("SELECT :x"), {"x": "a\x00b"})))
        assert not is_transient(raised(lambda: connection.exec_driver_sql("SELECT * FROM no_such_table")))
    nowhere = create_engine(db.engine.url.set(port=1))  # nothing listens there: refused at connect time
    try:
        assert is_transient(raised(nowhere.connect))
    finally:
        nowhere.dispose()


def test_openapi_documents_503_database_busy_with_retry_after_on_every_operation(app):
    """Any endpoint that touches the database may answer it, so the spec says so wherever it says 500."""
    spec = app.test_client().get("/api/openapi.json").json
    operations = [(path, method, op) for path, ops in spec["paths"].items() for method, op in ops.items()
                  if isinstance(op, dict) and "responses" in op]
    assert operations
    for path, method, op in operations:
        busy = op["responses"].get("503")
        assert busy and "database_busy" in busy["description"], f"{method} {path} does not document 503"
        assert "Retry-After" in busy["headers"], f"{method} {path}: 503 without Retry-After"
