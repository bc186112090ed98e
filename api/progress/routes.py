"""Collection progress (CONTRACT §5 Progress)."""
from flask_smorest import Blueprint

from api.progress.schemas import ProgressQuerySchema, ProgressSchema
from api.security import current_user
from server.progress import progress as unit_progress

blp = Blueprint("progress", __name__, url_prefix="/api/v1/progress", description="Progress")


@blp.get("")
@blp.arguments(ProgressQuerySchema, location="query")
@blp.response(200, ProgressSchema)
def progress(query):
    """Report collected / verified / target for a unit in scope and each of its children."""
    return unit_progress(current_user(), query.get("unit"))
