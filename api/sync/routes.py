"""Sync endpoints (CONTRACT §5)."""
from flask_smorest import Blueprint

blp = Blueprint("sync", __name__, url_prefix="/api/v1/sync", description="Sync")
