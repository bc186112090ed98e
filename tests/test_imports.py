"""Operator imports (server.imports.importers): CSV and XLSX, normalisation, all-or-nothing rejection, upserts."""
import csv
import time
import unicodedata
from datetime import date

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from server.extensions import db
from server.imports.importers import import_file
from server.models import AuditEvent, Member, RegistryRecord, Unit
from server.text import name_key

MEMBER_HEADER = ["member_code", "unit_code", "full_name", "date_of_birth", "gender", "citizen_id", "hometown",
                 "permanent_address", "party_join_date", "party_official_date", "priority", "needs_home_visit"]
REGISTRY_HEADER = ["citizen_id", "full_name", "date_of_birth", "gender", "hometown", "permanent_address"]


def member(**overrides) -> dict:
    row = {"member_code": "N1", "unit_code": "C1", "full_name": "Phạm Văn Bình", "date_of_birth": "1958-07-20",
           "gender": "male", "citizen_id": "038058001122", "hometown": "Xã Hoằng Lộc, Thanh Hoá",
           "permanent_address": "Thôn 2, xã Hải An", "party_join_date": "1980-05-19",
           "party_official_date": "1981-05-19", "priority": "standard", "needs_home_visit": "no"}
    row.update(overrides)
    return row


def registry(**overrides) -> dict:
    row = {"citizen_id": "038058001122", "full_name": "Phạm Văn Bình", "date_of_birth": "1958-07-20",
           "gender": "male", "hometown": "Xã Hoằng Lộc, Thanh Hoá", "permanent_address": "Thôn 2, xã Hải An"}
    row.update(overrides)
    return row


def write_csv(path, rows: list[dict], header=None, bom=False):
    header = header or list(rows[0])
    with open(path, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows([[row.get(name, "") for name in header] for row in rows])
    return path


def write_xlsx(path, header: list, rows: list[list]):
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def counts() -> dict:
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Unit, Member, RegistryRecord, AuditEvent)}


def by_code(code: str) -> Member:
    return db.session.scalar(select(Member).where(Member.member_code == code))


# --- good files ---------------------------------------------------------------------------------------------

def test_units_file_builds_the_tree_whatever_the_row_order(app, tmp_path):
    path = write_csv(tmp_path / "units.csv", [
        {"code": "X-1-1-1", "name": "Chi bộ Thôn 1", "kind": "cell", "parent_code": "X-1-1"},
        {"code": "X-1-1", "name": "Đảng bộ xã Hải An", "kind": "grassroots", "parent_code": "X-1"},
        {"code": "X", "name": "Tỉnh ủy Thử", "kind": "province", "parent_code": ""},
        {"code": "X-1", "name": "Đảng bộ huyện Đông", "kind": "affiliated", "parent_code": "X"},
    ])
    report = import_file("units", path)
    assert (report.rows_read, report.created, report.rejected) == (4, 4, [])
    units = {unit.code: unit for unit in db.session.scalars(select(Unit))}
    assert [units[c].depth for c in ("X", "X-1", "X-1-1", "X-1-1-1")] == [0, 1, 2, 3]
    assert units["X-1-1-1"].path == f"{units['X-1-1'].path}{units['X-1-1-1'].id}/"
    assert units["X-1-1-1"].path.startswith(units["X"].path) and units["X"].path == f"/{units['X'].id}/"
    assert units["X-1-1"].parent_id == units["X-1"].id


def test_units_xlsx_adds_under_units_already_stored(app, tree, tmp_path):
    path = write_xlsx(tmp_path / "units.xlsx", ["kind", "code", "parent_code", "name"], [
        ["cell", "C3", "G1", "Chi bộ Thôn 3"], ["grassroots", "G3", "A2", "Đảng bộ xã Mới"],
        ["cell", "C4", "G3", "Chi bộ 4"]])
    report = import_file("units", path)
    assert (report.rows_read, report.created, report.rejected) == (3, 3, [])
    c3, c4 = (db.session.scalar(select(Unit).where(Unit.code == code)) for code in ("C3", "C4"))
    assert c3.path.startswith(tree["G1"].path) and c4.path.startswith(tree["A2"].path) and c4.depth == 3


