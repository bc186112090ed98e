"""Extension singletons, created unbound and wired in create_app(); imports nothing of ours.

`migrate` (Flask-Migrate, which imports Alembic) and `api` (flask-smorest, which imports marshmallow and webargs)
are made on first use: a command-line import never touches either, and importing them was about a seventh of its
start-up (server.cli: _DATABASE_ONLY)."""
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names so Alembic migrations are the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)


def _migrate():
    from flask_migrate import Migrate
    return Migrate()


def _api():
    from flask_smorest import Api
    return Api()


_LAZY = {"migrate": _migrate, "api": _api}


def __getattr__(name: str):
    """`migrate` and `api`, each made once, when first asked for (PEP 562)."""
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = globals()[name] = _LAZY[name]()
    return value
