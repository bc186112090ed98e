"""Cards (CONTRACT §8): lists in hand-over order, who still waits, consignments, hand-overs, printed lists."""
from flask import current_app, jsonify, request
from flask_smorest import Blueprint

from api.cards.schemas import (CardListSchema, CardQuerySchema, CardSchema, ConsignmentCreateSchema,
                               ConsignmentSchema, HandoverEnvelopeSchema, HandoverListQuerySchema,
                               HandoverResultsSchema, PendingQuerySchema, PendingSchema, ReceiptSchema)
from api.schemas import ErrorSchema
from api.security import current_user
from offline_queue.envelope import parse_envelope
from server.cards import custody, documents, queries
from server.cards.handovers import ingest_handovers
from server.documents import pdf_response
from server.errors import NotFound
from server.scope import require_role

blp = Blueprint("cards", __name__, url_prefix="/api/v1/cards", description="Cards back to the members")
_BINARY = {"type": "string", "format": "binary"}


@blp.get("")
@blp.arguments(CardQuerySchema, location="query")
@blp.response(200, CardListSchema)
def list_cards(query):
    """List the cards held in a unit's subtree in hand-over order (veterans, former CC members, others)."""
    user = current_user()
    require_role(user, "officer")
    return {"cards": queries.describe(queries.list_cards(user, query.get("unit"), query.get("status")))}


@blp.get("/pending")
@blp.arguments(PendingQuerySchema, location="query")
@blp.response(200, PendingSchema)
def pending(query):
    """List every member of a unit's subtree without a handed-over card, with the reason."""
    # A province lists a quarter of a million of these: plain JSON, not a schema dump of each (same shape).
    return jsonify({"members": queries.pending(current_user(), query.get("unit"))})


@blp.get("/handover-list.pdf")
@blp.arguments(HandoverListQuerySchema, location="query")
@blp.response(200, _BINARY, content_type="application/pdf",
              description="the cell's hand-over list on A4, with a signature column")
@blp.alt_response(422, schema=ErrorSchema, description="not_a_cell")
def handover_list(query):
    """Print a cell's hand-over list in hand-over order (audited)."""
    return pdf_response(*documents.handover_list_pdf(current_user(), query["unit"]))


@blp.get("/<card_number>")
@blp.response(200, CardSchema)
def get_card(card_number):
    """Show one card with its whole history (another unit's card answers 404)."""
    user = current_user()
    require_role(user, "officer")
    card = queries.get_card(user, card_number)
    if card is None:
        raise NotFound()
    return queries.describe([card])[0]


@blp.post("/consignments")
@blp.arguments(ConsignmentCreateSchema)
@blp.response(201, ConsignmentSchema)
@blp.alt_response(409, schema=ErrorSchema, description="cards_changed: another request moved some cards")
@blp.alt_response(422, schema=ErrorSchema, description="cards_not_sendable: the offending cards in "
                  "fields.card_numbers (card_not_here, card_member_outside, card_not_below)")
def send(body):
    """Send cards one step down the tree (unit admin); they are in transit until received."""
    return custody.describe(custody.send(current_user(), body["to_unit"], body["card_numbers"], body["note"]))


@blp.get("/consignments/<int:consignment_id>")
@blp.response(200, ConsignmentSchema)
def get_consignment(consignment_id):
    """Show a consignment sent from or to a unit in scope."""
    user = current_user()
    require_role(user, "officer")
    return custody.describe(custody.get_consignment(user, consignment_id))


@blp.post("/consignments/<int:consignment_id>/receive")
@blp.arguments(ReceiptSchema)
@blp.response(200, ConsignmentSchema)
@blp.alt_response(409, schema=ErrorSchema, description="consignment_received: received with another receipt")
@blp.alt_response(422, schema=ErrorSchema, description="receipt_incomplete: each card in exactly one list")
def receive(body, consignment_id):
    """Sign for a consignment (team lead and up at the receiving unit): received, missing, damaged."""
    return custody.describe(custody.receive(current_user(), consignment_id, body))


@blp.get("/consignments/<int:consignment_id>.pdf")
@blp.response(200, _BINARY, content_type="application/pdf",
              description="the consignment list, or the receipt once received, on A4")
def consignment_pdf(consignment_id):
    """Print a consignment's list of cards, or its receipt (audited)."""
    return pdf_response(*documents.consignment_pdf(current_user(), consignment_id))


@blp.post("/handovers")
@blp.doc(requestBody={"required": True, "content": {"application/json": {"schema": HandoverEnvelopeSchema}}})
@blp.response(200, HandoverResultsSchema, description="one result per item; every accepted item is committed")
@blp.alt_response(400, schema=ErrorSchema, description="invalid_json, invalid_envelope, no_items, too_many_items")
def handovers():
    """Record hand-overs made on tablets; each item is accepted, a duplicate or rejected on its own."""
    user = current_user()
    require_role(user, "officer")
    device_id, items = parse_envelope(request.get_data(cache=False))
    tolerance = current_app.config["CAPTURED_AT_TOLERANCE_SECONDS"]
    return {"results": ingest_handovers(user, device_id, items, tolerance_seconds=tolerance)}
