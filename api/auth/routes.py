"""Sign in and out (CONTRACT §5 Authentication)."""
from flask import current_app, jsonify, request
from flask_smorest import Blueprint

from api.auth.schemas import LoginSchema, LoginResultSchema, UserSchema, user_schema
from api.security import current_user, session_token
from server import auth

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Sign-in and sessions")


@blp.post("/login")
@blp.arguments(LoginSchema)
@blp.response(200, LoginResultSchema)
@blp.alt_response(401, description="invalid_credentials")
@blp.alt_response(429, description="too_many_attempts, with Retry-After")
def login(body):
    """Sign in with username and password; sets the session cookie and returns the CSRF token."""
    user, token, csrf = auth.login(body["username"], body["password"], request.remote_addr or "")
    response = jsonify({"user": user_schema.dump(user), "csrf_token": csrf})
    response.set_cookie(current_app.config["SESSION_COOKIE_NAME"], token, httponly=True, samesite="Strict",
                        secure=request.is_secure, path="/",
                        max_age=current_app.config["SESSION_MAX_HOURS"] * 3600)
    return response


@blp.post("/logout")
@blp.response(204)
def logout():
    """End the session on the server and clear the cookie."""
    auth.logout(session_token())
    response = current_app.response_class(status=204)
    response.delete_cookie(current_app.config["SESSION_COOKIE_NAME"], path="/", httponly=True, samesite="Strict")
    return response


@blp.get("/me")
@blp.response(200, UserSchema)
def me():
    """Return the signed-in user."""
    return current_user()
