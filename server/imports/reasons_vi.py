"""Import reasons in Vietnamese, for the console (the province admin reads Vietnamese first).

The importers write each reason once, in English, as the command line prints it (server.imports.rows, files,
workbook, units, hints; server.cards.importer; server.jobs.imports). A job's report keeps that text and, beside
it, this translation (server.jobs.runner.report_dict), which the console shows when it speaks Vietnamese. Reasons
follow a few shapes — "field: what is wrong", a header's columns, the file as a whole — so each shape is matched
here and its parts (column labels, unit kinds, numbers, codes) carried over; a reason no pattern knows yet is
None, and the console shows it in English rather than nothing. tests/test_import_reasons_vi.py makes every
reason the importers can give and checks that each one is translated.
"""
from __future__ import annotations

import re

from ..record_fields import BY_NAME
from . import hints
from .files import LOCKED_OR_XLS, SAVE_AS_CSV

_COLUMNS = {"code": "Mã đơn vị", "name": "Tên đơn vị", "kind": "Loại đơn vị", "parent_code": "Mã đơn vị cấp trên",
            "card_number": "Số thẻ", "batch_code": "Mã đợt in", "printed_on": "Ngày in"}
_UNIT_KINDS = {"province": "đảng bộ tỉnh", "affiliated": "đảng bộ trực thuộc", "grassroots": "đảng bộ cơ sở",
               "cell": "chi bộ"}
_FILE_KINDS = {"units": "đơn vị", "members": "đảng viên", "registry": "dữ liệu dân cư", "cards": "thẻ"}

SAVE_AS_CSV_VI = ("hãy lưu lại thành CSV UTF-8 (Excel: Lưu thành, kiểu tệp \"CSV UTF-8 (Comma delimited)\"; "
                  "LibreOffice: Lưu thành \"Text CSV\" với bộ ký tự \"Unicode (UTF-8)\")")
_LOCKED_VI = ("tệp là bảng tính .xls cũ hoặc bảng tính có mật khẩu: hãy mở tệp, gỡ mật khẩu (Tệp, Thông tin, Bảo vệ "
              "sổ làm việc) rồi lưu thành Excel Workbook (.xlsx) hoặc CSV UTF-8")
_DAMAGED_VI = ("bảng tính bị hỏng từ chỗ này (XML hoặc phần nén bị lỗi): hãy mở bằng Excel hoặc LibreOffice rồi lưu "
               "lại, hoặc lưu thành CSV UTF-8")


def column(name: str) -> str:
    """A column as the console names it: its Vietnamese label and the name the file uses."""
    label = BY_NAME[name].vi if name in BY_NAME else _COLUMNS.get(name)
    return f"{label} ({name})" if label else name


def _kind(word: str) -> str:
    return _UNIT_KINDS.get(word, word)


def _choices(text: str) -> str:
    return " hoặc ".join(text.split(" or "))


