"""The progress table as a spreadsheet: the unit, then every unit of its subtree in tree order (Vietnamese
headers, to print or forward). Audited like every export."""
from __future__ import annotations

import io

from openpyxl import Workbook

from server import audit
from server.extensions import db
from server.models import Unit, User
from server.progress import progress
from server.scope import unit_in_scope
from server.spreadsheets import text_cell

HEADERS = ("Mã đơn vị", "Tên đơn vị", "Cấp", "Chỉ tiêu", "Đã thu", "Đã xác minh", "Cần rà soát", "Tỷ lệ %")
KINDS = {"province": "Tỉnh", "affiliated": "Trực thuộc", "grassroots": "Cơ sở", "cell": "Chi bộ"}
MAX_ROWS = 20_000  # a province has a few thousand units; far more means a wrong unit, not a bigger sheet


def progress_xlsx(unit_code: str, user: User) -> tuple[io.BytesIO, Unit]:
    unit = unit_in_scope(unit_code, user)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Tiến độ")
    sheet.append(HEADERS)
    rows = 0
    # One progress answer per unit that has children: its children's rows, depth first.
    stack = [(unit.code, 0)]
    top = progress(user, unit.code)
    sheet.append(_row(sheet, top, 0))
    while stack and rows < MAX_ROWS:
        code, depth = stack.pop()
        body = top if code == unit.code else progress(user, code)
        for child in reversed(body["children"]):
            if child["unit"]["kind"] != "cell":
                stack.append((child["unit"]["code"], depth + 1))
        for child in body["children"]:
            sheet.append(_row(sheet, child, depth + 1))
            rows += 1
    book.active = 0
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    audit.record("export.progress_xlsx", user=user, object_type="unit", object_id=unit.id, unit_id=unit.id,
                 outcome="ok", rows=rows + 1)
    db.session.commit()
    return out, unit


def _row(sheet, node: dict, depth: int) -> list:
    """A unit's row; its code and name (imported text: "=HYPERLINK(…)" is a valid name) as text cells, never
    formulas."""
    return [text_cell(sheet, "  " * depth + node["unit"]["code"]), text_cell(sheet, node["unit"]["name"]),
            KINDS.get(node["unit"]["kind"], ""),
            node["target"], node["collected"], node["verified"], node["needs_review"], node["percent"]]


