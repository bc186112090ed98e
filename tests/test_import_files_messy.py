"""Files as spreadsheets really make them (Excel under Vietnamese settings, LibreOffice, scripts and exporters):
each is either read as the admin sees it or refused with a reason that says what happened and what to do, in the
CLI's summary and the console job's report alike; never a traceback, never data stored other than it was meant."""
import codecs
import csv
import io
import re
import zipfile
from datetime import date, datetime

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from server.cli import main
from server.extensions import db
from server.imports import hints
from server.imports.files import CsvSource, FileProblem
from server.imports.workbook import HIDDEN_ROW, XlsxSource, _cell_text, _HiddenRows
from server.imports.importers import import_file
from server.imports.rows import check_header, parse_member
from server.models import Member

HEADER = ["member_code", "unit_code", "full_name", "date_of_birth", "gender", "citizen_id", "hometown",
          "permanent_address", "party_join_date", "party_official_date", "priority", "needs_home_visit", "phone"]
GOOD = ["N1", "C1", "Phạm Văn Bình", "1958-07-20", "male", "038058001122", "Xã Hoằng Lộc", "Thôn 2", "1980-05-19",
        "1981-05-19", "standard", "no", "0912345678"]
TODAY = date(2026, 1, 1)


def row(**overrides) -> dict:
    return dict(zip(HEADER, GOOD)) | overrides


def errors_of(**overrides) -> str:
    record, errors, warnings = parse_member(row(**overrides), TODAY, {"C1": 1})
    return "; ".join(errors)


def xlsx(path, rows, header=HEADER, edit=None):
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for values in rows:
        sheet.append(values)
    if edit:
        edit(book, sheet)
    book.save(path)
    return path


def rewrite_sheet(path, change):
    """The workbook at `path` with its first sheet's XML passed through `change` (what other writers do)."""
    parts = {}
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            parts[info.filename] = archive.read(info)
    parts["xl/worksheets/sheet1.xml"] = change(parts["xl/worksheets/sheet1.xml"])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def refusal(source) -> FileProblem:
    with pytest.raises(FileProblem) as problem:
        with source.open() as sheet:
            list(sheet.rows)
    return problem.value


def count_members() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Member))


# --- workbooks --------------------------------------------------------------------------------------------------

def test_a_workbook_whose_dimension_is_stale_loses_no_row_and_no_column(app, tree, tmp_path):
    """openpyxl's streaming reader stops at the sheet's <dimension>; a writer that leaves it stale (the size of an
    earlier draft) had the rows past it dropped without a word, and the file reported as stored whole."""
    rows = [[f"N{i}", "C1", "Phạm Văn Bình", "1958", "male", "", "", "", "", "", "", "", ""] for i in range(6)]
    path = rewrite_sheet(xlsx(tmp_path / "members.xlsx", rows),
                         lambda xml: re.sub(rb'<dimension ref="[^"]*" ?/>', b'<dimension ref="A1:C3"/>', xml))
    report = import_file("members", path)
    assert (report.rows_read, report.created, report.rejected) == (6, 6, []), report.summary()
    assert count_members() == 6


def test_formulas_never_calculated_are_refused_and_calculated_ones_read(tmp_path):
    """A script or exporter that writes formulas without their results: read for values, the cells are empty (a
    name "is required", an optional phone silently blank). Excel's empty text result (t="str", <v></v>) is fine."""
    def formulas(book, sheet):
        sheet["C2"] = '=CONCATENATE("Phạm ","Văn Bình")'
        sheet["M2"] = '=IF(TRUE,"","0912345678")'
    path = xlsx(tmp_path / "members.xlsx", [GOOD], edit=formulas)
    assert "formulas whose results were never saved" in refusal(XlsxSource(path)).reason
    # As Excel or LibreOffice saves the same cells: each result after its formula.
    def calculate(xml):
        xml = re.sub(rb'<c r="C2"><f>(.*?)</f><v ?/>', '<c r="C2" t="str"><f>\\1</f><v>Phạm Văn Bình</v>'.encode(), xml)
        return re.sub(rb'<c r="M2"><f>(.*?)</f><v ?/>', rb'<c r="M2" t="str"><f>\1</f><v></v>', xml)
    calculated = rewrite_sheet(path, calculate)
    with XlsxSource(calculated).open() as sheet:
        (line, values), = sheet.rows
    assert values[2] == "Phạm Văn Bình" and values[12] == ""