# What follows "field: " in a row's reason: (pattern, Vietnamese, with {groups} of the match).
_FIELD = [
    (r"is required", "bắt buộc phải có"),
    (r"is longer than (?P<n>\d+) characters", "dài quá {n} ký tự"),
    (r"is too long", "quá dài"),
    (r"contains control characters", "có ký tự điều khiển (ký tự ẩn)"),
    (re.escape(hints.LOST_LETTER_REASON), "có dấu \"?\" ở chỗ lẽ ra là một chữ cái: tệp đã được lưu bằng bộ ký tự "
     "không có chữ tiếng Việt; hãy lưu lại thành CSV UTF-8 (Excel: \"CSV UTF-8 (Comma delimited)\"; LibreOffice: "
     "bộ ký tự \"Unicode (UTF-8)\")"),
    (r"is not a date \(YYYY-MM-DD\)" + re.escape(hints.DATE_HINTS[0][1]),
     "không phải ngày (YYYY-MM-DD); ngày được viết như bảng tính hiển thị (ngày và tháng trước, hoặc năm hai chữ số): "
     "hãy tải lên chính tệp .xlsx với cột ở dạng ngày, hoặc định dạng cột là YYYY-MM-DD trước khi lưu thành CSV"),
    (r"is not a date \(YYYY-MM-DD\)" + re.escape(hints.DATE_HINTS[1][1]),
     "không phải ngày (YYYY-MM-DD); ô có cả giờ trong ngày: hãy định dạng cột là ngày không kèm giờ (giờ xuất từ hệ "
     "thống khác có thể đã làm lệch ngày: hãy kiểm tra)"),
    (r"is not a date \(YYYY-MM-DD\)" + re.escape(hints.DATE_HINTS[2][1]),
     "không phải ngày (YYYY-MM-DD); trông như số ngày của bảng tính: hãy định dạng cột là ngày (YYYY-MM-DD)"),
    (r"is not a date \(YYYY-MM-DD\)", "không phải ngày (YYYY-MM-DD)"),
    (r"is in the future", "nằm trong tương lai"),
    (r"is a day of 1905, .*", "là một ngày của năm 1905 — bảng tính hiển thị như vậy khi gõ năm vào ô định dạng ngày: "
     "hãy định dạng cột là General hoặc Text rồi gõ lại năm"),
    (r"is before (?P<year>\d{4})", "trước năm {year}"),
    (r"is before date_of_birth", "trước ngày sinh"),
    (r"is before party_join_date", "trước ngày vào Đảng"),
    (r"no unit has the code (?P<code>.+), in this file or the database",
     "không có đơn vị nào mang mã {code}, trong tệp này hay trong cơ sở dữ liệu"),
    (r"no unit has the code (?P<code>.+)", "không có đơn vị nào mang mã {code}"),
    (r"(?P<code>.+) is an? (?P<kind>\w+) unit; members belong to a cell",
     "{code} là một {kind}; đảng viên phải thuộc một chi bộ"),
    (r"may hold only digits, spaces and \+ - \. \( \)", "chỉ được gồm chữ số, dấu cách và + - . ( )"),
    (re.escape(hints.PHONE_AS_NUMBER), "đã mất số 0 đầu (bảng tính lưu nó như một số); đã lưu với số 0 được thêm lại. "
     "Lần sau hãy tải lên chính tệp .xlsx, hoặc định dạng cột là Text (hoặc định dạng số 0000000000) trước khi lưu "
     "thành CSV"),
    (r"may not contain spaces", "không được có dấu cách"),
    (r"must be empty for a province", "phải để trống với đảng bộ tỉnh"),
    (r"is required for an? (?P<kind>\w+) unit", "bắt buộc phải có với {kind}"),
    (r"must be exactly 12 digits 0-9" + re.escape(hints.AS_NUMBER.format(zeros="0" * 12)),
     "phải gồm đúng 12 chữ số 0-9; bảng tính đã lưu nó như một số và tệp CSV bị mất chữ số: hãy tải lên chính tệp "
     ".xlsx, hoặc định dạng cột là Text (hoặc định dạng số 000000000000) trước khi lưu thành CSV"),
    (r"must be exactly 12 digits 0-9", "phải gồm đúng 12 chữ số 0-9"),
    (r"the first 3 digits are not a province code", "ba chữ số đầu không phải mã tỉnh"),
    # after every other "must be …": a list of the values a column takes
    (r"is required: (?P<choices>[a-z_]+(?: or [a-z_]+)+)", "bắt buộc phải có: {choices}"),
    (r"must be (?P<choices>[a-z_]+(?: or [a-z_]+)+)", "phải là {choices}"),
    (r"digit 4 \(gender and century\) contradicts gender", "chữ số thứ 4 (giới tính và thế kỷ sinh) không khớp giới tính"),
    (r"digits 4-6 \(century and year of birth\) contradict date_of_birth",
     "các chữ số 4–6 (thế kỷ và năm sinh) không khớp ngày sinh"),
    (r"repeats an earlier row", "trùng với một dòng phía trên"),
    (r"repeats line (?P<line>\d+)", "trùng với dòng {line}"),
    (r"unit (?P<code>.+) is an? (?P<kind>\w+) unit; a unit's kind cannot change",
     "đơn vị {code} là {kind}; không đổi được loại của một đơn vị"),
    (r"(?P<code>.+) is an? (?P<kind>\w+) unit; an? (?P<child>\w+) unit sits under an? (?P<parent>\w+) unit",
     "{code} là {kind}; {child} phải ở dưới một {parent}"),
    (r"(?P<code>.+) cannot be used: choose another code", "không dùng được mã {code}: hãy chọn mã khác"),
    (r"required: every unit you import sits under (?P<code>.+)",
     "bắt buộc phải có: mọi đơn vị bạn nhập đều nằm dưới {code}"),
    (r"your own unit (?P<code>.+) cannot be moved from here", "không chuyển được chính đơn vị {code} của bạn từ đây"),
    (r"no member has the code (?P<code>.+)", "không có đảng viên nào mang mã {code}"),
    (r"already belongs to another card \(card numbers are unique\)", "đã là số của một thẻ khác (số thẻ không được trùng)"),
    (r"the member's card (?P<card>.+) was already handed over; a reprint cannot void it",
     "thẻ {card} của đảng viên đã được trao; thẻ in lại không huỷ được thẻ đó"),
]

