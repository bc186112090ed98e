"""The first sheet of an .xlsx workbook as a stream of rows (server.imports.files has the CSV side and what both
share): each cell as the text the sheet shows, and a workbook that would be read as something other than what the
admin sees (hidden, formulas never calculated, damaged, a zip bomb) refused with what to do.
"""
from __future__ import annotations

import re
import zipfile
import zlib
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Iterator

from .files import _OLE, LOCKED_OR_XLS, FileProblem, Sheet, _header

# Numbers a spreadsheet stored as numbers lose their leading zeros: put them back. IDs are 12 digits (every province
# code starts with 0, some with two); a number dialled inside Vietnam starts with one 0 (mobiles 10 digits in all,
# landlines 11), so a phone of 9 or 10 digits gets that 0 back.
_PAD_NUMERIC = {"citizen_id": 12}
_LOST_TRUNK_ZERO = {"phone": (9, 10)}


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


# A row hidden by a filter, by Hide or in a collapsed group: <row r="57" hidden="1">, or given no height (ht="0").
# The admin filtered the sheet to the rows they meant to load, or hid the ones they did not, and sees only the
# others; a reader of values sees every row.
_ROW_ATTRIBUTES = re.compile(rb"<(?:\w+:)?row\b([^>]*)>")
_HIDDEN_ATTR = re.compile(rb"""\bhidden=(["'])(?:1|true)\1|\bht=(["'])0*\.?0*\2""")
_HIDDEN_HINTS = (b"hidden=", b'ht="0', b"ht='0", b'ht=".', b"ht='.")
_ROW_NUMBER = re.compile(rb"""\br=(["'])([0-9]+)\1""")
HIDDEN_ROW = ("this row is hidden in the workbook (by a filter, Hide or a collapsed group) and the import would read "
              "it like any other: show every row (Data > Clear filter, or select all rows > Unhide), delete the rows "
              "that are not to be imported, save and import again")


def _last_number(data: bytes) -> int | None:
    """The number the last row tag in `data` says it has; None if it says none, or there is no row tag."""
    end = len(data)
    while (found := max(data.rfind(b"<row", 0, end), data.rfind(b":row", 0, end))) >= 0:
        tag = _ROW_ATTRIBUTES.match(data, data.rfind(b"<", 0, found + 1))  # "<x:row": back to its "<"
        if tag:
            number = _ROW_NUMBER.search(tag.group(1))
            return int(number.group(2)) if number else None
        end = found  # <rowBreaks>, </x:row>, an attribute's ":row…": further back
    return None


class _HiddenRows:
    """The numbers of the rows a sheet's XML hides, fed chunk by chunk. A row tag without r= is the row after the one
    before it, as openpyxl counts them; a tag cut by a chunk's end is read whole with the next chunk."""

    def __init__(self):
        self.rows: set[int] = set()
        self._last = 0  # the number of the last row tag read
        self._rest = b""

    def feed(self, chunk: bytes) -> None:
        data = self._rest + chunk
        cut = data.rfind(b"<")
        if cut >= 0 and data.find(b">", cut) < 0:
            data, self._rest = data[:cut], data[cut:]
        else:
            self._rest = b""
        hinted = any(hint in data for hint in _HIDDEN_HINTS)
        if not hinted and (number := _last_number(data)) is not None:
            self._last = number  # nothing hidden here, and the last row says its number: no row to count
            return
        tags = _ROW_ATTRIBUTES.findall(data)
        if not tags:
            return
        if hinted:
            for index, attributes in enumerate(tags):
                if any(hint in attributes for hint in _HIDDEN_HINTS) and _HIDDEN_ATTR.search(attributes):
                    self.rows.add(self._number(tags, index))
        self._last = self._number(tags, len(tags) - 1)

    def _number(self, tags: list[bytes], index: int) -> int:
        for back in range(index, -1, -1):  # the nearest row at or before it that says its number
            if found := _ROW_NUMBER.search(tags[back]):
                return int(found.group(2)) + index - back
        return self._last + index + 1


def _check_first_sheet(workbook, sheet) -> set[int]:
    """Refuse a first sheet the admin does not see (hidden behind the one they filled in) or whose formulas have
    no saved results; both would be read as something other than what the spreadsheet shows. Returns the numbers
    of the sheet's hidden rows (refused by XlsxSource if they hold data)."""
    if sheet.sheet_state != "visible":
        raise FileProblem(1, f"the first sheet of the workbook (\"{sheet.title}\") is hidden, and the import reads "
                             "the first sheet: move the sheet with the data to the first place, or delete the "
                             "hidden one")
    tail, hidden = b"", _HiddenRows()
    try:
        with workbook._archive.open(sheet._worksheet_path) as part:  # openpyxl's own handles on the sheet's XML
            while chunk := part.read(1 << 20):
                hidden.feed(chunk)
                data = tail + chunk  # the tail again: a formula cut by the chunk's end is whole here
                if _has_unsaved_result(data):
                    raise FileProblem(1, "the first sheet holds formulas whose results were never saved (the program "
                                         "that wrote the file does not calculate them): open the file in Excel or "
                                         "LibreOffice and save it again, or replace the formulas by their values")
                tail = chunk[-_FORMULA_WINDOW:]
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError):
        raise FileProblem(1, DAMAGED) from None
    return hidden.rows


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
            hidden = _check_first_sheet(workbook, sheet)
            # The rows the sheet has, not the range its <dimension> claims: a writer that leaves it stale ("A1", or
            # the size of an earlier draft) would otherwise have rows or columns past it dropped without a word.
            sheet.reset_dimensions()
            # Cells, not bare values: a number's format says how the sheet shows it (about 5% slower to read).
            rows = _undamaged(enumerate(sheet.iter_rows(min_row=1), start=1))
            for line, cells in rows:
                if any(cell.value not in (None, "") for cell in cells):
                    columns = _header(line, [_cell_text(cell.value, None) for cell in cells])
                    yield Sheet(line, columns, self._rows(rows, columns, hidden), sheet.title)
                    return
            raise FileProblem(1, "the first sheet is empty: a header row is required")
        finally:
            workbook.close()

    @staticmethod
    def _rows(rows, columns, hidden: set[int]) -> Iterator[tuple[int, list[str]]]:
        width = len(columns)
        for line, cells in rows:
            values = [_shown(cell, columns[i] if i < width else None) for i, cell in enumerate(cells)]
            while len(values) > len(columns) and not values[-1].strip():
                values.pop()  # sheets report a rectangle wider than the header
            if any(value.strip() for value in values):
                if line in hidden:
                    raise FileProblem(line, HIDDEN_ROW)
                yield line, values
