"""The per-cell signature list of collected records (CONTRACT §10), which the cell secretary signs before
the data goes up (seed step 6).

One section per cell of the unit asked for (a grassroots unit: each of its cells; a cell: itself), each
starting on a new page. Each cell's section is rendered as a document of its own and the PDFs are joined:
WeasyPrint holds a document's whole layout until it writes it (about 2.5 MB a page), so a 3,300-member
ward rendered as one document peaked near 600 MB; cell by cell it stays at the size of the largest cell,
and each cell's pages are numbered on their own. Members are read a chunk at a time in member-code order (keyset, two queries per
chunk whatever its size) and handed to the template as plain tuples through generators, so no ORM object
of the list outlives its chunk. The caller has checked the role and the unit's scope; this module renders
and audits (ids and counts only).
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import exists, func, select

from .. import audit
from ..errors import DomainError
from ..extensions import db
from ..models import Member, Submission, Unit, User
from ..record_fields import VIETNAM
from ..scope import in_scope
from . import concat_pdfs, render_pdf, vn_date
from .labels import STATUSES

VN = VIETNAM
CHUNK = 500
LIST_KINDS = ("grassroots", "cell")


class UnitTooLarge(DomainError):
    status, code = 422, "cell_or_grassroots_required"
    message = "The signature list is made for a cell or a grassroots unit; choose one of those."


def _collected():
    """Members with an accepted submission: every stored submission is an accepted one."""
    return exists().where(Submission.member_id == Member.id)


def cells_of(unit: Unit) -> list[Unit]:
    """The cells whose lists make up the document, by code."""
    if unit.kind == "cell":
        return [unit]
    return list(db.session.scalars(select(Unit).where(
        Unit.path.startswith(unit.path, autoescape=True), Unit.kind == "cell").order_by(Unit.code)))


def _counts(cells: list[Unit], user: User) -> dict[int, int]:
    """Collected members per cell, in one grouped query."""
    stmt = (in_scope(select(Member.unit_id, func.count()), Member, user)
            .where(Member.unit_id.in_([c.id for c in cells]), Member.removed_at.is_(None), _collected())
            .group_by(Member.unit_id))
    return dict(db.session.execute(stmt).all())


def rows_of(cell: Unit, user: User, tally: list[int]):
    """(name, birth date, citizen ID, collected on, status) of the cell's collected members, by member code."""
    last = ""
    while True:
        chunk = db.session.execute(
            in_scope(select(Member.id, Member.member_code, Member.full_name, Member.date_of_birth,
                            Member.citizen_id, Member.status), Member, user)
            .where(Member.unit_id == cell.id, Member.removed_at.is_(None), _collected(),
                   Member.member_code > last)
            .order_by(Member.member_code).limit(CHUNK)).all()
        if not chunk:
            return
        # The latest capture per member: the record the secretary signs for (a resend replaces an earlier one).
        when = dict(db.session.execute(
            select(Submission.member_id, func.max(Submission.captured_at))
            .where(Submission.member_id.in_([r.id for r in chunk])).group_by(Submission.member_id)).all())
        for r in chunk:
            tally[0] += 1
            captured = when.get(r.id)
            yield (r.full_name, vn_date(r.date_of_birth), r.citizen_id or "",
                   vn_date(captured.astimezone(VN)) if captured else "", STATUSES.get(r.status, r.status))
        last = chunk[-1].member_code


def collected_pdf(unit: Unit, user: User, today: datetime | None = None) -> tuple[bytes, str]:
    """(PDF bytes, file name) of the signature lists of `unit`'s cells; audits the download."""
    if unit.kind not in LIST_KINDS:
        raise UnitTooLarge()
    cells = cells_of(unit)
    counts = _counts(cells, user)
    parents = {u.id: u for u in db.session.scalars(select(Unit).where(
        Unit.id.in_({c.parent_id for c in cells if c.parent_id})))}
    tally = [0]
    today = vn_date((today or datetime.now(timezone.utc)).astimezone(VN).date())
    from .engine import font_configuration
    fonts = font_configuration()  # read once for all the cells
    parts = (render_pdf("collected.html", font_config=fonts, unit=unit, today=today, sections=[{
        "name": c.name, "code": c.code, "count": counts.get(c.id, 0),
        "parent": parents[c.parent_id].name if c.parent_id in parents else "",
        "rows": rows_of(c, user, tally)}]) for c in cells)
    pdf = concat_pdfs(parts)
    audit.record("export.collected_pdf", user=user, object_type="unit", object_id=unit.id, unit_id=unit.id,
                 outcome="ok", cells=len(cells), rows=tally[0])
    db.session.commit()
    return pdf, f"danh-sach-thu-nhan-{unit.code}.pdf"