# Reasons about the file or its header, whole.
_WHOLE = [
    (r"the row has (?P<n>\d+) values but the header names (?P<m>\d+) columns \(is a value with a comma missing its "
     r"quotes\?\)", "dòng có {n} giá trị nhưng dòng tiêu đề chỉ có {m} cột (có giá trị chứa dấu phẩy mà thiếu dấu "
     "ngoặc kép?)"),
    (r"column (?P<name>.+) appears twice", "cột {name} xuất hiện hai lần"),
    (r"this row names none of the columns of an? (?P<file>\w+) file: .*?(?P<sheet> \(the import reads the workbook's "
     r"first sheet, \"(?P<title>.*)\"\))?", "dòng này không có tên cột nào của tệp {file}: dòng đầu tiên của tệp phải là "
     "dòng tiêu đề, ghi tên từng cột đúng như định dạng nhập; hãy xoá các dòng tiêu đề phía trên và đổi tên các cột "
     "được đặt bằng lời{sheet}"),
    (r"unknown column\(s\) (?P<unknown>.+); an? (?P<file>\w+) file has only (?P<known>.+)",
     "không biết cột {unknown}; tệp {file} chỉ có các cột {known}"),
    (r"missing column\(s\) (?P<missing>.+)", "thiếu cột {missing}"),
    (r"the header row is empty", "dòng tiêu đề trống"),
    (r"column (?P<n>\d+) of the header has no name .*",
     "cột {n} của dòng tiêu đề không có tên (một ô trống, hoặc một trong các ô đã gộp: mỗi cột cần tên riêng)"),
    (r"the file is UTF-16 text \(Excel's \"Unicode Text\"\): " + re.escape(SAVE_AS_CSV),
     "tệp là văn bản UTF-16 (\"Unicode Text\" của Excel): " + SAVE_AS_CSV_VI),
    (r"the file is an \.xlsx workbook named \.csv: name it \.xlsx, or " + re.escape(SAVE_AS_CSV),
     "tệp là bảng tính .xlsx nhưng mang đuôi .csv: hãy đổi đuôi thành .xlsx, hoặc " + SAVE_AS_CSV_VI),
    (re.escape(LOCKED_OR_XLS), _LOCKED_VI),
    (r"the columns are separated by tabs, not commas: " + re.escape(SAVE_AS_CSV),
     "các cột được ngăn bằng dấu tab, không phải dấu phẩy: " + SAVE_AS_CSV_VI),
    (r"the file is not UTF-8 text: " + re.escape(SAVE_AS_CSV), "tệp không phải văn bản UTF-8: " + SAVE_AS_CSV_VI),
    (r"the CSV cannot be read here: its lines end with a lone carriage return .*",
     "không đọc được tệp CSV từ chỗ này: các dòng kết thúc bằng một ký tự CR đơn lẻ (định dạng văn bản cũ của máy "
     "Mac); " + SAVE_AS_CSV_VI),
    (r"the CSV cannot be read here: a quoted value goes on after its closing quote .*",
     "không đọc được tệp CSV từ chỗ này: một giá trị trong ngoặc kép còn tiếp sau dấu ngoặc đóng (dấu ngoặc kép trong "
     "giá trị phải viết hai lần: \"\")"),
    (r"the CSV cannot be read here: a value is longer than 131,072 characters .*",
     "không đọc được tệp CSV từ chỗ này: một giá trị dài quá 131.072 ký tự (quên đóng ngoặc kép?)"),
    (r"the CSV cannot be read here: the file ends inside a quoted value: .*",
     "không đọc được tệp CSV từ chỗ này: tệp kết thúc khi một giá trị trong ngoặc kép chưa đóng: quên đóng ngoặc kép "
     "(dấu ngoặc kép trong giá trị phải viết hai lần: \"\")"),
    (r"the CSV cannot be read here: (?P<said>.+)", "không đọc được tệp CSV từ chỗ này: {said}"),
    (r"the file is empty: a header row is required", "tệp trống: cần có dòng tiêu đề"),
    (r"only \.csv and \.xlsx files can be imported", "chỉ nhập được tệp .csv và .xlsx"),
    (r"the workbook unpacks to far more than the file holds .*",
     "bảng tính giải nén ra lớn hơn rất nhiều so với tệp (tệp hỏng hoặc độc hại); hãy lưu lại, hoặc lưu thành CSV "
     "UTF-8"),
    (r"the first sheet holds formulas whose results were never saved .*",
     "trang tính đầu tiên có công thức chưa từng được tính và lưu kết quả (chương trình tạo tệp không tính công thức): "
     "hãy mở tệp bằng Excel hoặc LibreOffice rồi lưu lại, hoặc thay công thức bằng giá trị của nó"),
    (r"the first sheet of the workbook \(\"(?P<title>.*)\"\) is hidden, .*",
     "trang tính đầu tiên của bảng tính (\"{title}\") đang bị ẩn, mà việc nhập đọc trang tính đầu tiên: hãy chuyển trang "
     "có dữ liệu lên vị trí đầu, hoặc xoá trang bị ẩn"),
    (r"the workbook is damaged from here on .*", _DAMAGED_VI),
    (r"the workbook is saved as \"Strict Open XML Spreadsheet\".*",
     "bảng tính được lưu dạng \"Strict Open XML Spreadsheet\": hãy lưu lại thành \"Excel Workbook (.xlsx)\", hoặc "
     "thành CSV UTF-8"),
    (r"the file is not a readable \.xlsx workbook.*",
     "tệp không phải bảng tính .xlsx đọc được: hãy mở bằng Excel hoặc LibreOffice rồi lưu lại thành \"Excel Workbook "
     "(.xlsx)\", hoặc thành CSV UTF-8"),
    (r"the first sheet is empty: a header row is required", "trang tính đầu tiên trống: cần có dòng tiêu đề"),
    (r"this row is hidden in the workbook .*",
     "dòng này đang bị ẩn trong bảng tính (do bộ lọc, lệnh Ẩn hoặc nhóm dòng đang thu gọn) và việc nhập sẽ đọc nó như mọi dòng khác: hãy hiện "
     "mọi dòng (Dữ liệu > Xoá bộ lọc, hoặc chọn mọi dòng > Bỏ ẩn), xoá các dòng không muốn nhập, lưu rồi nhập lại"),
    (r"there is no unit tree yet: import the units first", "chưa có cây đơn vị: hãy nhập các đơn vị trước"),
    (r"the file changed during the import: (?P<rest>.+)", "tệp đã thay đổi trong lúc nhập: {rest}"),
    (r"the data changed during the import: (?P<rest>.+)", "dữ liệu đã thay đổi trong lúc nhập: {rest}"),
    (r"the file cannot be read", "không đọc được tệp"),
]
_FIELD_RE = [(re.compile(pattern, re.S), text) for pattern, text in _FIELD]
_WHOLE_RE = [(re.compile(pattern, re.S), text) for pattern, text in _WHOLE]
_FIELD_PREFIX = re.compile(r"([a-z_]+): (.*)", re.S)
_NESTED = {"rest"}  # a reason inside a reason (the cards importer's second look)


