"""PostgreSQL's COPY text format, for rows an import has already put in their stored form.

A members import hands most rows over as finished COPY lines (server.imports.fast_rows builds them from the
strings it has just checked, in the time psycopg would take to look at each value's type), and the few others as
tuples: `line` writes those in the same format, so one batch can be sent as one block of text. What a value
becomes is what PostgreSQL reads back as the same value: NULL as \\N, booleans as t/f, dates as YYYY-MM-DD, and in
text the backslash and the control characters COPY treats as row or column ends escaped.
"""
from __future__ import annotations

from datetime import date

NULL = "\\N"
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\b": "\\b", "\f": "\\f",
                          "\v": "\\v"})


def value(item) -> str:
    """One value as COPY text reads it back: text, integers, booleans, dates and NULL (anything else fails)."""
    if item is None:
        return NULL
    if isinstance(item, str):
        return item.translate(_ESCAPES)
    if isinstance(item, bool):
        return "t" if item else "f"
    if isinstance(item, int):
        return str(int(item))
    if isinstance(item, date):  # a datetime is a date too; the imports pass timestamps as text already
        return item.isoformat()
    raise TypeError(f"no COPY text form for {type(item).__name__}")


def line(values) -> str:
    return "\t".join(map(value, values)) + "\n"