def test_a_hidden_first_sheet_is_refused_by_name(tmp_path):
    def hide(book, sheet):
        sheet.title = "Lists"
        sheet.sheet_state = "hidden"
        data = book.create_sheet("Data")
        data.append(HEADER)
        data.append(GOOD)
        book.active = 1
    path = xlsx(tmp_path / "members.xlsx", [["male"], ["female"]], header=["gender"], edit=hide)
    assert '("Lists") is hidden' in refusal(XlsxSource(path)).reason


def test_header_cells_with_invisible_characters_name_their_columns(tmp_path):
    """A BOM or a zero-width space pasted into a header cell: an "unknown column member_code" nobody could see."""
    header = ["\ufeffmember_code", "unit_code\u200b", " Full_Name "] + HEADER[3:]
    with XlsxSource(xlsx(tmp_path / "members.xlsx", [GOOD], header=header)).open() as sheet:
        assert sheet.columns == HEADER


def test_a_code_typed_as_a_number_reads_with_the_zeros_its_format_shows(tmp_path):
    """"00012345" kept as the number 12345 shown through the format 00000000: read as the value alone, the member
    would come back as another member next time its code arrives as text (a CSV, the roster)."""
    def pad(book, sheet):
        sheet["A2"].number_format = "00000000"
        sheet["N2"].number_format = "000000"
    values = [12345] + GOOD[1:] + [4567]
    path = xlsx(tmp_path / "members.xlsx", [values], header=HEADER + ["old_card_number"], edit=pad)
    with XlsxSource(path).open() as sheet:
        (line, read), = sheet.rows
    assert (read[0], read[13]) == ("00012345", "004567")


def test_numbers_and_dates_of_a_workbook_read_as_typed(tmp_path):
    assert _cell_text(2438251234, "phone") == "02438251234"  # a landline (11 digits) lost its 0 too
    assert _cell_text(84912345678, "phone") == "84912345678"
    assert _cell_text(datetime(1958, 7, 19, 17, 0), "date_of_birth") == "1958-07-19T17:00:00"  # refused below


# --- CSV that is not UTF-8 comma-separated text -----------------------------------------------------------------

NOT_CSV_UTF8 = {
    "UTF-16 (Unicode Text)": (lambda text: text.encode("utf-16"), 'UTF-16 text (Excel\'s "Unicode Text")'),
    "tab-separated": (lambda text: text.replace(",", "\t").encode(), "separated by tabs"),
    "Windows-1258": (lambda text: text.replace("Phạm Văn Bình", "Lê Văn Hùng").replace("Xã Hoằng Lộc", "Hà Đông")
                     .encode("cp1258"), 'CSV UTF-8 (Comma delimited)"; LibreOffice'),
    "a workbook named .csv": (None, "an .xlsx workbook named .csv"),
    "old Mac line ends (CR)": (lambda text: text.replace("\n", "\r").encode(), "end with a lone carriage return"),
    "a quote closed too early": (lambda text: text.replace("Thon 2", '"Thon" 2').encode(),
                                 "a quoted value goes on after its closing quote"),
    "a quote left open": (lambda text: text.replace("Thon 2", '"Thon 2').encode(),
                          "the file ends inside a quoted value: a quote is left open"),
    "old .xls or password-protected": (lambda text: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504),
                                       "remove the password"),
}


@pytest.mark.parametrize("make,reason", NOT_CSV_UTF8.values(), ids=NOT_CSV_UTF8.keys())
def test_csv_not_utf8_comma_text_says_how_to_save_it(tmp_path, make, reason):
    path = tmp_path / "members.csv"
    text = ",".join(HEADER) + "\n" + ",".join(GOOD).replace("Thôn 2", "Thon 2") + "\n"
    if make is None:
        xlsx(path.with_suffix(".xlsx"), [GOOD]).rename(path)
    else:
        path.write_bytes(make(text))
    assert reason in refusal(CsvSource(path)).reason


def test_a_workbook_locked_with_a_password_says_so(tmp_path):
    path = tmp_path / "members.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))  # an encrypted OOXML is an OLE container
    assert "protected with a password" in refusal(XlsxSource(path)).reason


@pytest.mark.filterwarnings("ignore:File contains an invalid specification")
def test_a_strict_open_xml_workbook_says_how_to_save_it(tmp_path):
    """Excel's "Strict Open XML Spreadsheet" is an .xlsx with other XML names, which openpyxl does not read."""
    path = xlsx(tmp_path / "members.xlsx", [GOOD])
    with zipfile.ZipFile(path) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data.replace(b"http://schemas.openxmlformats.org/officeDocument/2006/relationships",
                                                b"http://purl.oclc.org/ooxml/officeDocument/relationships"))
    assert 'saved as "Strict Open XML Spreadsheet"' in refusal(XlsxSource(path)).reason


