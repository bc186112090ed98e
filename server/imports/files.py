"""Reading interchange files (CONTRACT §4) as streams of rows: CSV, or the first sheet of an XLSX workbook.

Nothing here collects a file into a list: an import reads its file twice (check, then write), each time as a
stream, so memory stays flat however long the file is. Line numbers are the ones a person sees in a text
editor or a spreadsheet, header included, so a rejection can be found and fixed.
"""
from __future__ import annotations

import codecs
import csv
import re
import unicodedata
import zipfile
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Iterator

# Numbers a spreadsheet stored as numbers lose their leading zeros: put them back. IDs are 12 digits (every province
# code starts with 0, some with two); a number dialled inside Vietnam starts with one 0 (mobiles 10 digits in all,
# landlines 11), so a phone of 9 or 10 digits gets that 0 back.
_PAD_NUMERIC = {"citizen_id": 12}
_LOST_TRUNK_ZERO = {"phone": (9, 10)}


class FileProblem(Exception):
    """The file cannot be read past `line` (wrong type, not UTF-8, broken quoting, not a workbook)."""

    def __init__(self, line: int, reason: str):
        super().__init__(reason)
        self.line, self.reason = line, reason


@dataclass
class Sheet:
    """An open table: its header and a one-shot iterator of (line number, values as text)."""

    header_line: int
    columns: list[str]
    rows: Iterator[tuple[int, list[str]]]
    sheet: str | None = None  # a workbook's sheet that was read, by its name, for reasons about the header


# Characters a header cell can carry unseen (a BOM pasted from a text file, a zero-width space from a web page):
# kept, "member_code" would be an unknown column whose reason reads as the very name the format asks for.
_UNSEEN = dict.fromkeys(map(ord, "\ufeff\u200b\u200c\u200d\u2060"))


def _header(line: int, cells: list[str]) -> list[str]:
    columns = [unicodedata.normalize("NFC", cell.translate(_UNSEEN)).strip().lower() for cell in cells]
    while columns and not columns[-1]:
        columns.pop()
    if not columns:
        raise FileProblem(line, "the header row is empty")
    if "" in columns:
        raise FileProblem(line, f"column {columns.index('') + 1} of the header has no name (an empty cell, or "
                                "one of merged cells: every column needs its own name)")
    return columns


# What to do with a file saved in another character set or separated otherwise, in both tools' own words.
SAVE_AS_CSV = ("save it again as CSV UTF-8 (Excel: Save As, file type \"CSV UTF-8 (Comma delimited)\"; "
               "LibreOffice: Save As \"Text CSV\" with the character set \"Unicode (UTF-8)\")")
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an old .xls workbook, or an .xlsx locked with a password
LOCKED_OR_XLS = ("the file is an old .xls workbook or one protected with a password: open it, remove the password "
                 "(File, Info, Protect Workbook), and save it as Excel Workbook (.xlsx) or as CSV UTF-8")


def _refuse_other_formats(head: bytes) -> None:
    """A file named .csv that is something else says what it is (read as text, it would be "not UTF-8")."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FileProblem(1, "the file is UTF-16 text (Excel's \"Unicode Text\"): " + SAVE_AS_CSV)
    if head.startswith(b"PK\x03\x04"):
        raise FileProblem(1, "the file is an .xlsx workbook named .csv: name it .xlsx, or " + SAVE_AS_CSV)
    if head.startswith(_OLE):
        raise FileProblem(1, LOCKED_OR_XLS)


# The csv module's errors in the admin's words (it speaks to programmers: "universal-newline mode").
_CSV_ERRORS = {
    "new-line character seen in unquoted field": "its lines end with a lone carriage return (CR, an old Mac text "
                                                 "format); " + SAVE_AS_CSV,
    "expected after": "a quoted value goes on after its closing quote (a quote inside a value is written twice: \"\")",
    "field larger than field limit": "a value is longer than 131,072 characters (a quote left open?)",
}


class CsvSource:
    """A UTF-8 CSV file (a BOM is accepted), comma-separated, header row first. A file whose header row holds
    semicolons and no comma is read as separated by semicolons: Excel saves "CSV UTF-8" that way wherever the
    regional settings use the comma for decimals, Vietnam's among them, and refusing it would send an admin
    hunting for a setting when every value is there."""

    def __init__(self, path: Path):
        self.path = path

    @contextmanager
    def open(self):
        # Read 1 MiB at a time: every read from the disk lets go of the GIL, and with the default 8 KiB buffer the
        # reading thread did so every millisecond, which kept the import's writing thread from ever getting it
        # (a waiting thread asks the holder to let go only after 5 ms without a switch).
        with open(self.path, "rb", buffering=1 << 20) as handle:
            _refuse_other_formats(handle.peek(8)[:8])
            delimiter = self._delimiter(handle)
            reader = csv.reader(self._lines(handle), strict=True, delimiter=delimiter)
            header_line, header = self._first_row(reader)
            yield Sheet(header_line, _header(header_line, header), self._rows(reader))

    @staticmethod
    def _delimiter(handle) -> str:
        """"," unless the first line with anything on it has ";" and no ",". The handle is back at its start.
        One with tabs and neither is refused: Excel's "Text (Tab delimited)", which is not UTF-8 either."""
        try:
            for number, raw in enumerate(handle, start=1):
                if raw.strip(codecs.BOM_UTF8 + b" \t\r\n"):
                    if b"\t" in raw and b"," not in raw and b";" not in raw:
                        raise FileProblem(number, "the columns are separated by tabs, not commas: " + SAVE_AS_CSV)
                    return ";" if b";" in raw and b"," not in raw else ","
            return ","
        finally:
            handle.seek(0)

    @staticmethod
    def _lines(handle) -> Iterator[str]:
        """Decode line by line, so a byte that is not UTF-8 is reported on its own line."""
        for number, raw in enumerate(handle, start=1):
            if number == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8):]
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError:
                raise FileProblem(number, "the file is not UTF-8 text: " + SAVE_AS_CSV) from None

    @staticmethod
    def _next(reader) -> tuple[int, list[str]] | None:
        line = reader.line_num + 1  # where this record starts, even if a quoted value spans lines
        try:
            return line, next(reader)
        except StopIteration:
            return None
        except csv.Error as error:
            said = next((words for key, words in _CSV_ERRORS.items() if key in str(error)), str(error))
            raise FileProblem(line, f"the CSV cannot be read here: {said}") from None

    def _first_row(self, reader) -> tuple[int, list[str]]:
        while (item := self._next(reader)) is not None:
            if any(cell.strip() for cell in item[1]):
                return item
        raise FileProblem(1, "the file is empty: a header row is required")

    def _rows(self, reader) -> Iterator[tuple[int, list[str]]]:
        while (item := self._next(reader)) is not None:
            if any(cell.strip() for cell in item[1]):
                yield item


