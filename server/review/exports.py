"""Spreadsheet exports. Here: the per-cell list of members whose records still differ from the registry.

Written with openpyxl's write-only workbook and members read in keyset chunks, so a large unit
never sits in memory as a worksheet. The sheet is laid out to be printed and signed (landscape,
fit to width, header repeated on every page): a title block (title, unit, date), then one row per
member, cell by cell with the cell in the first column, so a ward's list can be filtered or cut by
cell. Every cell goes through `spreadsheets.text_cell` (text is never a formula). Every export is
audited (ids and counts only).
"""
from __future__ import annotations

import io
from datetime import datetime, timezone

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from sqlalchemy import and_, exists, or_, select

from .. import audit
from ..extensions import db
from ..models import Member, Reconciliation, Submission, Unit, User
from ..reconcile import REVIEW_CLASSES, decision_is_stale
from ..record_fields import GENDER_LABELS, PERSON_FIELDS, VIETNAM, label
from ..scope import in_scope, subtree_unit_ids
from ..spreadsheets import sheet_title, text_cell

TITLE = "DANH SÁCH ĐẢNG VIÊN CÓ THÔNG TIN KHÁC CSDL DÂN CƯ"
TITLE_ROWS = 4  # title, unit, date, a blank line; the column headers follow
HEADERS = ("Chi bộ", label("member_code"), *(label(name) for name in PERSON_FIELDS),
           "Trường khác biệt", "Hồ sơ đảng", "CSDL dân cư", "Ghi chú", "Ký xác nhận")
WIDTHS = (24, 14, 26, 12, 9, 15, 20, 22, 34, 34, 30, 18)
FIELD_LABELS = {name: label(name) for name in PERSON_FIELDS}
GENDERS = {value: texts[0] for value, texts in GENDER_LABELS.items()}
DECISION_LABELS = {"accept_submitted": "Đã chấp nhận thông tin kê khai",
                   "accept_registry": "Đã lấy theo CSDL dân cư",
                   "citizen_must_update_registry": "Đảng viên cần điều chỉnh CSDL dân cư",
                   "send_back": "Trả về tổ công tác để xác minh"}
CLASS_NOTES = {"not_found": "Không tìm thấy trong CSDL dân cư",
               "ambiguous": "Nhiều người trùng họ tên và ngày sinh ({n}); chưa xác định được"}
CHUNK = 1000
VN = VIETNAM
_THIN = Side(style="thin")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="top")


def show_date(value: str | None) -> str:
    """'1962-05-01' → '01/05/1962' as printed in Vietnam; a year alone stays as it is."""
    if not value or len(value) != 10:
        return value or ""
    year, month, day = value.split("-")
    return f"{day}/{month}/{year}"


def _show(name: str, value) -> str:
    if value in (None, ""):
        return "(trống)"
    if name == "date_of_birth":
        return show_date(value)
    if name == "gender":
        return GENDERS.get(value, value)
    return str(value)


def _registry_side(result: dict | None) -> tuple[str | None, dict]:
    """(class, fields) of a stored comparison: a Reconciliation's or a submission's registry_result."""
    if not result:
        return None, {}
    return result.get("class"), result.get("fields") or {}


def _differences(member: Member, rec: Reconciliation | None, sub: Submission | None) -> tuple[str, str, str]:
    """The 'which fields', 'party record says' and 'registry says' cells of one row.

    The party record is compared with the registry (the reconciliation); a record collected since, still
    under review, is compared too and its values shown as "kê khai" where they differ from the party's."""
    rec_class, rec_fields = (rec.klass, rec.fields or {}) if rec is not None else (None, {})
    sub_class, sub_fields = _registry_side(sub.registry_result if sub is not None else None)
    differing = [n for n in PERSON_FIELDS
                 if rec_fields.get(n, {}).get("result", "match") != "match"
                 or sub_fields.get(n, {}).get("result", "match") != "match"]
    if not differing:
        if sub_class in CLASS_NOTES:
            return "Tất cả", "", CLASS_NOTES[sub_class].format(n=len(sub.registry_result.get("candidates") or []))
        if rec_class in CLASS_NOTES:
            return "Tất cả", "", CLASS_NOTES[rec_class].format(n=len(rec.candidates or []))
        return "", "", ""
    party, registry = [], []
    for name in differing:
        ours = getattr(member, name)
        submitted = (sub.fields or {}).get(name) if sub is not None else None
        line = f"{FIELD_LABELS[name]}: {_show(name, ours)}"
        if submitted not in (None, "") and submitted != ours:
            line += f" (kê khai: {_show(name, submitted)})"
        party.append(line)
        theirs = sub_fields.get(name) if name in sub_fields else rec_fields.get(name, {})
        registry.append(f"{FIELD_LABELS[name]}: {_show(name, theirs.get('registry', ours))}")
    return "; ".join(FIELD_LABELS[n] for n in differing), "\n".join(party), "\n".join(registry)


