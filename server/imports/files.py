"""Reading interchange files (CONTRACT §4) as streams of rows: CSV here, the first sheet of an XLSX workbook in
server.imports.workbook.

Nothing here collects a file into a list: an import reads its file twice (check, then write), each time as a
stream, so memory stays flat however long the file is. Line numbers are the ones a person sees in a text
editor or a spreadsheet, header included, so a rejection can be found and fixed.
"""
from __future__ import annotations

import codecs
import csv
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator


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
    "unexpected end of data": "the file ends inside a quoted value: a quote is left open (a quote inside a value is "
                              "written twice: \"\")",
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
            raise _unreadable(line, error) from None

    def _first_row(self, reader) -> tuple[int, list[str]]:
        while (item := self._next(reader)) is not None:
            if any(cell.strip() for cell in item[1]):
                return item
        raise FileProblem(1, "the file is empty: a header row is required")

    @staticmethod
    def _rows(reader) -> Iterator[tuple[int, list[str]]]:
        # _next written out: this runs once a row, and the call and the generator of any() took a third of the
        # time of reading a row; a row with a first value is kept without looking further.
        while True:
            line = reader.line_num + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                raise _unreadable(line, error) from None
            if (cells and cells[0].strip()) or any(cell.strip() for cell in cells):
                yield line, cells


def _unreadable(line: int, error: csv.Error) -> FileProblem:
    said = next((words for key, words in _CSV_ERRORS.items() if key in str(error)), str(error))
    return FileProblem(line, f"the CSV cannot be read here: {said}")


def source_for(path: Path):
    """The reader for `path` by its extension; FileProblem for anything but .csv and .xlsx."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return CsvSource(path)
    if suffix == ".xlsx":
        from .workbook import XlsxSource  # openpyxl is imported only for a workbook
        return XlsxSource(path)
    raise FileProblem(0, "only .csv and .xlsx files can be imported")
