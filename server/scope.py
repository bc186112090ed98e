"""Scoped access: the one place that confines queries to the caller's unit subtree.

Every query for personal data goes through `in_scope()` or `get_in_scope()`; anything outside the
subtree is reported exactly like something that does not exist (NotFound).
"""
from sqlalchemy import Select, select

from .errors import Forbidden, NotFound
from .extensions import db
from .models import Member, Submission, Unit, User, Visit

ROLE_RANK = {"viewer": 0, "officer": 1, "team_lead": 2, "unit_admin": 3}
# Ids are 32-bit columns: a larger one (from a URL or a body) names nothing, and must not reach the query,
# where SQLite cannot even bind a value beyond 64 bits.
MAX_ID = 2**31 - 1

# How each scoped model reaches its unit: a column holding a unit id, or a join path to one.
_UNIT_COLUMN = {
    Member: Member.unit_id,
    Submission: Submission.unit_id,
    User: User.unit_id,
    Unit: Unit.id,
}


def subtree_unit_ids(unit: Unit) -> Select:
    """A sub-select of the ids of `unit` and every unit below it (one indexed prefix match)."""
    return select(Unit.id).where(Unit.path.startswith(unit.path, autoescape=True))


def in_scope(stmt: Select, model, user: User) -> Select:
    """Confine `stmt` (selecting `model`) to rows whose unit lies in `user`'s subtree."""
    units = subtree_unit_ids(user.unit)
    if model is Visit:
        return stmt.where(Visit.member_id.in_(select(Member.id).where(Member.unit_id.in_(units))))
    return stmt.where(_UNIT_COLUMN[model].in_(units))


def get_in_scope(model, ident, user: User):
    """Load one row of `model` by primary key if it lies in `user`'s scope, else raise NotFound."""
    if ident is None or (isinstance(ident, int) and not 0 < ident <= MAX_ID):
        raise NotFound()
    row = db.session.scalar(in_scope(select(model).where(model.__mapper__.primary_key[0] == ident), model, user))
    if row is None:
        raise NotFound()
    return row


def unit_in_scope(code: str, user: User) -> Unit:
    """The unit with this code, if the user's scope holds it, else NotFound."""
    unit = db.session.scalar(select(Unit).where(Unit.code == code))
    if unit is None or not unit.path.startswith(user.unit.path):
        raise NotFound()
    return unit


def require_role(user: User, least: str) -> None:
    """Raise Forbidden unless `user`'s role ranks at least `least` (viewer < officer < team_lead < unit_admin)."""
    if ROLE_RANK[user.role] < ROLE_RANK[least]:
        raise Forbidden()