# --- rows that went through a spreadsheet ------------------------------------------------------------------------

AS_NUMBER = "the spreadsheet stored it as a number and the CSV lost digits: upload the .xlsx itself"
SPREADSHEET_ROWS = {
    "ID lost its 0": ({"citizen_id": "38058001122"}, AS_NUMBER),
    "ID lost two 0s": ({"citizen_id": "1172000111"}, AS_NUMBER),
    "ID in scientific notation": ({"citizen_id": "3.8058E+10"}, AS_NUMBER),
    "name in a charset without Vietnamese": ({"full_name": "?? Th? H?nh"}, 'full_name: contains "?" where a letter'),
    "address likewise": ({"permanent_address": "S? 5 L? Th??ng Ki?t"}, 'permanent_address: contains "?"'),
    "month first": ({"date_of_birth": "07/20/1958"}, "as a spreadsheet shows dates (day and month first, or"),
    "two-digit year": ({"party_join_date": "5/19/80"}, "as a spreadsheet shows dates"),
    "time of day": ({"date_of_birth": "1958-07-19T17:00:00"}, "holds a time of day besides the date"),
    "date number": ({"party_official_date": "29725"}, "looks like a spreadsheet's date number"),
    "year typed into a date cell": ({"date_of_birth": "1905-05-11"}, "is a day of 1905, which is how a spreadsheet"),
}


@pytest.mark.parametrize("overrides,reason", SPREADSHEET_ROWS.values(), ids=SPREADSHEET_ROWS.keys())
def test_a_value_a_spreadsheet_mangled_says_what_happened(overrides, reason):
    assert reason in errors_of(**overrides)


def test_a_phone_that_lost_its_leading_0_gets_it_back_with_a_warning():
    """Optional, and the lost 0 is certain (every number dialled inside Vietnam starts with one): the row is stored,
    the 0 put back as a workbook's number cell gets it, and the warning says how to keep it next time."""
    for sent, stored in (("912345678", "0912345678"), ("2438251234", "02438251234")):
        record, errors, warnings = parse_member(row(phone=sent), TODAY, {"C1": 1})
        assert errors == [] and record["phone"] == stored
        assert warnings == ["phone: " + hints.PHONE_AS_NUMBER] and sent not in warnings[0]


def test_values_that_only_look_mangled_are_kept():
    assert errors_of() == ""
    assert errors_of(hometown="?", phone="0243 825 1234") == ""  # "?" for "not known" is a value
    assert AS_NUMBER not in errors_of(citizen_id="03805800112")  # a typo, not a number: the plain reason


def test_a_workbooks_header_reasons_name_its_sheet_and_column_letters(app, tree, tmp_path):
    """Data on the second sheet behind an instructions sheet; a hidden column the admin cannot see by its name."""
    def instructions_first(book, sheet):
        sheet.title = "Hướng dẫn"
        data = book.create_sheet("Đảng viên")
        data.append(HEADER)
        data.append(GOOD)
    path = xlsx(tmp_path / "guide.xlsx", [["Điền từ dòng 2"]], header=["Hướng dẫn nhập"], edit=instructions_first)
    (line, reasons), = import_file("members", path).rejected
    assert line == 1 and reasons[0].endswith('(the import reads the workbook\'s first sheet, "Hướng dẫn")')
    def hide_extra(book, sheet):
        sheet.column_dimensions["N"].hidden = True
    path = xlsx(tmp_path / "hidden.xlsx", [GOOD + ["x"]], header=HEADER + ["ghi chú"], edit=hide_extra)
    (line, reasons), = import_file("members", path).rejected
    assert reasons[0].startswith("unknown column(s) ghi chú (column N);")


def test_a_title_row_above_the_header_is_named_as_such():
    reasons = check_header("members", ["danh sách đảng viên"])
    assert reasons[0].startswith("this row names none of the columns of a members file")
    assert "member code (write member_code)" in "; ".join(check_header("members", ["member code"] + HEADER[1:]))


# --- the same through the CLI and the console -------------------------------------------------------------------

