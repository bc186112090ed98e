"""Import reasons in Vietnamese (server.imports.reasons_vi): every reason the importers give, made here through the
importers themselves from the bad rows and files the other import tests use, has its translation; and the console's
job report carries it beside the English."""
import re

from sqlalchemy import select

from server.extensions import db
from server.imports import hints
from server.imports.files import CsvSource
from server.imports.importers import ImportReport, import_file, run_import
from server.imports.reasons_vi import column, to_vi
from server.imports.rows import QUOTED, check_header, parse_member, parse_registry, parse_unit
from server.imports.workbook import XlsxSource
from server.jobs.imports import ScopedUnitImport
from server.models import Unit
from tests.cards_support import write_cards
from tests.test_console_api import upload
from tests.test_import_files_messy import (GOOD, HEADER, NOT_CSV_UTF8, SPREADSHEET_ROWS, TODAY, refusal, rewrite_sheet,
                                           row, xlsx)
from tests.test_imports import BAD_MEMBER_ROWS, BAD_REGISTRY_ROWS, BAD_UNIT_ROWS, WARNED_ROWS, registry, write_csv

CELLS = {"C1": 1, "G1": "grassroots"}


def row_reasons() -> list[str]:
    """The reasons of single rows: every table of bad values the import tests keep, through the row checks."""
    reasons = []
    for overrides, _ in [*BAD_MEMBER_ROWS.values(), *SPREADSHEET_ROWS.values(), *WARNED_ROWS.values()]:
        _, errors, warnings = parse_member(row(**overrides), TODAY, CELLS)
        reasons += errors + warnings
    for overrides, _ in [*BAD_REGISTRY_ROWS.values(), *WARNED_ROWS.values()]:
        _, errors, warnings = parse_registry(registry(**overrides), TODAY)
        reasons += errors + warnings
    for overrides, _ in BAD_UNIT_ROWS.values():
        reasons += parse_unit({"code": "", "name": "Đơn vị", "kind": "", "parent_code": ""} | overrides)[1]
    for values in ({"phone": "912345678"}, {"phone": "09x"}, {"full_name": "x" * 300}, {"date_of_birth": "1850"},
                   {"citizen_id": "3.8058E+10"}, {"gender": ""}, {"unit_code": ""}, {"date_of_birth": "2999-01-01"}):
        _, errors, warnings = parse_member(row(**values), TODAY, CELLS)
        reasons += errors + warnings
    reasons += parse_unit({"code": "A B", "name": "", "kind": "cell", "parent_code": ""})[1]
    return reasons


def header_reasons() -> list[str]:
    return (check_header("members", HEADER[:-3] + ["full_name", "full name", "colour"], "Sheet1")
            + check_header("members", ["Mã đảng viên", "Họ tên"]) + check_header("members", ["Mã đảng viên"], "Trang 1"))


