"""Login throttling (CONTRACT §5): attempts are counted per username at one client address and per client
address across usernames, in the database so every worker and machine agrees.

Why not Flask-Limiter: its storage backends are memory, Redis, Memcached and MongoDB; a deployment of this kit
is PostgreSQL (or SQLite) and an object store, nothing else (CONTRACT §2). So the counter lives in one table.

Each attempt *reserves* a slot before the password hash is checked, with one conditional UPDATE (or an
INSERT … ON CONFLICT DO NOTHING for a new key) that only succeeds while the count is under the limit: the
database serialises concurrent attempts on the row, so 40 simultaneous wrong passwords let exactly the limit
through to the (expensive) scrypt check and answer the rest 429 without hashing. A successful sign-in gives
its slots back (the username's counter at that address is cleared, the address's decremented).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import case, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from server.extensions import db
from server.models import utcnow

from .models import LoginThrottle


@dataclass
class Throttled(Exception):
    retry_after: int


def _key(kind: str, *parts: str) -> str:
    return hashlib.sha256("\x00".join((kind, *parts)).encode()).hexdigest()


def keys(username: str, address: str) -> tuple[str, str]:
    """(the username-at-address key, the address key)."""
    return _key("user@addr", username, address), _key("addr", address)


def _reserve(key: str, limit: int, window: timedelta) -> bool:
    """Take one slot of `key` if fewer than `limit` were taken in its current window; atomic."""
    now = utcnow()
    expired = LoginThrottle.window_start <= now - window
    stmt = (update(LoginThrottle).where(LoginThrottle.key == key, expired | (LoginThrottle.count < limit))
            .values(count=case((expired, 1), else_=LoginThrottle.count + 1),
                    window_start=case((expired, now), else_=LoginThrottle.window_start))
            .returning(LoginThrottle.key).execution_options(synchronize_session=False))
    # RETURNING rather than rowcount: the drivers do not all report rowcount for these statements.
    if db.session.execute(stmt).first() is not None:
        return True
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    created = db.session.execute(insert(LoginThrottle).values(key=key, window_start=now, count=1)
                                 .on_conflict_do_nothing(index_elements=["key"]).returning(LoginThrottle.key))
    if created.first() is not None:
        return True
    # Another request created the row meanwhile (PostgreSQL waited for it to commit): try once more.
    return db.session.execute(stmt).first() is not None


def _retry_after(key: str, window: timedelta) -> int:
    start = db.session.scalar(select(LoginThrottle.window_start).where(LoginThrottle.key == key))
    if start is None:
        return 1
    return max(1, int((start + window - utcnow()).total_seconds()) + 1)


def reserve(username: str, address: str) -> None:
    """Take a slot for this attempt under both keys and commit, or raise Throttled (nothing taken)."""
    config = current_app.config
    window = timedelta(seconds=config["LOGIN_WINDOW_SECONDS"])
    user_key, address_key = keys(username, address)
    for key, limit in ((user_key, config["LOGIN_MAX_FAILURES"]),
                       (address_key, config["LOGIN_MAX_FAILURES_PER_ADDRESS"])):
        if not _reserve(key, limit, window):
            db.session.rollback()  # give back the slot the first key may have taken
            raise Throttled(_retry_after(key, window))
    db.session.commit()  # release the row locks before the slow password check


def release(username: str, address: str) -> None:
    """A successful sign-in: its slots were no failure. Added to the caller's transaction."""
    user_key, address_key = keys(username, address)
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.key == user_key))
    db.session.execute(update(LoginThrottle).where(LoginThrottle.key == address_key, LoginThrottle.count > 0)
                       .values(count=LoginThrottle.count - 1).execution_options(synchronize_session=False))
    window = timedelta(seconds=current_app.config["LOGIN_WINDOW_SECONDS"])
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.window_start <= utcnow() - window))
