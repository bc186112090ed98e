"""Review endpoints: reconciliation results and the review queue for unit admins."""
from flask_smorest import Blueprint

blp = Blueprint("review", __name__, url_prefix="/api/v1/review", description="Reconciliation and review")