def file_reasons(tmp_path) -> list[str]:
    reasons = []
    text = ",".join(HEADER) + "\n" + ",".join(GOOD).replace("Thôn 2", "Thon 2") + "\n"
    for name, (make, _) in NOT_CSV_UTF8.items():
        path = tmp_path / f"{len(reasons)}.csv"
        if make is None:
            xlsx(path.with_suffix(".xlsx"), [GOOD]).rename(path)
        else:
            path.write_bytes(make(text))
        reasons.append(refusal(CsvSource(path)).reason)
    for content in (b"", b",,,\n", b"member_code,,full_name\n", b'"a' + b"x" * 140_000 + b"\n"):
        path = tmp_path / f"{len(reasons)}.csv"
        path.write_bytes(content)
        reasons.append(refusal(CsvSource(path)).reason)
    locked = tmp_path / "locked.xlsx"
    locked.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    not_a_workbook = tmp_path / "text.xlsx"
    not_a_workbook.write_bytes(b"member_code\n")

    def hidden_sheet(book, sheet):
        sheet.sheet_state = "hidden"
        book.create_sheet("Data").append(HEADER)

    def formula(book, sheet):
        sheet["C2"] = '=CONCATENATE("Phạm ","Văn Bình")'

    def hidden_row(book, sheet):
        sheet.row_dimensions[2].hidden = True
    damaged = xlsx(tmp_path / "damaged.xlsx", [GOOD])
    rewrite_sheet(damaged, lambda xml: xml[:len(xml) // 2])
    for path in (locked, not_a_workbook, xlsx(tmp_path / "hidden.xlsx", [GOOD], edit=hidden_sheet),
                 xlsx(tmp_path / "formula.xlsx", [GOOD], edit=formula), damaged,
                 xlsx(tmp_path / "row.xlsx", [GOOD], edit=hidden_row), xlsx(tmp_path / "empty.xlsx", [], header=[])):
        reasons.append(refusal(XlsxSource(path)).reason)
    reasons.append(import_file("members", tmp_path / "members.txt").rejected[0][1][0])
    wide = tmp_path / "wide.csv"
    wide.write_text(",".join(HEADER) + "\n" + ",".join(GOOD + ["x", "y"]) + "\n", encoding="utf-8")
    reasons += import_file("members", wide).rejected[0][1]
    return reasons


def test_every_reason_of_a_row_a_header_or_a_file_is_translated(sqlite_app, tmp_path):
    reasons = row_reasons() + header_reasons() + file_reasons(tmp_path)
    assert len(reasons) > 60
    untranslated = sorted({reason for reason in reasons if to_vi(reason) is None})
    assert not untranslated, untranslated
    translated = {to_vi(reason) for reason in reasons}
    english = re.compile(r"\b(?:the|is|must|and|or|a|it|file|column|row)\b")
    assert not [text for text in translated if english.search(text)], "English left in a translation"


def test_reasons_of_units_cards_and_a_unit_admins_upload_are_translated(app, tree, members, tmp_path):
    reasons = []
    for overrides, _ in BAD_UNIT_ROWS.values():
        path = write_csv(tmp_path / f"units{len(reasons)}.csv",
                         [{"code": "N1", "name": "Đảng bộ mới", "kind": "grassroots", "parent_code": "A1"},
                          {"code": "", "name": "Đơn vị", "kind": "", "parent_code": ""} | overrides])
        reasons += [r for _, rs in import_file("units", path).rejected for r in rs]
    cards = write_cards(tmp_path / "cards.csv", [["K-1", "M1", "B1", ""], ["K-2", "NOPE", "B1", ""],
                                                 ["K-1", "M2", "B1", ""], ["K 9", "M3", "B1", "01/09/2025"]])
    reasons += [r for _, rs in import_file("cards", cards).rejected for r in rs]
    root = db.session.scalar(select(Unit).where(Unit.code == "A1"))
    scoped = write_csv(tmp_path / "scoped.csv", [{"code": "G2", "name": "Của A2", "kind": "grassroots",
                                                  "parent_code": "A1"},
                                                 {"code": "Z1", "name": "Không cấp trên", "kind": "grassroots",
                                                  "parent_code": ""},
                                                 {"code": "A1", "name": "Đảng bộ", "kind": "affiliated",
                                                  "parent_code": ""}])
    report = ImportReport("units", "scoped.csv")
    run_import("units", CsvSource(scoped), report, job=ScopedUnitImport("units", report, root), commit=False)
    reasons += [r for _, rs in report.rejected for r in rs]
    assert len(reasons) >= 12
    untranslated = sorted({reason for reason in reasons if to_vi(reason) is None})
    assert not untranslated, untranslated


def test_a_translation_keeps_the_column_the_values_and_the_line_of_the_english():
    assert to_vi("unit_code: G1 is a grassroots unit; members belong to a cell") == (
        "Mã chi bộ (unit_code): G1 là một đảng bộ cơ sở; đảng viên phải thuộc một chi bộ")
    assert to_vi("citizen_id: repeats line 7") == "Số định danh cá nhân (citizen_id): trùng với dòng 7"
    assert to_vi("gender: must be male or female") == "Giới tính (gender): phải là male hoặc female"
    assert to_vi("phone: " + hints.PHONE_AS_NUMBER).startswith("Số điện thoại (phone): đã mất số 0 đầu")
    assert column("batch_code") == "Mã đợt in (batch_code)" and column("colour") == "colour"
    assert to_vi("something no importer says") is None
    assert to_vi("the file changed during the import: something no importer says") is None


def test_the_console_job_report_carries_the_translation_beside_the_english(app, tree, login_as, tmp_path):
    admin = login_as("unit_admin", "P")
    path = write_csv(tmp_path / "registry.csv", [registry(), registry(citizen_id="038058009999", gender="nam")])
    answer = upload(admin, "registry", path.read_text(encoding="utf-8"))
    assert answer.status_code == 202, answer.json
    job = admin.get(f"/api/v1/jobs/{answer.json['id']}").json
    entries = job["report"]["rejected"]
    assert entries == [{"line": 3, "reasons": ["gender: must be male or female"],
                        "reasons_vi": ["Giới tính (gender): phải là male hoặc female"]}]


def test_a_reason_quotes_a_long_value_cut_short_in_both_languages():
    """A cell holds up to 32,767 characters and a reason quotes the value it is about: a whole 131,000-character
    unit code made a 131 KB reason, and as much again in Vietnamese, for each of up to a thousand rows."""
    code = "X" * 131_000
    for values in ({"unit_code": code}, {"unit_code": "G1" + code[:5]}):
        _, errors, _ = parse_member(row(**values), TODAY, CELLS | {"G1" + code[:5]: "grassroots"})
        about_unit = [e for e in errors if e.startswith("unit_code")]
        assert about_unit and all(len(r) < 200 and len(to_vi(r)) < 200 for r in about_unit), about_unit
        cut = code[:QUOTED] + "…"  # the long code as quoted; the short one whole
        assert any(cut in r or f"{values['unit_code']} is a grassroots" in r for r in about_unit), about_unit
    reasons = check_header("members", ["member_code", "ghi chú " * 20_000])
    assert reasons and all(len(r) < 2_000 and len(to_vi(r)) < 2_000 for r in reasons)