def test_a_semicolon_separated_csv_from_excel_in_vietnamese_settings_is_read(app, tree, tmp_path):
    """Excel saves "CSV UTF-8" with semicolons where the comma is the decimal mark (Vietnam): read as such, a
    quoted semicolon kept inside its value. A comma file whose values hold semicolons stays a comma file."""
    path = tmp_path / "members.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(MEMBER_HEADER)
        writer.writerow(list(member(permanent_address="Số 1; phố Huế, Hà Nội").values()))
        writer.writerow(list(member(member_code="N2", citizen_id="").values()))
    report = import_file("members", str(path))
    assert (report.rows_read, report.created, report.rejected) == (2, 2, []), report.summary()
    assert by_code("N1").permanent_address == "Số 1; phố Huế, Hà Nội"
    commas = write_csv(tmp_path / "commas.csv", [member(member_code="N3", citizen_id="", hometown="Xã A; huyện B")])
    report = import_file("members", commas)
    assert (report.created, report.rejected) == (1, []) and by_code("N3").hometown == "Xã A; huyện B"


def test_members_csv_with_bom_stores_nfc_text_and_year_only_birth(app, tree, tmp_path):
    decomposed = unicodedata.normalize("NFD", "Trần  Thị Thuỷ ")
    path = write_csv(tmp_path / "members.csv", [
        member(),
        member(member_code="N2", full_name=decomposed, date_of_birth="1948", gender="female",
               citizen_id="038148001234", priority="veteran", needs_home_visit="yes", party_join_date="1966-01-01",
               party_official_date="1967-01-01", hometown=unicodedata.normalize("NFD", "Xã Hoà Ninh"),
               home_visit_note="Nằm viện", phone="0912 345 678"),
    ], header=MEMBER_HEADER + ["home_visit_note", "phone"], bom=True)
    report = import_file("members", path)
    assert (report.rows_read, report.created, report.updated, report.rejected) == (2, 2, 0, [])
    stored = by_code("N2")
    assert stored.full_name == "Trần Thị Thuỷ" and unicodedata.is_normalized("NFC", stored.full_name)
    assert stored.name_key == name_key("trần thị thủy")
    assert stored.hometown == "Xã Hoà Ninh" and unicodedata.is_normalized("NFC", stored.hometown)
    assert (stored.date_of_birth, stored.birth_year) == ("1948", 1948)
    assert stored.priority == "veteran" and stored.needs_home_visit is True
    assert stored.home_visit_note == "Nằm viện" and stored.phone == "0912 345 678"
    assert stored.unit_id == tree["C1"].id and stored.status == "pending"
    first = by_code("N1")
    assert (first.party_join_date, first.party_official_date) == (date(1980, 5, 19), date(1981, 5, 19))
    assert first.needs_home_visit is False and first.citizen_id == "038058001122"


def test_members_xlsx_loads_with_spreadsheet_types(app, tree, tmp_path):
    """Dates typed as dates, the ID typed as a number (leading zero lost), columns in another order."""
    header = ["full_name", "member_code", "unit_code", "date_of_birth", "gender", "citizen_id", "hometown",
              "permanent_address", "party_join_date", "party_official_date", "priority", "needs_home_visit"]
    path = write_xlsx(tmp_path / "members.xlsx", header, [
        ["Lê Văn Hùng", "X1", "C2", date(1965, 2, 2), "male", 38065004321, "Hà Nội", "", date(1990, 1, 3),
         date(1991, 1, 3), "standard", "no"],
        ["Ngô Thị Lan", "X2", "C1", 1950, "female", "", "", "", "", "", "", ""],
    ])
    report = import_file("members", path)
    assert (report.rows_read, report.created, report.rejected) == (2, 2, [])
    hung = by_code("X1")
    assert hung.citizen_id == "038065004321" and hung.date_of_birth == "1965-02-02"
    assert hung.party_official_date == date(1991, 1, 3) and hung.unit_id == tree["C2"].id
    lan = by_code("X2")
    assert (lan.date_of_birth, lan.citizen_id, lan.priority, lan.party_join_date) == ("1950", None, "standard", None)