def _note(rec: Reconciliation | None) -> str:
    if rec is None or rec.decision is None:
        return ""
    text = DECISION_LABELS.get(rec.decision, rec.decision)
    if decision_is_stale(rec):
        text += " (số liệu đã thay đổi, cần xem lại)"
    return f"{text}: {rec.decision_note}" if rec.decision_note else text


def _unresolved_clause():
    """Members whose party record differs, or whose collected record waits in review with none verified."""
    waiting = exists().where(Submission.member_id == Member.id, Submission.status == "needs_review")
    verified = exists().where(Submission.member_id == Member.id, Submission.status == "verified")
    return or_(Reconciliation.klass.in_(REVIEW_CLASSES), and_(waiting, ~verified))


def _latest_waiting(member_ids) -> dict[int, Submission]:
    latest = {}
    for sub in db.session.scalars(select(Submission).where(
            Submission.member_id.in_(member_ids), Submission.status == "needs_review").order_by(Submission.id)):
        latest[sub.member_id] = sub  # ordered by id: the newest wins
    return latest


def unresolved_rows(unit: Unit, user: User):
    """(cell, member, reconciliation, waiting submission) of live members under `unit` with unresolved
    differences, by cell code then member code, read a chunk at a time (keyset on both)."""
    last_cell, last_code = "", ""
    while True:
        stmt = (in_scope(select(Unit, Member, Reconciliation), Member, user)
                .join(Unit, Unit.id == Member.unit_id)
                .outerjoin(Reconciliation, Reconciliation.member_id == Member.id)
                .where(Member.unit_id.in_(subtree_unit_ids(unit)), Member.removed_at.is_(None),
                       _unresolved_clause(),
                       or_(Unit.code > last_cell, and_(Unit.code == last_cell, Member.member_code > last_code)))
                .order_by(Unit.code, Member.member_code).limit(CHUNK))
        rows = db.session.execute(stmt).all()
        if not rows:
            return
        waiting = _latest_waiting([member.id for _, member, _ in rows])
        for cell, member, rec in rows:
            yield cell, member, rec, waiting.get(member.id)
        last_cell, last_code = rows[-1][0].code, rows[-1][1].member_code


def _cell(ws, value, bold=False):
    return text_cell(ws, value, border=_BORDER, alignment=_WRAP, font=Font(bold=True) if bold else None)


def _title_block(ws, unit: Unit, today: datetime) -> None:
    """Title, unit and date above the table, so a printed or forwarded sheet says what it is."""
    ws.append([text_cell(ws, TITLE, font=Font(bold=True, size=14))])
    ws.append([text_cell(ws, f"Đơn vị: {unit.name} ({unit.code})", font=Font(bold=True))])
    ws.append([text_cell(ws, f"Ngày lập: {today.astimezone(VN).strftime('%d/%m/%Y')}")])
    ws.append([])


def review_xlsx(unit: Unit, user: User, today: datetime | None = None) -> io.BytesIO:
    """The unit's members with unresolved differences as an XLSX in memory; audits the export."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=sheet_title(unit.code))
    for index, width in enumerate(WIDTHS):
        ws.column_dimensions[chr(ord("A") + index)].width = width
    ws.freeze_panes = f"A{TITLE_ROWS + 2}"
    ws.print_title_rows = f"{TITLE_ROWS + 1}:{TITLE_ROWS + 1}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = "9"  # A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    _title_block(ws, unit, today or datetime.now(timezone.utc))
    ws.append([_cell(ws, header, bold=True) for header in HEADERS])
    count = 0
    for cell, member, rec, sub in unresolved_rows(unit, user):
        which, party, registry = _differences(member, rec, sub)
        if not which:
            continue  # in review for another reason (a second record) with nothing to sign for
        ws.append([_cell(ws, value) for value in (
            cell.name, member.member_code, member.full_name, show_date(member.date_of_birth),
            GENDERS.get(member.gender, member.gender), member.citizen_id or "", member.hometown,
            which, party, registry, _note(rec), "")])
        count += 1
    stream = io.BytesIO()
    wb.save(stream)
    stream.seek(0)
    audit.record("export.review_xlsx", user=user, object_type="unit", object_id=unit.id, unit_id=unit.id,
                 outcome="ok", rows=count)
    db.session.commit()
    return stream
