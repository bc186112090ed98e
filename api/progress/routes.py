"""Progress endpoints (CONTRACT §5)."""
from flask_smorest import Blueprint

blp = Blueprint("progress", __name__, url_prefix="/api/v1/progress", description="Progress")