def test_registry_csv_and_xlsx_load(app, tmp_path):
    csv_path = write_csv(tmp_path / "registry.csv", [registry(), registry(
        citizen_id="001172000111", full_name="Trần Thị Hoà", date_of_birth="1972", gender="female")])
    xlsx_path = write_xlsx(tmp_path / "registry.xlsx", REGISTRY_HEADER, [
        ["002065004321", "Lê Văn Hùng", date(1965, 2, 2), "male", "Hà Nội", "Số 3"]])
    assert import_file("registry", csv_path).created == 2
    assert import_file("registry", xlsx_path).created == 1
    records = {r.citizen_id: r for r in db.session.scalars(select(RegistryRecord))}
    assert set(records) == {"038058001122", "001172000111", "002065004321"}
    assert (records["001172000111"].date_of_birth, records["001172000111"].birth_year) == ("1972", 1972)
    assert records["002065004321"].date_of_birth == "1965-02-02"
    assert records["038058001122"].name_key == name_key("Phạm Văn Bình")


# --- whole-file rejections ------------------------------------------------------------------------------------

def test_unknown_column_is_rejected_on_line_1_and_nothing_is_stored(app, tree, tmp_path):
    path = write_csv(tmp_path / "members.csv", [member() | {"nickname": "Bình"}])
    before = counts()
    report = import_file("members", path)
    assert report.rejected[0][0] == 1 and "unknown column(s) nickname" in report.rejected[0][1][0]
    assert counts() == before
    assert "line 1:" in report.summary() and "nothing was stored" in report.summary()


def test_missing_column_is_rejected_on_line_1(app, tree, tmp_path):
    path = write_csv(tmp_path / "members.csv", [member()], header=MEMBER_HEADER[:-1])
    report = import_file("members", path)
    assert report.rejected == [(1, ["missing column(s) needs_home_visit"])]


def test_text_that_is_not_utf8_is_rejected_with_its_line(app, tree, tmp_path):
    path = write_csv(tmp_path / "registry.csv", [registry()])
    path.write_bytes(path.read_bytes() + "001172000111,Tr\xe2n".encode("latin-1"))
    report = import_file("registry", path)
    assert report.rejected[0][0] == 3 and "not UTF-8" in report.rejected[0][1][0]
    assert counts()["RegistryRecord"] == 0


def test_a_file_that_is_not_csv_or_xlsx_is_refused(app, tmp_path):
    path = tmp_path / "members.txt"
    path.write_text("member_code\n")
    report = import_file("members", path)
    assert report.rejected and "only .csv and .xlsx" in report.summary()


# --- one bad row anywhere spoils the whole file ---------------------------------------------------------------

