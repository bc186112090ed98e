"""Spreadsheet cells that carry data, never code: the one place every XLSX writer makes its cells.

A name, an address or a note typed in the field can begin with `=`, `+`, `-`, `@`, a tab or a carriage
return. openpyxl stores a string that begins with `=` as a formula, and a spreadsheet program that
re-reads a cell (after an edit, or a save as CSV) turns the others into formulas too — formula
injection (`=HYPERLINK(...)` leaking data, `=cmd|...` running programs). Every text cell is therefore
written as a string, and one that begins with such a character also carries Excel's quote prefix, so it
stays text even when someone edits it. The value itself is never changed: the list prints what was typed.
"""
from __future__ import annotations

import re

from openpyxl.cell import WriteOnlyCell

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Excel refuses these in a sheet's name (openpyxl raises ValueError), and a name may not start or end with "'".
_NOT_IN_TITLE = re.compile(r"[\\/*?:\[\]\x00-\x1f]")


def sheet_title(text: str) -> str:
    """A sheet name Excel accepts made from imported text (a unit code may hold "/" or ":"): 31 characters."""
    return _NOT_IN_TITLE.sub("_", text)[:31].strip("'") or "_"


def is_formula_like(value) -> bool:
    """True for text that a spreadsheet program would take for a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def text_cell(ws, value, *, font=None, border=None, alignment=None) -> WriteOnlyCell:
    """A write-only cell for `ws` holding `value`; text is always stored as text, never as a formula.

    Numbers and dates keep their type; None stays an empty cell."""
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl made "=..." a formula ("f") when the value was set
        if is_formula_like(value):
            cell.quotePrefix = True
    if font is not None:
        cell.font = font
    if border is not None:
        cell.border = border
    if alignment is not None:
        cell.alignment = alignment
    return cell