def _fill(text: str, match: re.Match) -> str | None:
    values = {}
    for name, value in match.groupdict().items():
        if value is None:
            value = ""
        elif name in ("kind", "child", "parent"):
            value = _kind(value)
        elif name == "file":
            value = _FILE_KINDS.get(value, value)
        elif name == "choices":
            value = _choices(value)
        elif name == "unknown":  # the columns as the file names them, each with its hint
            value = value.replace("(write ", "(viết ").replace("(column ", "(cột ")
        elif name == "sheet":
            value = f" (việc nhập đọc trang tính đầu tiên của bảng tính, \"{match.group('title')}\")"
        elif name in _NESTED:
            value = to_vi(value)
            if value is None:
                return None
        values[name] = value
    return text.format(**values)


def to_vi(reason: str) -> str | None:
    """`reason` in Vietnamese, or None when no pattern knows it (the console then shows the English)."""
    for pattern, text in _WHOLE_RE:
        if match := pattern.fullmatch(reason):
            return _fill(text, match)
    prefixed = _FIELD_PREFIX.fullmatch(reason)
    if prefixed:
        name, message = prefixed.groups()
        for pattern, text in _FIELD_RE:
            if match := pattern.fullmatch(message):
                said = _fill(text, match)
                return None if said is None else f"{column(name)}: {said}"
    return None
