"""`fieldkit import-cards` (CONTRACT §1, §4 cards): all or nothing with line numbers, reprints, re-imports."""
import unicodedata

from openpyxl import Workbook
from sqlalchemy import func, select

from server.cards.models import Card, CardEvent
from server.extensions import db
from tests.cards_support import batch, import_cards, write_cards  # noqa: F401  (fixture)


def cards():
    db.session.rollback()
    return {c.card_number: (c.status, c.unit_id) for c in db.session.scalars(select(Card))}


def test_a_batch_is_stored_at_the_root_unit_with_its_first_history_step(app, tree, batch):
    assert cards() == {n: ("at_unit", tree["P"].id) for n in ("K-001", "K-002", "K-003", "K-004")}
    assert db.session.scalar(select(func.count(CardEvent.id))) == 4


def test_the_same_file_again_changes_nothing(app, tree, batch, tmp_path):
    again = write_cards(tmp_path / "again.csv", [["K-001", "M1", "B1", "2025-09-01"]])
    result = import_cards(app, again)
    assert result.exit_code == 0 and "0 created" in result.output and "1 unchanged" in result.output
    assert db.session.scalar(select(func.count(CardEvent.id))) == 4


def test_bad_rows_are_listed_by_line_and_nothing_is_stored(app, tree, members, tmp_path):
    path = write_cards(tmp_path / "bad.csv", [
        ["K-1", "M1", "B1", ""], ["K-2", "NOPE", "B1", ""], ["K-1", "M2", "B1", ""], ["", "M3", "B1", ""],
        ["K-5", "M3", "B1", "2099-01-01"], ["K-6", "M2", "B1", "01/09/2025"]])
    result = import_cards(app, path)
    assert result.exit_code == 1, result.output
    out = result.output
    assert "line 3: member_code: no member has the code NOPE" in out
    assert "line 4: card_number: repeats line 2" in out
    assert "line 5: card_number: is required" in out
    assert "line 6: printed_on: is in the future" in out
    assert "line 7: printed_on: is not a date" in out
    assert "nothing was stored" in out and cards() == {}


def test_an_unknown_column_is_refused_on_the_header_line(app, tree, members, tmp_path):
    path = write_cards(tmp_path / "cols.csv", [["K-1", "M1", "B1", "x"]],
                       header=["card_number", "member_code", "batch_code", "colour"])
    result = import_cards(app, path)
    assert result.exit_code == 1 and "line 1: unknown column(s) colour" in result.output and cards() == {}


def test_a_reprint_voids_the_earlier_card_unless_it_was_handed_over(app, tree, batch, login_as, tmp_path):
    path = write_cards(tmp_path / "reprint.csv", [["R-001", "M1", "B2", ""]])
    assert import_cards(app, path).exit_code == 0
    assert cards()["K-001"][0] == "void" and cards()["R-001"][0] == "at_unit"
    steps = [e.status for e in db.session.scalars(select(CardEvent).join(Card).where(Card.card_number == "K-001")
                                                  .order_by(CardEvent.id))]
    assert steps == ["at_unit", "void"]  # appended, never overwritten
    db.session.execute(Card.__table__.update().where(Card.card_number == "K-002").values(status="handed_over"))
    db.session.commit()
    refused = import_cards(app, write_cards(tmp_path / "r2.csv", [["R-002", "M2", "B2", ""]]))
    assert refused.exit_code == 1 and "line 2: member_code: the member's card K-002 was already handed over" \
        in refused.output
    assert "R-002" not in cards() and cards()["K-002"][0] == "handed_over"


def test_a_card_number_of_another_member_is_refused(app, tree, batch, tmp_path):
    result = import_cards(app, write_cards(tmp_path / "dup.csv", [["K-001", "M2", "B2", ""]]))
    assert result.exit_code == 1 and "card_number: already belongs to another card" in result.output


def test_xlsx_with_nfd_text_is_read_as_nfc(app, tree, members, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["member_code", "card_number", "batch_code"])  # column order is free; printed_on optional
    sheet.append(["M1", "K-9", unicodedata.normalize("NFD", "Đợt-1")])
    book.save(tmp_path / "cards.xlsx")
    assert import_cards(app, tmp_path / "cards.xlsx").exit_code == 0
    assert db.session.scalar(select(Card.batch_code)) == unicodedata.normalize("NFC", "Đợt-1")
