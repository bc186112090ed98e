"""Sign-in, server-side sessions, CSRF tokens and login throttling. Knows nothing of HTTP routes."""
import hashlib
import hmac
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import bindparam, delete, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from . import audit, login_throttle, sqlite_busy_timeout_ms
from .errors import DomainError, NotAuthenticated
from .extensions import db
from .models import ROLES, AuthSession, Unit, User, utcnow

# A hash to check against when the username is unknown, so timing does not tell which usernames exist. Written out
# (it is generate_password_hash("not-a-password")), not made at import: that cost every process, a command-line
# import included, 80 ms of scrypt. tests/test_auth.py checks it has the parameters new hashes get.
_DUMMY_HASH = ("scrypt:32768:8:1$EqJVcHfJhWoAoPBA$f3a5348dc5ad42a645a2c8286cd8d3c7b4193265e149c160e467e67c3feb8a557ec5"
               "e305906b1b0a1f269796803bd3aeb752fa61a6cb3fad11eb15b4fccf7ac5")


def hash_password(password: str) -> str:
    return generate_password_hash(password)  # scrypt, Werkzeug's default KDF


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(username: str, password: str, role: str, unit_code: str, display_name: str = "",
                actor: User | None = None) -> User:
    """Create a user; raises DomainError with a code on a bad role, unit, or a taken username."""
    if role not in ROLES:
        raise DomainError(f"Unknown role {role!r}.", code="invalid_role")
    unit = db.session.scalar(select(Unit).where(Unit.code == unit_code))
    if unit is None:
        raise DomainError(f"Unknown unit {unit_code!r}.", code="unknown_unit")
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise DomainError(f"Username {username!r} is taken.", code="username_taken", status=409)
    if len(password) < 8:
        raise DomainError("Passwords have at least 8 characters.", code="password_too_short", status=422)
    user = User(username=username, password_hash=hash_password(password), role=role, unit=unit,
                display_name=display_name or username)
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError:  # the same username created meanwhile by a concurrent request: the unique index decides
        db.session.rollback()
        raise DomainError(f"Username {username!r} is taken.", code="username_taken", status=409) from None
    audit.record("user.create", user=actor, object_type="user", object_id=user.id, unit_id=unit.id, role=role)
    return user


def login(username: str, password: str, address: str = "") -> tuple[User, str, str]:
    """Check credentials and open a session; returns (user, session token, csrf token).

    Attempts are throttled per username at `address` and per `address` (server.login_throttle) before the
    password hash is checked, so refused attempts cost no scrypt; the right password is refused too.
    `address` is the client's (request.remote_addr) and goes into the audit rows.
    """
    username = (username or "").strip()
    # Counted per name as typed; one longer than any username can be is never looked up.
    known_length = len(username) <= 64
    try:
        login_throttle.reserve(username, address)
    except login_throttle.Throttled as throttled:
        # No user is known yet: the root's admins watch the sign-ins nobody owns (a row without a unit shows nowhere).
        audit.record("auth.login", object_type="user", outcome="throttled", unit_id=audit.root_unit_id(),
                     address=address)
        db.session.commit()
        raise DomainError("Too many failed sign-ins; wait before trying again.", code="too_many_attempts",
                          status=429, headers={"Retry-After": str(throttled.retry_after)}) from None
    user = db.session.scalar(select(User).where(User.username == username)) if known_length else None
    ok = check_password_hash(user.password_hash if user else _DUMMY_HASH, password or "")
    if not (user and ok and user.active):
        audit.record("auth.login", object_type="user", object_id=user.id if user else None, outcome="failed",
                     unit_id=user.unit_id if user else audit.root_unit_id(), address=address)
        db.session.commit()
        raise DomainError("Wrong username or password.", code="invalid_credentials", status=401)
    login_throttle.release(username, address)
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    db.session.add(AuthSession(token_hash=_token_hash(token), csrf_token=csrf, user_id=user.id))
    audit.record("auth.login", user=user, object_type="user", object_id=user.id, outcome="ok", unit_id=user.unit_id,
                 address=address)
    db.session.commit()
    return user, token, csrf


_SESSION_WITH_USER = (select(AuthSession, User).join(User, User.id == AuthSession.user_id)
                      .options(joinedload(User.unit)).where(AuthSession.token_hash == bindparam("token_hash")))


def resolve_session(token: str | None) -> tuple[AuthSession, User]:
    """The live session for a cookie token, touched, and its user (with the unit loaded); NotAuthenticated when
    missing or idle too long. The user is returned, not looked up again: the session's identity map holds it
    only weakly, so once dropped here it would be read again (and its unit after it) on every request."""
    if not token:
        raise NotAuthenticated()
    # The session, its user and the user's unit (every scoped query starts from its path) in one round trip:
    # this runs before every API request.
    row = db.session.execute(_SESSION_WITH_USER, {"token_hash": _token_hash(token)}).first()
    sess, user = row if row is not None else (None, None)
    idle = timedelta(hours=current_app.config["SESSION_IDLE_HOURS"])
    now = utcnow()
    lifetime = timedelta(hours=current_app.config["SESSION_MAX_HOURS"])
    # An absolute lifetime besides the idle limit: a session kept alive by a stolen cookie still ends.
    if sess is None or now - sess.last_seen_at > idle or now - sess.created_at > lifetime:
        raise NotAuthenticated()
    if user is None or not user.active:
        raise NotAuthenticated()
    if now - sess.last_seen_at > timedelta(minutes=1):  # avoid a write on every request
        _touch(sess, now)
    return sess, user


def _touch(sess: AuthSession, now) -> None:
    """Best effort: a session touched a minute late is harmless, but on SQLite a request must not wait behind a
    long import's write lock (the console's jobs) only to record that the user is still there."""
    # busy_timeout belongs to one connection: set and restored on the session's own, before the commit or the
    # rollback hands it back to the pool (restored after that, it stayed 250 ms for whichever request got it next).
    connection = db.session.connection()
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        connection.exec_driver_sql("PRAGMA busy_timeout=250")
    try:
        sess.last_seen_at = now
        db.session.flush()  # the UPDATE is what waits for the write lock
        touched = True
    except OperationalError:
        touched = False
    finally:
        if sqlite:
            connection.exec_driver_sql(f"PRAGMA busy_timeout={sqlite_busy_timeout_ms()}")
    try:
        if touched:
            db.session.commit()
        else:
            db.session.rollback()
    except OperationalError:
        db.session.rollback()


def csrf_ok(sess: AuthSession, header_value: str | None) -> bool:
    return bool(header_value) and hmac.compare_digest(sess.csrf_token, header_value)


def logout(token: str | None) -> None:
    """End the session of `token` for real, and say so in the audit trail (who signed out, from which unit)."""
    if token:
        row = db.session.execute(_SESSION_WITH_USER, {"token_hash": _token_hash(token)}).first()
        db.session.execute(delete(AuthSession).where(AuthSession.token_hash == _token_hash(token)))
        if row is not None:
            user = row[1]
            audit.record("auth.logout", user=user, object_type="user", object_id=user.id, unit_id=user.unit_id,
                         outcome="ok")
        db.session.commit()