BAD_MEMBER_ROWS = {
    "malformed date": ({"date_of_birth": "1960-13-01"}, "date_of_birth: is not a date"),
    "day-first date": ({"party_join_date": "19/05/1980"}, "party_join_date: is not a date (YYYY-MM-DD); it is "
                       "written as a spreadsheet shows dates (day and month first, or a two-digit year): upload the "
                       ".xlsx with the column as dates"),
    "birth year in the future": ({"date_of_birth": "2999"}, "date_of_birth: is in the future"),
    "party date in the future": ({"party_official_date": "2999-01-01"}, "party_official_date: is in the future"),
    "bad gender": ({"gender": "nam"}, "gender: must be male or female"),
    "full-width digits in ID": ({"citizen_id": "０３８０５８００１１２２"}, "citizen_id: must be exactly 12 digits"),
    "ID too short": ({"citizen_id": "03805800112"}, "citizen_id: must be exactly 12 digits"),
    "unknown unit": ({"unit_code": "C9"}, "unit_code: no unit has the code C9"),
    "unit is not a cell": ({"unit_code": "G1"}, "unit_code: G1 is a grassroots unit"),
    "official before joining": ({"party_official_date": "1979-01-01"}, "party_official_date: is before party_join"),
    "joined before birth": ({"party_join_date": "1950-01-01"}, "party_join_date: is before date_of_birth"),
    "unknown priority": ({"priority": "vip"}, "priority: must be veteran or"),
    "needs_home_visit not yes/no": ({"needs_home_visit": "maybe"}, "needs_home_visit: must be yes or no"),
    "empty name": ({"full_name": "  "}, "full_name: is required"),
    "control character": ({"full_name": "Phạm\x07Bình"}, "full_name: contains control characters"),
    "duplicate member code": ({"member_code": "N1"}, "member_code: repeats line 2"),
    "duplicate citizen ID": ({"citizen_id": "038058001122"}, "citizen_id: repeats line 2"),
}


@pytest.mark.parametrize("overrides,reason", BAD_MEMBER_ROWS.values(), ids=BAD_MEMBER_ROWS.keys())
def test_one_bad_member_row_rejects_the_file_and_changes_nothing(app, members, tmp_path, overrides, reason):
    rows = [member(), member(member_code="N2", citizen_id="038058009999") | overrides,
            member(member_code="M1", full_name="Đổi Tên", citizen_id="")]  # an update of a member already stored
    before = counts()
    report = import_file("members", write_csv(tmp_path / "members.csv", rows))
    assert report.rows_read == 3 and report.rejected_total == 1
    line, reasons = report.rejected[0]
    assert line == 3 and any(r.startswith(reason) for r in reasons), reasons
    assert counts() == before
    assert by_code("M1").full_name == "Nguyễn Văn An" and by_code("N1") is None
    assert "line 3: " in report.summary() and reason in report.summary()


BAD_REGISTRY_ROWS = {
    "no citizen ID": ({"citizen_id": ""}, "citizen_id: is required"),
    "ID province unknown": ({"citizen_id": "999058009999"}, "citizen_id: the first 3 digits"),
    "duplicate citizen ID": ({"citizen_id": "038058001122"}, "citizen_id: repeats line 2"),
}


@pytest.mark.parametrize("overrides,reason", BAD_REGISTRY_ROWS.values(), ids=BAD_REGISTRY_ROWS.keys())
def test_one_bad_registry_row_rejects_the_file(app, tmp_path, overrides, reason):
    rows = [registry(), registry(citizen_id="038058009999") | overrides]
    report = import_file("registry", write_csv(tmp_path / "registry.csv", rows))
    assert [line for line, _ in report.rejected] == [3]
    assert any(r.startswith(reason) for r in report.rejected[0][1])
    assert counts()["RegistryRecord"] == 0


WARNED_ROWS = {
    "ID contradicts gender": ({"gender": "female"}, "citizen_id: digit 4 (gender and century) contradicts gender"),
    "ID contradicts birth year": ({"date_of_birth": "1959-07-20"}, "citizen_id: digits 4-6"),
    "year-only birth in another year": ({"date_of_birth": "1957"}, "citizen_id: digits 4-6"),
}


@pytest.mark.parametrize("kind", ["members", "registry"])
@pytest.mark.parametrize("overrides,reason", WARNED_ROWS.values(), ids=WARNED_ROWS.keys())
def test_an_id_contradicting_its_own_row_is_stored_with_a_warning(app, members, tmp_path, kind, overrides, reason):
    """CONTRACT §1: the registry is the authority on its records; the pre-check shows the contradiction."""
    make = member if kind == "members" else registry
    rows = [make(), make(citizen_id="038058009999", **({"member_code": "N2"} if kind == "members" else {}))
            | overrides]
    report = import_file(kind, write_csv(tmp_path / f"{kind}.csv", rows))
    assert report.rejected == [] and report.stored
    assert report.warned_total == 1 and report.warnings[0][0] == 3
    assert any(r.startswith(reason) for r in report.warnings[0][1]), report.warnings
    assert f"line 3: {reason}" in report.summary() and "nothing was stored" not in report.summary()
    stored = db.session.scalar(select(RegistryRecord).where(RegistryRecord.citizen_id == "038058009999")) \
        if kind == "registry" else by_code("N2")
    assert stored is not None and stored.gender == rows[1]["gender"]