def test_cli_and_console_report_a_mangled_file_the_same_way(app, tree, login_as, tmp_path):
    path = tmp_path / "members.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([HEADER, row(citizen_id="38058001122").values()])
    result = app.test_cli_runner().invoke(main, ["import-members", str(path)])
    assert result.exit_code == 1 and f"line 2: citizen_id: must be exactly 12 digits 0-9; {AS_NUMBER}" in result.output
    # A workbook cut short inside its sheet (a broken download): the parser's error was a traceback, a failed job.
    damaged = rewrite_sheet(xlsx(tmp_path / "damaged.xlsx", [GOOD, GOOD]),
                            lambda xml: xml[:xml.index(b'<row r="3"') + 40])
    result = app.test_cli_runner().invoke(main, ["import-members", str(damaged)])
    assert result.exit_code == 1 and "line 3: the workbook is damaged from here on" in result.output, result.output
    admin = login_as("unit_admin", "P")
    for name, body, line, reason in (("members.csv", path.read_bytes(), 2, AS_NUMBER),
                                     ("members.xlsx", damaged.read_bytes(), 3, "the workbook is damaged"),
                                     ("members.csv", codecs.BOM_UTF16_LE + path.read_text().encode("utf-16-le"), 1,
                                      "UTF-16 text"),
                                     ("members.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), 1,
                                      "protected with a password")):
        job = admin.post("/api/v1/imports", content_type="multipart/form-data", data={
            "import_kind": "members", "import_file": (io.BytesIO(body), name)}).json
        assert job["state"] == "rejected", job
        (rejected,) = job["report"]["rejected"]
        assert rejected["line"] == line and reason in "; ".join(rejected["reasons"]), rejected
    assert count_members() == 0


def test_a_row_hidden_by_a_filter_or_hide_is_refused_and_an_empty_hidden_row_is_not(app, tree, tmp_path):
    """The admin filtered the sheet to the rows they meant to load (or hid the ones they did not): the import must
    not load what they cannot see. Before, every hidden row was stored like the others."""
    rows = [GOOD, ["N2"] + GOOD[1:5] + ["038058001123"] + GOOD[6:], [""] * len(HEADER),
            ["N3"] + GOOD[1:5] + [""] + GOOD[6:]]

    def hide(rows_to_hide):
        def edit(book, sheet):
            for number in rows_to_hide:
                sheet.row_dimensions[number].hidden = True
        return edit
    report = import_file("members", xlsx(tmp_path / "filtered.xlsx", rows, edit=hide([3])))
    assert report.rejected == [(3, [HIDDEN_ROW])]
    assert count_members() == 0
    report = import_file("members", xlsx(tmp_path / "blank-hidden.xlsx", rows, edit=hide([4])))
    assert (report.created, report.rejected) == (3, []), report.summary()



def _unnumbered_third_row_hidden(xml):
    """Rows and cells without r= (they count up from 1), the third row tag hidden."""
    xml = re.sub(rb' r="[A-Z]*[0-9]+"', b"", xml)
    head, *rest = xml.split(b"<row>")
    return head + b"<row>" + b"<row>".join(rest[:2]) + b'<row hidden="1">' + b"<row>".join(rest[2:])


@pytest.mark.parametrize("change", [
    pytest.param(lambda xml: xml.replace(b'<row r="3">', b'<row r="3" ht="0" customHeight="1">'), id="no-height"),
    pytest.param(lambda xml: xml.replace(b'<row r="3">', b"<row r='3' hidden='1'>"), id="single-quotes"),
    pytest.param(_unnumbered_third_row_hidden, id="rows-unnumbered"),
])
def test_rows_other_writers_hide_are_refused_too(app, tree, tmp_path, change):
    """A row given no height, hidden='1' in single quotes, and row tags that leave their number to be counted (the
    third row tag is the third line): each hides line 3 from the admin, and was read as if shown."""
    rows = [GOOD, ["N2"] + GOOD[1:5] + ["038058001123"] + GOOD[6:], ["N3"] + GOOD[1:5] + [""] + GOOD[6:]]
    path = rewrite_sheet(xlsx(tmp_path / "hidden.xlsx", rows), change)
    report = import_file("members", path)
    assert report.rejected == [(3, [HIDDEN_ROW])], report.summary()
    assert count_members() == 0


def test_hidden_rows_are_found_wherever_the_sheet_is_cut_into_chunks():
    """The sheet's XML is read a megabyte at a time: a row tag cut in two, or rows counted on from an earlier chunk,
    must come out the same as from the whole."""
    xml = (b'<sheetData><row r="1"><c/></row><row hidden="1"><c/></row><row r="5" ht="15"><c/></row>'
           b"<x:row ht='0.0'><c/></x:row><row r=\"9\" hidden=\"true\"/><row/><row hidden=\"0\"/><rowBreaks/>"
           b'<row hidden="1" r="20"></row></sheetData>')
    for size in (1, 2, 3, 7, 16, len(xml)):
        rows = _HiddenRows()
        for start in range(0, len(xml), size):
            rows.feed(xml[start:start + size])
        assert rows.rows == {2, 6, 9, 20}, size
