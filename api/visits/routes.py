"""Visits endpoints (CONTRACT §5)."""
from flask_smorest import Blueprint

blp = Blueprint("visits", __name__, url_prefix="/api/v1/visits", description="Visits")
