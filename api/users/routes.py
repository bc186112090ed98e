"""Users in scope: leads list them to assign visits; unit admins create and manage them."""
from flask_smorest import Blueprint

from api.security import current_user
from api.users.schemas import UserCreateSchema, UserListSchema, UserOutSchema, UserQuerySchema, UserUpdateSchema
from server import users
from server.extensions import db
from server.scope import require_role

blp = Blueprint("users", __name__, url_prefix="/api/v1/users", description="Users in scope")


@blp.get("")
@blp.arguments(UserQuerySchema, location="query")
@blp.response(200, UserListSchema)
def list_users(query):
    """List users in the caller's scope (team lead and up)."""
    require_role(current_user(), "team_lead")
    return {"users": users.list_users(current_user(), query.get("role"), query.get("unit"))}


@blp.post("")
@blp.arguments(UserCreateSchema)
@blp.response(201, UserOutSchema)
@blp.alt_response(422, description="invalid_input, username_taken, password_too_short")
def create_user(body):
    """Create a user in a unit of the caller's scope (unit admin)."""
    require_role(current_user(), "unit_admin")
    user = users.add_user(current_user(), body["username"], body["password"], body["role"], body["unit_code"],
                          body["display_name"])
    db.session.commit()
    return user


@blp.post("/<int:user_id>")
@blp.arguments(UserUpdateSchema)
@blp.response(200, UserOutSchema)
@blp.alt_response(409, description="own_account: an admin cannot deactivate themselves or change their own role")
def update_user(body, user_id):
    """Change a user's role, password or active flag; their sessions end (unit admin)."""
    require_role(current_user(), "unit_admin")
    user = users.update_user(current_user(), user_id, body)
    db.session.commit()
    return user