BAD_UNIT_ROWS = {
    "cell under an affiliated unit": ({"code": "Z", "kind": "cell", "parent_code": "A1"},
                                      "parent_code: A1 is an affiliated unit; a cell unit sits under a grassroots"),
    "unknown parent": ({"code": "Z", "kind": "cell", "parent_code": "NOPE"}, "parent_code: no unit has the code"),
    "province with a parent": ({"code": "Z", "kind": "province", "parent_code": "P"},
                               "parent_code: must be empty for a province"),
    "kind changes": ({"code": "G1", "kind": "affiliated", "parent_code": "P"}, "kind: unit G1 is a grassroots unit"),
    "unknown kind": ({"code": "Z", "kind": "ward", "parent_code": "G1"}, "kind: must be province or"),
    "duplicate code": ({"code": "N1", "kind": "grassroots", "parent_code": "A1"}, "code: repeats line 2"),
}


@pytest.mark.parametrize("overrides,reason", BAD_UNIT_ROWS.values(), ids=BAD_UNIT_ROWS.keys())
def test_one_bad_unit_row_rejects_the_file(app, tree, tmp_path, overrides, reason):
    rows = [{"code": "N1", "name": "Đảng bộ mới", "kind": "grassroots", "parent_code": "A1"},
            {"code": "", "name": "Đơn vị", "kind": "", "parent_code": ""} | overrides]
    before = counts()
    report = import_file("units", write_csv(tmp_path / "units.csv", rows))
    assert report.rejected_total == 1 and report.rejected[0][0] == 3
    assert any(r.startswith(reason) for r in report.rejected[0][1]), report.rejected
    assert counts() == before


def test_an_unquoted_comma_is_refused_but_empty_trailing_columns_are_not(app, tmp_path):
    path = tmp_path / "registry.csv"
    header = ",".join(REGISTRY_HEADER)
    good, shifted = "038058001122,Phạm Văn Bình,1958,male,,", "038058001123,Phạm Văn Bình,1958,male,Xã A, Huyện B,Số 1"
    path.write_text(f"{header}\n{good}\n{shifted}\n")
    report = import_file("registry", path)
    assert [line for line, _ in report.rejected] == [3] and "7 values" in report.rejected[0][1][0]
    path.write_text(f"{header},,\n038058001122,Phạm Văn Bình,1958,male,,,,\n")
    assert import_file("registry", path).created == 1


def test_rejections_name_every_bad_line(app, tree, tmp_path):
    rows = [member(member_code=f"N{i}", citizen_id="", gender="x" if i % 2 else "male") for i in range(6)]
    report = import_file("members", write_csv(tmp_path / "members.csv", rows))
    assert [line for line, _ in report.rejected] == [3, 5, 7]
    assert "3 rejected" in report.summary()


def test_a_long_list_of_rejections_is_cut_short_but_counted(app, tree, tmp_path, monkeypatch):
    monkeypatch.setattr("server.imports.report.MAX_LISTED", 2)
    rows = [member(member_code=f"N{i}", citizen_id="", gender="x") for i in range(5)]
    report = import_file("members", write_csv(tmp_path / "members.csv", rows))
    assert report.rejected_total == 5 and [line for line, _ in report.rejected] == [2, 3]
    assert "5 rejected" in report.summary() and "and 3 more rejected rows" in report.summary()


# --- upserts ----------------------------------------------------------------------------------------------------

