"""Roster endpoints (CONTRACT §5)."""
from flask_smorest import Blueprint

blp = Blueprint("roster", __name__, url_prefix="/api/v1/roster", description="Roster")
