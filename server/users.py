"""Managing users inside a unit admin's scope."""
from sqlalchemy import delete, select

from . import audit
from .auth import create_user, hash_password
from .errors import DomainError, Forbidden
from .extensions import db
from .models import AuthSession, User
from .scope import ROLE_RANK, get_in_scope, in_scope, subtree_unit_ids, unit_in_scope


def _may_grant(actor: User, role: str) -> None:
    """Nobody makes a user above their own role."""
    if ROLE_RANK[role] > ROLE_RANK[actor.role]:
        raise Forbidden("You cannot give a role above your own.")


def list_users(actor: User, role: str | None = None, unit_code: str | None = None) -> list[User]:
    """Active and inactive users in the actor's scope (optionally one role, or one unit's subtree)."""
    stmt = in_scope(select(User), User, actor).order_by(User.username)
    if role:
        stmt = stmt.where(User.role == role)
    if unit_code:
        unit = unit_in_scope(unit_code, actor)
        stmt = stmt.where(User.unit_id.in_(subtree_unit_ids(unit)))
    return list(db.session.scalars(stmt))


def add_user(actor: User, username, password, role, unit_code, display_name="") -> User:
    unit_in_scope(unit_code, actor)  # 404 for a unit outside the admin's subtree
    _may_grant(actor, role)
    return create_user(username, password, role, unit_code, display_name, actor=actor)


def update_user(actor: User, user_id: int, changes: dict) -> User:
    user = get_in_scope(User, user_id, actor)
    if user.id != actor.id and user.role == "unit_admin" and user.unit_id == actor.unit_id:
        # A peer admin of the same unit could otherwise take over the other's account: only an admin above may.
        raise Forbidden("Only an admin of a unit above may change another admin of your unit.")
    if user.id == actor.id and (changes.get("active") is False or changes.get("role", user.role) != user.role):
        # Locked out by their own click (often the unit's only admin): an admin above must undo it.
        raise DomainError("You cannot deactivate your own account or change your own role.", code="own_account",
                          status=409)
    if "role" in changes:
        _may_grant(actor, changes["role"])
    if "password" in changes:
        user.password_hash = hash_password(changes["password"])
    role_changed = changes.get("role", user.role) != user.role
    for name in ("active", "role"):
        if name in changes:
            setattr(user, name, changes[name])
    if changes.get("active") is False or "password" in changes or role_changed:
        db.session.execute(delete(AuthSession).where(AuthSession.user_id == user.id))  # sign out everywhere
    audit.record("user.update", user=actor, object_type="user", object_id=user.id, unit_id=user.unit_id,
                 changed=sorted(changes))
    return user