def test_reimport_updates_instead_of_duplicating(app, tree, tmp_path):
    path = tmp_path / "members.csv"
    write_csv(path, [member(), member(member_code="N2", citizen_id="", full_name="Vũ Thị Mai", gender="female")])
    assert import_file("members", path).created == 2
    stamps = {code: by_code(code).updated_at for code in ("N1", "N2")}
    write_csv(path, [member(), member(member_code="N2", citizen_id="", full_name="Võ Thị Mai", gender="female",
                                      unit_code="C2")])
    report = import_file("members", path)
    assert (report.created, report.updated, report.unchanged, report.rejected) == (0, 2, 1, [])
    assert db.session.scalar(select(func.count(Member.id))) == 2
    db.session.expire_all()
    changed, same = by_code("N2"), by_code("N1")
    assert changed.full_name == "Võ Thị Mai" and changed.unit_id == tree["C2"].id
    assert changed.updated_at > stamps["N2"], "the roster delta needs the bump"
    assert same.updated_at == stamps["N1"], "an unchanged member is not sent to every tablet again"


def test_reimport_of_a_removed_member_puts_it_back_on_the_roster(app, members, tmp_path):
    members["m1"].removed_at = members["m1"].created_at
    db.session.commit()
    path = write_csv(tmp_path / "members.csv", [member(member_code="M1", citizen_id="")])
    assert import_file("members", path).updated == 1
    db.session.expire_all()
    assert by_code("M1").removed_at is None and by_code("M1").full_name == "Phạm Văn Bình"


def test_registry_reimport_updates_by_citizen_id(app, tmp_path):
    path = tmp_path / "registry.csv"
    import_file("registry", write_csv(path, [registry()]))
    report = import_file("registry", write_csv(path, [registry(hometown="Xã Hải An, Thanh Hoá")]))
    assert (report.created, report.updated, report.unchanged) == (0, 1, 0)
    record = db.session.scalar(select(RegistryRecord))
    assert record.hometown == "Xã Hải An, Thanh Hoá" and counts()["RegistryRecord"] == 1


def test_units_reimport_renames_and_moves_a_subtree(app, tree, tmp_path):
    path = write_csv(tmp_path / "units.csv", [
        {"code": "G1", "name": "Đảng bộ phường Mới", "kind": "grassroots", "parent_code": "A2"},
        {"code": "C1", "name": "Chi bộ Khu phố 1", "kind": "cell", "parent_code": "G1"},
    ])
    report = import_file("units", path)
    assert (report.created, report.updated, report.unchanged) == (0, 2, 1)
    db.session.expire_all()
    a2, g1, c1 = (db.session.get(Unit, tree[c].id) for c in ("A2", "G1", "C1"))
    assert g1.name == "Đảng bộ phường Mới" and g1.parent_id == a2.id
    assert g1.path == f"{a2.path}{g1.id}/" and c1.path == f"{g1.path}{c1.id}/"


def test_a_stored_import_is_audited_with_counts_only(app, tree, tmp_path):
    path = write_csv(tmp_path / "members.csv", [member()])
    import_file("members", path)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "import.members"))
    assert event.outcome == "stored"
    assert event.detail == {"rows_read": 1, "created": 1, "updated": 0, "unchanged": 0}


def test_spreadsheet_numbers_get_their_leading_zeros_back():
    from server.imports.workbook import _cell_text
    assert _cell_text(901234567, "phone") == "0901234567"
    assert _cell_text(1060012345.0, "citizen_id") == "001060012345"
    assert _cell_text(42, "old_card_number") == "42"


