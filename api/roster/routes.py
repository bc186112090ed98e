"""Roster for offline search on the tablet (CONTRACT §5 Roster)."""
from flask import jsonify
from flask_smorest import Blueprint

from api.roster.schemas import RosterQuerySchema, RosterSchema
from api.security import current_user
from server.roster import build_roster

# Shares the /api/v1/sync prefix with the submissions endpoint; flask allows two blueprints on one prefix.
blp = Blueprint("roster", __name__, url_prefix="/api/v1/sync", description="Roster for offline search")


@blp.get("/roster")
@blp.arguments(RosterQuerySchema, location="query")
@blp.response(200, RosterSchema)
@blp.alt_response(400, description="invalid_cursor: sync again without `since`")
def roster(query):
    """Download the members and own open visits in scope, changed since the cursor (all without one).

    Deltas re-send a short overlap before the cursor so rows committed late are never missed: upsert by id.
    """
    # Built as plain dicts and serialised directly: marshmallow would triple the time for 5,000 members.
    return jsonify(build_roster(current_user(), query.get("since")))
