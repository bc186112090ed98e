"""Home and hospital visits (CONTRACT §5 Visits): plan, list, assign, record outcomes, replan, bulk-plan."""
from flask_smorest import Blueprint

from api.security import current_user
from api.visits.schemas import (AssignSchema, BulkResultSchema, BulkSchema, OutcomeSchema, ReplanSchema,
                                VisitCreateSchema, VisitListSchema, VisitQuerySchema, VisitSchema)
from server import visits
from server.visit_bulk import bulk_plan

blp = Blueprint("visits", __name__, url_prefix="/api/v1/visits", description="Home and hospital visits")


def _one(visit) -> dict:
    return visits.describe([visit])[0]


@blp.get("")
@blp.arguments(VisitQuerySchema, location="query")
@blp.response(200, VisitListSchema)
def list_visits(query):
    """List visits in scope by due date, then member priority."""
    found = visits.list_visits(current_user(), query.get("assignee"), query["status"], query.get("unit"),
                               query.get("due_before"))
    return {"visits": visits.describe(found)}


@blp.post("")
@blp.arguments(VisitCreateSchema)
@blp.response(201, VisitSchema)
@blp.alt_response(409, description="visit_exists: the member already has an open visit")
@blp.alt_response(422, description="assignee_out_of_scope, or invalid fields")
def create_visit(body):
    """Plan a visit to a member in scope (team lead and up)."""
    return _one(visits.create_visit(current_user(), **body))


@blp.get("/<int:visit_id>")
@blp.response(200, VisitSchema)
def get_visit(visit_id):
    """Show one visit with its history (officers: only visits they hold or held)."""
    return _one(visits.get_visit(current_user(), visit_id))


@blp.post("/<int:visit_id>/assign")
@blp.arguments(AssignSchema)
@blp.response(200, VisitSchema)
@blp.alt_response(409, description="visit_closed: only open visits can be reassigned")
@blp.alt_response(422, description="assignee_out_of_scope, or invalid fields")
def assign(body, visit_id):
    """Reassign an open visit to another user in scope (team lead and up)."""
    return _one(visits.assign_visit(current_user(), visit_id, body["assignee_id"], body["reason"]))


@blp.post("/<int:visit_id>/outcome")
@blp.arguments(OutcomeSchema)
@blp.response(200, VisitSchema)
@blp.alt_response(409, description="visit_closed, or visit_reassigned for a former holder")
def outcome(body, visit_id):
    """Record that the member could not be collected (the assignee or a lead); safe to resend."""
    return _one(visits.record_outcome(current_user(), visit_id, body["reason"], body["note"], body["client_id"]))


@blp.post("/<int:visit_id>/replan")
@blp.arguments(ReplanSchema)
@blp.response(200, VisitSchema)
@blp.alt_response(409, description="visit_open, visit_closed (done) or visit_exists")
@blp.alt_response(422, description="assignee_out_of_scope, or invalid fields")
def replan(body, visit_id):
    """Reopen a visit that could not be done, for a new assignee and date (team lead and up)."""
    return _one(visits.replan_visit(current_user(), visit_id, body["assignee_id"], body["due_date"],
                                    body["reason"]))


@blp.post("/bulk")
@blp.arguments(BulkSchema)
@blp.response(200, BulkResultSchema)
@blp.alt_response(422, description="assignee_out_of_scope, or invalid fields")
def bulk(body):
    """Plan visits for every member of the units who needs one and has none, shared among the chosen users."""
    return bulk_plan(current_user(), body["unit_codes"], body["assignee_ids"], body["strategy"],
                     body["due_date"], body["kind"])