def test_batches_written_beside_the_checks_keep_counts_moves_and_file_order(app, tree, members, tmp_path,
                                                                           monkeypatch):
    """Batches of 2 (staged, then one UPDATE and one INSERT each, on the worker thread): a member moved to another
    cell keeps where it came from, a removed one is back, an unchanged one keeps its stamp, new ones keep file order."""
    monkeypatch.setattr("server.imports.importers.BATCH", 2)
    members["m2"].removed_at = members["m2"].created_at
    db.session.commit()
    before = {code: by_code(code).updated_at for code in ("M1", "M3")}
    rows = [member(member_code="N9", citizen_id=""), member(member_code="M1", citizen_id="", unit_code="C2"),
            member(member_code="M2", citizen_id="", full_name="Trần Thị Hoà", date_of_birth="1972", gender="female"),
            member(member_code="M3", citizen_id="", full_name="Lê Văn Hùng", date_of_birth="1965-02-02",
                   unit_code="C2"),
            member(member_code="N5", citizen_id=""), member(member_code="N1", citizen_id="")]
    path = write_csv(tmp_path / "members.csv", rows)
    report = import_file("members", path)
    assert (report.created, report.updated, report.rejected) == (3, 3, [])
    db.session.expire_all()
    moved, back = by_code("M1"), by_code("M2")
    assert moved.unit_id == tree["C2"].id and moved.previous_unit_id == tree["C1"].id
    assert moved.moved_at is not None and moved.updated_at > before["M1"]
    assert back.removed_at is None
    new = db.session.scalars(select(Member.member_code).where(Member.member_code.in_(["N9", "N5", "N1"]))
                             .order_by(Member.id)).all()
    assert new == ["N9", "N5", "N1"]
    again = import_file("members", path)
    assert (again.created, again.updated, again.unchanged) == (0, 6, 6)
    db.session.expire_all()
    assert by_code("M1").previous_unit_id == tree["C1"].id, "a second import of the same cell is no move"


def test_a_write_failing_on_the_worker_thread_stores_nothing(app, tree, tmp_path, monkeypatch):
    from server.imports.write import StagedUpsert
    monkeypatch.setattr("server.imports.importers.BATCH", 2)
    real, calls = StagedUpsert.write, []

    def failing(self, rows):
        calls.append(len(rows))
        if len(calls) == 2:
            time.sleep(0.3)  # the reader hands the next batch over meanwhile: it must not be written
            raise RuntimeError("the disk is full")
        return real(self, rows)

    monkeypatch.setattr(StagedUpsert, "write", failing)
    before = counts()
    path = write_csv(tmp_path / "members.csv",
                     [member(member_code=f"N{i}", citizen_id="") for i in range(7)])
    with pytest.raises(RuntimeError, match="disk is full"):
        import_file("members", path)
    db.session.rollback()
    assert counts() == before and len(calls) == 2


def test_the_compact_key_set_answers_exactly_across_merges(monkeypatch):
    import random
    from server.imports.keys import IntKeys
    monkeypatch.setattr(IntKeys, "FLOOR", 8)
    keys, reference, rng = IntKeys(), set(), random.Random(7)
    for _ in range(3000):
        key = rng.randrange(10 ** 12) if rng.random() < 0.7 else rng.choice(sorted(reference) or [0])
        assert (key in keys) == (key in reference)
        if key not in reference:
            keys.add(key)
            reference.add(key)
    assert len(keys) == len(reference) and len(keys.sorted) > len(keys.recent), "the array holds most keys"


