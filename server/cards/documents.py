"""The cards' printed documents: a cell's hand-over list to sign, and a consignment's list or receipt.

Scope is checked here (a cell outside scope, or someone else's consignment, is NotFound) and every print
is audited; the rendering itself is server.documents'.
"""
from __future__ import annotations

from sqlalchemy import select

from server import audit
from server.documents import render_pdf, vn_date
from server.errors import DomainError
from server.extensions import db
from server.models import Member, Unit, User, utcnow
from server.scope import require_role, unit_in_scope

from .custody import get_consignment
from .models import Card, ConsignmentCard
from .queries import PRIORITY_ORDER

PRIORITY_TEXT = {"veteran": "Lão thành CM", "former_central_committee": "Nguyên UVTW", "standard": ""}
OUTCOME_TEXT = {"received": "Đã nhận", "missing": "Thiếu", "damaged": "Hư hỏng"}


def handover_list_pdf(user: User, cell_code: str) -> tuple[bytes, str]:
    """The cell's cards (waiting and handed over) in hand-over order, with a signature column."""
    require_role(user, "officer")
    cell = unit_in_scope(cell_code, user)
    if cell.kind != "cell":
        raise DomainError("The hand-over list is printed per cell.", code="not_a_cell", status=422,
                          fields={"unit": [{"code": "not_a_cell", "params": {}}]})
    rows = db.session.execute(
        select(Member.full_name, Member.date_of_birth, Member.priority, Card.card_number, Card.handed_over_at)
        .join(Member, Member.id == Card.member_id)
        .where(Card.unit_id == cell.id, Card.status.in_(("at_unit", "handed_over")))
        .order_by(PRIORITY_ORDER, Member.name_key, Member.id)).all()
    parent = db.session.get(Unit, cell.parent_id) if cell.parent_id else None
    pdf = render_pdf("card_handover_list.html", cell=cell, parent_name=parent.name if parent else "", rows=rows,
                     priorities=PRIORITY_TEXT, today=vn_date(utcnow()))
    audit.record("card.handover_list_printed", user=user, object_type="unit", object_id=cell.code,
                 unit_id=cell.id, outcome="printed", rows=len(rows))
    db.session.commit()
    return pdf, f"trao-the-{cell.code}.pdf"


def consignment_pdf(user: User, consignment_id: int) -> tuple[bytes, str]:
    """The list of a consignment's cards; once received, the receipt with each card's outcome."""
    require_role(user, "officer")
    consignment = get_consignment(user, consignment_id)
    cell = Unit.__table__.alias("cell")
    rows = db.session.execute(
        select(Card.card_number, Member.full_name, Member.date_of_birth, cell.c.code.label("cell"),
               ConsignmentCard.outcome)
        .join(ConsignmentCard, ConsignmentCard.card_id == Card.id).join(Member, Member.id == Card.member_id)
        .join(cell, cell.c.id == Member.unit_id)
        .where(ConsignmentCard.consignment_id == consignment.id).order_by(Card.card_number)).all()
    counts = {name: sum(1 for row in rows if row.outcome == name) for name in OUTCOME_TEXT}
    sent_by = db.session.scalar(select(User.display_name).where(User.id == consignment.sent_by_id)) or ""
    pdf = render_pdf("card_consignment.html", c=consignment, rows=rows, counts=counts, outcomes=OUTCOME_TEXT,
                     from_unit=db.session.get(Unit, consignment.from_unit_id),
                     to_unit=db.session.get(Unit, consignment.to_unit_id), sent_by=sent_by,
                     today=vn_date(utcnow()))
    audit.record("card.consignment_printed", user=user, object_type="card_consignment", object_id=consignment.id,
                 unit_id=consignment.to_unit_id, outcome="printed", rows=len(rows))
    db.session.commit()
    return pdf, f"giao-nhan-the-{consignment.id}.pdf"
