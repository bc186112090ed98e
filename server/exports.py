"""Spreadsheet exports. Here: the per-cell list of members whose records still differ from the registry.

Written with openpyxl's write-only workbook and members read in keyset chunks, so a large unit
never sits in memory as a worksheet. The sheet is laid out to be printed and signed (landscape,
fit to width, header repeated on every page). Every export is audited (ids and counts only).
"""
from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, Side
from sqlalchemy import and_, exists, or_, select

from . import audit
from .extensions import db
from .models import Member, Reconciliation, Submission, Unit, User
from .reconcile import PERSON_FIELDS, REVIEW_CLASSES, decision_is_stale
from .scope import in_scope, subtree_unit_ids

HEADERS = ("Mã đảng viên", "Họ và tên", "Ngày sinh", "Giới tính", "Số định danh", "Quê quán",
           "Trường khác biệt", "Hồ sơ đảng", "CSDL dân cư", "Ghi chú", "Ký xác nhận")
WIDTHS = (14, 26, 12, 9, 15, 20, 22, 34, 34, 30, 18)
FIELD_LABELS = {"full_name": "Họ và tên", "date_of_birth": "Ngày sinh", "gender": "Giới tính",
                "citizen_id": "Số định danh", "hometown": "Quê quán"}
GENDERS = {"male": "Nam", "female": "Nữ"}
DECISION_LABELS = {"accept_submitted": "Đã chấp nhận thông tin kê khai",
                   "accept_registry": "Đã lấy theo CSDL dân cư",
                   "citizen_must_update_registry": "Đảng viên cần điều chỉnh CSDL dân cư",
                   "send_back": "Trả về tổ công tác để xác minh"}
CLASS_NOTES = {"not_found": "Không tìm thấy trong CSDL dân cư",
               "ambiguous": "Nhiều người trùng họ tên và ngày sinh ({n}); chưa xác định được"}
CHUNK = 1000
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
    """(member, reconciliation, waiting submission) of live members under `unit` with unresolved
    differences, by member code, read a chunk at a time."""
    last = ""
    while True:
        stmt = (in_scope(select(Member, Reconciliation), Member, user)
                .outerjoin(Reconciliation, Reconciliation.member_id == Member.id)
                .where(Member.unit_id.in_(subtree_unit_ids(unit)), Member.removed_at.is_(None),
                       _unresolved_clause(), Member.member_code > last)
                .order_by(Member.member_code).limit(CHUNK))
        rows = db.session.execute(stmt).all()
        if not rows:
            return
        waiting = _latest_waiting([member.id for member, _ in rows])
        for member, rec in rows:
            yield member, rec, waiting.get(member.id)
        last = rows[-1][0].member_code


# Characters that make a spreadsheet program read text as a formula (OWASP CSV injection), tab and CR included:
# some programs strip a leading tab or CR and then evaluate what follows.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _text_cell(ws, value) -> WriteOnlyCell:
    """A cell that holds `value` as text whatever it starts with: openpyxl would store a string beginning with
    "=" as a live formula, so a member named =HYPERLINK(...) could leak a row when clicked. The quote prefix
    keeps the text text even when someone edits the cell in Excel or LibreOffice."""
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
        if value.startswith(_FORMULA_STARTS):
            cell.quotePrefix = True
    return cell


def _cell(ws, value, bold=False):
    cell = _text_cell(ws, value)
    cell.border, cell.alignment = _BORDER, _WRAP
    if bold:
        cell.font = Font(bold=True)
    return cell


def review_xlsx(unit: Unit, user: User) -> io.BytesIO:
    """The unit's members with unresolved differences as an XLSX in memory; audits the export."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=unit.code[:31])
    for index, width in enumerate(WIDTHS):
        ws.column_dimensions[chr(ord("A") + index)].width = width
    ws.freeze_panes = "A2"
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = "9"  # A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.append([_cell(ws, header, bold=True) for header in HEADERS])
    count = 0
    for member, rec, sub in unresolved_rows(unit, user):
        which, party, registry = _differences(member, rec, sub)
        if not which:
            continue  # in review for another reason (a second record) with nothing to sign for
        ws.append([_cell(ws, value) for value in (
            member.member_code, member.full_name, show_date(member.date_of_birth),
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