def test_a_first_import_goes_straight_into_the_table_with_every_character_kept(app, tree, tmp_path, monkeypatch):
    """Into an empty table the batches skip the staging table (COPY or json_each straight into members); what a
    COPY line or a JSON string could mangle — backslashes before letters COPY would read as escapes, a literal \\N,
    quotes, non-BMP characters — is stored as read (tabs and line breaks are spaces by then: clean_text), new rows
    keep file order, and a second import (staged, then UPDATE) keeps the same text."""
    from server.imports.write import StagedUpsert
    made, real_init = [], StagedUpsert.__init__

    def init(self, *args, **kwargs):
        real_init(self, *args, **kwargs)
        made.append(self)
    monkeypatch.setattr(StagedUpsert, "__init__", init)
    monkeypatch.setattr("server.imports.importers.BATCH", 2)
    tricky = ['Số 1\\tngõ 2', 'Thôn "Đông" \\n xóm 3', 'C:\\nhà\\N', '\\N', "=1+2", "Hà Nội ‑ 𝕍 \\"]
    rows = [member(member_code=f"N{i}", citizen_id="", permanent_address=text, full_name=f"Lê Văn {i}")
            for i, text in enumerate(tricky)]
    path = write_csv(tmp_path / "members.csv", rows)
    report = import_file("members", path)
    assert (report.created, report.updated, report.rejected) == (len(tricky), 0, [])
    stored = db.session.execute(select(Member.member_code, Member.permanent_address, Member.status,
                                       Member.created_at).order_by(Member.id)).all()
    assert [(code, address) for code, address, _, _ in stored] == [(f"N{i}", t) for i, t in enumerate(tricky)]
    assert {status for _, _, status, _ in stored} == {"pending"} and all(row[3] is not None for row in stored)
    rows[0]["full_name"] = "Lê Văn Mười"
    again = import_file("members", write_csv(tmp_path / "members.csv", rows))
    assert (again.created, again.updated, again.unchanged) == (0, len(tricky), len(tricky) - 1)
    db.session.expire_all()
    assert [m.permanent_address for m in db.session.scalars(select(Member).order_by(Member.id))] == tricky
    assert by_code("N0").full_name == "Lê Văn Mười"
    assert [upsert.direct for upsert in made] == [True, False], "first import direct, the second one staged"


def test_registry_first_import_and_reimport_keep_text_and_dates(app, tmp_path, monkeypatch):
    monkeypatch.setattr("server.imports.importers.BATCH", 3)
    rows = [registry(citizen_id=f"0380580011{i:02d}", permanent_address=f"Số {i} \\\\tB \\\\") for i in range(7)]
    assert import_file("registry", write_csv(tmp_path / "r.csv", rows)).created == 7
    rows[6]["date_of_birth"] = "1958-07-21"
    report = import_file("registry", write_csv(tmp_path / "r.csv", rows))
    assert (report.created, report.updated, report.unchanged) == (0, 7, 6)
    stored = db.session.execute(select(RegistryRecord.permanent_address, RegistryRecord.date_of_birth)
                                .order_by(RegistryRecord.id)).all()
    assert [a for a, _ in stored] == [f"Số {i} \\\\tB \\\\" for i in range(7)]
    assert str(stored[6][1]) == "1958-07-21" and str(stored[0][1]) == "1958-07-20"


def test_short_codes_are_packed_into_integers_one_to_one():
    from server.imports.keys import Keys, compact
    codes = ["TH000001", "TH000002", "th000001", "T", "TH00000", "TH0000001", "Đ0001", "", "A B", "12345678"]
    forms = [compact(code) for code in codes]
    assert len(set(forms)) == len(codes), "distinct codes never share a form"
    assert isinstance(compact("TH000001"), int) and compact("TH0000001") == "TH0000001"
    assert compact("Đ0001") == "Đ0001" and compact("TH000001") < 2 ** 63
    keys = Keys()
    for form in forms:
        assert form not in keys
        keys.add(form)
    assert all(compact(code) in keys for code in codes) and len(keys) == len(codes)
    assert compact("TH000003") not in keys and "TH000001" not in keys


def test_a_repeated_member_code_is_refused_whatever_its_form(app, tree, tmp_path):
    rows = [member(member_code=code, citizen_id="") for code in ("TH000001", "TH0000001", "Đ01", "TH000001",
                                                                 "Đ01", "TH0000001")]
    report = import_file("members", write_csv(tmp_path / "members.csv", rows))
    assert report.rejected_total == 3 and counts()["Member"] == 0
    assert [reasons for _, reasons in report.rejected] == [["member_code: repeats line 2"],
                                                          ["member_code: repeats line 4"],
                                                          ["member_code: repeats line 3"]]