def _cell_text(value, column: str | None) -> str:
    """A spreadsheet cell as the text a CSV would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        text = str(value)
        width = _PAD_NUMERIC.get(column or "")
        if width and len(text) < width:
            return text.zfill(width)
        return "0" + text if len(text) in _LOST_TRUNK_ZERO.get(column or "", ()) else text
    return str(value)


# A number shown with leading zeros by its format ("00000000": how a spreadsheet keeps the zeros of a code typed
# as a number). Its value alone is 12345; read so, a member code 00012345 would come back a different member.
_ZERO_PADDED = re.compile(r"0{2,}")


def _shown(cell, column: str | None) -> str:
    """A cell's text as the sheet shows it (see _cell_text), its zero-padding format applied."""
    value = cell.value
    text = _cell_text(value, column)
    if value.__class__ is int or value.__class__ is float:
        fmt = cell.number_format
        if fmt and fmt[0] == "0" and len(text) < len(fmt) and text.isdigit() and _ZERO_PADDED.fullmatch(fmt):
            return text.zfill(len(fmt))
    return text


# A workbook is a zip, and a few kilobytes of it can declare gigabytes (a zip bomb) that openpyxl would hold in
# memory — one cell's text, or the whole shared-strings table — before the first row is seen; a CSV cannot do
# that (the csv module stops a field at 128 KiB). Real sheets expand 5 to 20 times, so a part that expands over
# MAX_EXPANSION times (past a first MiB) or a workbook over MAX_EXPANDED in all is refused unread. zipfile stops
# every part at its declared size (and fails its CRC past it), so a header that lies cannot get round this.
MAX_EXPANSION = 100
MAX_EXPANDED = 4 << 30


def _refuse_zip_bombs(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # not a zip at all: load_workbook says the file is not a workbook
    bomb = any(p.file_size > (1 << 20) and p.file_size > MAX_EXPANSION * max(p.compress_size, 1) for p in parts)
    if bomb or sum(p.file_size for p in parts) > MAX_EXPANDED:
        raise FileProblem(1, "the workbook unpacks to far more than the file holds (a damaged or hostile file); "
                             "save it again, or as CSV UTF-8")


# A formula cell whose result was never saved: <f> then no <v>, or an empty one in a cell not typed as text (Excel
# saves an empty text result as t="str" and <v></v>). Programs that write formulas without calculating them do this
# (scripts, some report exporters); read for its values the cell is empty: "is required", or an optional column
# silently left blank. Excel and LibreOffice always save the result.
_NO_RESULT = re.compile(rb"(?:</(?:\w+:)?f>|<(?:\w+:)?f\b[^>]*/>)\s*"
                        rb"(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>)?\s*</(?:\w+:)?c>")
_CELL_START = re.compile(rb"<(?:\w+:)?c\b[^>]*>")
_FORMULA_WINDOW = 1 << 15  # a formula's text is at most 8,192 characters (Excel's limit), a few bytes each


def _has_unsaved_result(data: bytes) -> bool:
    for match in _NO_RESULT.finditer(data):
        starts = _CELL_START.findall(data, max(0, match.start() - _FORMULA_WINDOW), match.start())
        if starts and b't="str"' not in starts[-1]:
            return True
    return False


def _check_first_sheet(workbook, sheet) -> None:
    """Refuse a first sheet the admin does not see (hidden behind the one they filled in) or whose formulas have
    no saved results; both would be read as something other than what the spreadsheet shows."""
    if sheet.sheet_state != "visible":
        raise FileProblem(1, f"the first sheet of the workbook (\"{sheet.title}\") is hidden, and the import reads "
                             "the first sheet: move the sheet with the data to the first place, or delete the hidden one")
    tail = b""
    try:
        with workbook._archive.open(sheet._worksheet_path) as part:  # openpyxl's own handles on the sheet's XML
            while chunk := part.read(1 << 20):
                if _has_unsaved_result(tail + chunk):
                    raise FileProblem(1, "the first sheet holds formulas whose results were never saved (the program "
                                         "that wrote the file does not calculate them): open the file in Excel or "
                                         "LibreOffice and save it again, or replace the formulas by their values")
                tail = chunk[-_FORMULA_WINDOW:]
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError):
        raise FileProblem(1, DAMAGED) from None


DAMAGED = ("the workbook is damaged from here on (its XML or its compression is broken): open it in Excel or "
           "LibreOffice and save it again, or save it as CSV UTF-8")


def _undamaged(rows):
    """The sheet's (line, cells), a damaged part (cut short, a broken byte) refused at the line it breaks on instead
    of escaping as a parser's error (a traceback, a failed job)."""
    line = 0
    while True:
        try:
            line, cells = next(rows)
        except StopIteration:
            return
        except Exception:  # noqa: BLE001 - ElementTree, zipfile and zlib each raise their own
            raise FileProblem(line + 1, DAMAGED) from None
        yield line, cells


def _unreadable_workbook(path: Path) -> str:
    """Why openpyxl could not open `path`, where the file says so: a locked or old workbook, or Excel's "Strict Open
    XML" (other XML names for the same parts), which openpyxl does not read."""
    with open(path, "rb") as handle:
        if handle.read(8) == _OLE:
            return LOCKED_OR_XLS
    try:
        with zipfile.ZipFile(path) as archive, archive.open("_rels/.rels") as rels:
            strict = b"purl.oclc.org/ooxml" in rels.read(1 << 16)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        strict = False
    if strict:
        return ("the workbook is saved as \"Strict Open XML Spreadsheet\": save it again as \"Excel Workbook "
                "(.xlsx)\", or as CSV UTF-8")
    return ("the file is not a readable .xlsx workbook: open it in Excel or LibreOffice and save it again as "
            "\"Excel Workbook (.xlsx)\", or as CSV UTF-8")


class XlsxSource:
    """The first sheet of an .xlsx workbook, read in openpyxl's streaming (read-only) mode."""

    def __init__(self, path: Path):
        self.path = path

    @contextmanager
    def open(self):
        from openpyxl import load_workbook
        _refuse_zip_bombs(self.path)
        try:
            workbook = load_workbook(self.path, read_only=True, data_only=True)
            sheet = workbook.worksheets[0]
        except Exception:  # openpyxl raises many types for a file that is not a workbook
            raise FileProblem(1, _unreadable_workbook(self.path)) from None
        try:
            _check_first_sheet(workbook, sheet)
            # The rows the sheet has, not the range its <dimension> claims: a writer that leaves it stale ("A1", or
            # the size of an earlier draft) would otherwise have rows or columns past it dropped without a word.
            sheet.reset_dimensions()
            # Cells, not bare values: a number's format says how the sheet shows it (about 5% slower to read).
            rows = _undamaged(enumerate(sheet.iter_rows(min_row=1), start=1))
            for line, cells in rows:
                if any(cell.value not in (None, "") for cell in cells):
                    columns = _header(line, [_cell_text(cell.value, None) for cell in cells])
                    yield Sheet(line, columns, self._rows(rows, columns), sheet.title)
                    return
            raise FileProblem(1, "the first sheet is empty: a header row is required")
        finally:
            workbook.close()

    @staticmethod
    def _rows(rows, columns) -> Iterator[tuple[int, list[str]]]:
        width = len(columns)
        for line, cells in rows:
            values = [_shown(cell, columns[i] if i < width else None) for i, cell in enumerate(cells)]
            while len(values) > len(columns) and not values[-1].strip():
                values.pop()  # sheets report a rectangle wider than the header
            if any(value.strip() for value in values):
                yield line, values


def source_for(path: Path):
    """The reader for `path` by its extension; FileProblem for anything but .csv and .xlsx."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return CsvSource(path)
    if suffix == ".xlsx":
        return XlsxSource(path)
    raise FileProblem(0, "only .csv and .xlsx files can be imported")
