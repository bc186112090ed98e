"""Checking one row of an interchange file (CONTRACT §4) and turning it into column values. No database here.

A check returns the values to store, the reasons the row is refused, and warnings about a row that is stored all
the same, each as "field: what is wrong" lines an operator can act on. A citizen ID whose digits contradict the
same row's gender or birth year is a warning, not a refusal (CONTRACT §1): the registry is the authority on its own
records, and a party record that disagrees with itself is what the pre-collection check brings to the officer. Reasons never quote names, dates of birth or citizen IDs: an import summary gets pasted
into tickets and chats.
"""
from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from unicodedata import is_normalized

from ..citizen_id import check_citizen_id
from ..models import UNIT_KINDS
from ..record_fields import (BY_NAME, MAX_LENGTHS, MEMBER_COLUMNS, MEMBER_OPTIONAL, MIN_BIRTH_YEAR, PHONE_CHARACTERS,
                             REGISTRY_COLUMNS, today_in_vietnam)
from ..text import INVISIBLE_CHARACTERS, clean_text, visible_text
from ..text import name_key as _name_key
from . import hints

UNIT_COLUMNS = ("code", "name", "kind", "parent_code")
QUOTED = 40  # characters of a value quoted in a reason: enough to find it, while a cell holds up to 32,767


def quoted(value: str) -> str:
    """A file's value as a reason quotes it: cut to QUOTED characters with "…" (the report keeps a reason for each
    of up to a thousand rows, in English and Vietnamese; a whole long cell in each would make it megabytes)."""
    return value if len(value) <= QUOTED else value[:QUOTED] + "…"


COLUMNS = {"units": (UNIT_COLUMNS, ()), "members": (MEMBER_COLUMNS, MEMBER_OPTIONAL),
           "registry": (REGISTRY_COLUMNS, ())}
COLUMNS["cards"] = (("card_number", "member_code", "batch_code"), ("printed_on",))  # CONTRACT §4; server.cards

_FULL_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_YEAR = re.compile(r"[0-9]{4}")
_PHONE = re.compile(PHONE_CHARACTERS)
# Control characters that survive collapsing whitespace, and the bidirectional embeddings, overrides and isolates:
# U+202E shows "C0001" as "1000C" on every tablet and sheet (JSON bodies refuse them too, api.schemas).
_CONTROLS = "\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
_CONTROL = re.compile(f"[{_CONTROLS}]")
_ODD = re.compile(f"[{_CONTROLS}{INVISIBLE_CHARACTERS}]")  # either kind: one search for the common clean value
_ID_REASONS = {
    "citizen_id_format": "must be exactly 12 digits 0-9",
    "citizen_id_province": "the first 3 digits are not a province code",
    "citizen_id_gender": "digit 4 (gender and century) contradicts gender",
    "citizen_id_birth_year": "digits 4-6 (century and year of birth) contradict date_of_birth",
}
# Checks of the ID against the row's other fields: stored and reported, never refused.
_ID_WARNINGS = frozenset({"citizen_id_gender", "citizen_id_birth_year"})


# Names repeat a great deal (a few surnames, middle and given names); the cache is bounded, so memory stays flat.
name_key = lru_cache(maxsize=65536)(_name_key)


def article(word: str) -> str:
    """"a grassroots", "an affiliated": for reasons that read as sentences."""
    return f"{'an' if word[:1] in 'aeiou' else 'a'} {word}"


today = today_in_vietnam  # where the dates in these files were written


def _letter(index: int) -> str:
    """A spreadsheet's name for the column at 0-based `index` (A, Z, AA): where to look for a hidden column."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def check_header(kind: str, columns: list[str], sheet: str | None = None) -> list[str]:
    """Reasons the header row is refused: a repeated, unknown or missing column. `sheet`: the workbook sheet read."""
    required, optional = COLUMNS[kind]
    known = required + optional
    reasons = [f"column {name} appears twice" for i, name in enumerate(columns) if name in columns[:i]]
    if not any(name in known for name in columns):
        # A title row above the header, or the columns named as a person would (in Vietnamese, say): the list of
        # unknown names alone does not say which.
        reasons.append(f"this row names none of the columns of a {kind} file: the first row of the file must be the "
                       "header, naming each column exactly as the import format does; delete any title rows above "
                       "it and rename columns titled in words" + (
                           f" (the import reads the workbook's first sheet, \"{sheet}\")" if sheet else ""))
    unknown = [(i, name) for i, name in enumerate(columns) if name not in known]
    if unknown:
        # The column's letter too in a workbook, where an unknown column may be one the admin hid.
        named = [(f"{name} (write {name.replace(' ', '_')})" if name.replace(" ", "_") in known else quoted(name))
                 + (f" (column {_letter(i)})" if sheet else "") for i, name in unknown]
        reasons.append(f"unknown column(s) {', '.join(named)}; a {kind} file has only {', '.join(known)}")
    missing = [name for name in required if name not in columns]
    if missing:
        reasons.append(f"missing column(s) {', '.join(missing)}")
    return reasons


def row_values(columns: list[str], values: list[str]) -> tuple[dict[str, str], list[str]]:
    """Values by column name; a value past the last named column is refused (an unquoted comma, usually)."""
    if len(values) > len(columns) and any(value.strip() for value in values[len(columns):]):
        return {}, [f"the row has {len(values)} values but the header names {len(columns)} columns "
                    "(is a value with a comma missing its quotes?)"]
    return dict(zip(columns, values + [""] * (len(columns) - len(values)))), []


class Row:
    """One row's values by column name, the reasons it is refused so far, and its warnings."""

    def __init__(self, values: dict[str, str], today: date):
        self.values, self.today, self.errors, self.warnings = values, today, [], []

    def fail(self, field: str, message: str) -> None:
        self.errors.append(f"{field}: {message}")

    def warn(self, field: str, message: str) -> None:
        self.warnings.append(f"{field}: {message}")

    def text(self, field: str, limit: int | None = None, required: bool = False) -> str:
        limit = limit or MAX_LENGTHS[field]
        value = self.values.get(field, "")
        if value.isprintable() and (value.isascii() or is_normalized("NFC", value)):
            # Nearly every value: already NFC, and printable means no control, invisible or non-ASCII space
            # characters, so clean_text could only collapse ASCII spaces (a fifth of the cost of the full path).
            if value and (value[0] == " " or value[-1] == " " or "  " in value):
                value = " ".join(value.split())
            if not value:
                if required:
                    self.fail(field, "is required")
            elif len(value) > limit:
                self.fail(field, f"is longer than {limit} characters")
            return value
        value = clean_text(value)
        if _ODD.search(value):
            value = visible_text(value)
        if required and not value:
            self.fail(field, "is required")
        elif len(value) > limit:
            self.fail(field, f"is longer than {limit} characters")
        elif _CONTROL.search(value):
            self.fail(field, "contains control characters")
        return value

    def lost_letters(self, **values: str | None) -> None:
        """Refuse a name or place with "?" inside a word (hints.LOST_LETTER); asked only when a "?" is there."""
        for field, value in values.items():
            if value and hints.LOST_LETTER.search(value):
                self.fail(field, hints.LOST_LETTER_REASON)

    def choice(self, field: str, options, default: str | None = None) -> str | None:
        value = self.values.get(field, "").strip().lower()
        if not value and default is not None:
            return default
        if value not in options:
            self.fail(field, ("is required: " if not value else "must be ") + " or ".join(options))
            return None
        return value

    def date(self, field: str, required: bool = False) -> date | None:
        """A YYYY-MM-DD date, not in the future."""
        value = self.values.get(field, "").strip()
        if not value:
            if required:
                self.fail(field, "is required")
            return None
        try:
            parsed = date.fromisoformat(value) if _FULL_DATE.fullmatch(value) else None
        except ValueError:
            parsed = None
        if parsed is None:
            self.fail(field, "is not a date (YYYY-MM-DD)" + next(
                (hint for pattern, hint in hints.DATE_HINTS if pattern.fullmatch(value)), ""))
        elif parsed > self.today:
            self.fail(field, "is in the future")
            return None
        elif parsed <= hints.YEAR_AS_DAY_END and parsed >= hints.YEAR_AS_DAY_START:
            self.fail(field, "is a day of 1905, which is how a spreadsheet shows a year typed into a cell formatted "
                             "as a date: format the column as General or Text and type the year again")
            return None
        return parsed

    def birth_date(self) -> tuple[str, int | None, date | None]:
        """date_of_birth as given ("YYYY-MM-DD" or "YYYY"), its year, and its earliest possible day."""
        value = self.values.get("date_of_birth", "").strip()
        if not value:
            self.fail("date_of_birth", "is required")
            return value, None, None
        if not _YEAR.fullmatch(value):
            earliest = self.date("date_of_birth")
            if earliest is None:
                return value, None, None
        elif int(value) > self.today.year:
            self.fail("date_of_birth", "is in the future")
            return value, None, None
        else:
            earliest = date(max(int(value), 1), 1, 1)
        if earliest.year < MIN_BIRTH_YEAR:
            self.fail("date_of_birth", f"is before {MIN_BIRTH_YEAR}")
            return value, None, None
        return value, earliest.year, earliest

    def citizen_id(self, gender: str | None, birth_year: int | None, required: bool) -> str | None:
        value = self.values.get("citizen_id", "").strip()
        if not value:
            if required:
                self.fail("citizen_id", "is required")
            return None
        for code in check_citizen_id(value, gender, birth_year):
            reason = _ID_REASONS.get(code, code)
            if code == "citizen_id_format" and hints.ID_AS_NUMBER.fullmatch(value):
                reason += hints.AS_NUMBER.format(zeros="0" * 12)
            (self.warn if code in _ID_WARNINGS else self.fail)("citizen_id", reason)
        return value


def _person(row: Row, citizen_id_required: bool) -> tuple[dict, date | None]:
    """The fields members and registry records share, and the earliest possible birthday."""
    full_name = row.text("full_name", required=True)
    key = name_key(full_name)
    if len(key) > 255:
        row.fail("full_name", "is too long")
    dob, year, born = row.birth_date()
    gender = row.choice("gender", BY_NAME["gender"].choices)
    citizen_id = row.citizen_id(gender, year, citizen_id_required)
    hometown, address = row.text("hometown"), row.text("permanent_address")
    if "?" in full_name or "?" in hometown or "?" in address:
        row.lost_letters(full_name=full_name, hometown=hometown, permanent_address=address)
    return {"full_name": full_name, "name_key": key, "date_of_birth": dob, "birth_year": year, "gender": gender,
            "citizen_id": citizen_id, "hometown": hometown, "permanent_address": address}, born


def parse_registry(values: dict[str, str], today: date) -> tuple[dict, list[str], list[str]]:
    """A registry row: every person field; the citizen ID is required. Returns (record, errors, warnings)."""
    row = Row(values, today)
    return _person(row, citizen_id_required=True)[0], row.errors, row.warnings


def parse_member(values: dict[str, str], today: date,
                 cells: dict[str, int | str]) -> tuple[dict, list[str], list[str]]:
    """A members row: (record, errors, warnings). `cells` maps a unit code to its id if it is a cell, else its kind."""
    row = Row(values, today)
    record = {"member_code": row.text("member_code", required=True)}
    unit_code = row.text("unit_code", required=True)
    unit = cells.get(unit_code)
    if unit_code and unit is None:
        row.fail("unit_code", f"no unit has the code {quoted(unit_code)}")
    elif isinstance(unit, str):
        row.fail("unit_code", f"{quoted(unit_code)} is {article(unit)} unit; members belong to a cell")
    record["unit_id"] = unit if isinstance(unit, int) else None
    person, born = _person(row, citizen_id_required=False)
    record.update(person)
    joined, official = row.date("party_join_date"), row.date("party_official_date")
    for field, when in (("party_join_date", joined), ("party_official_date", official)):
        if when and born and when < born:
            row.fail(field, "is before date_of_birth")
    if joined and official and official < joined:
        row.fail("party_official_date", "is before party_join_date")
    record.update(party_join_date=joined, party_official_date=official,
                  priority=row.choice("priority", BY_NAME["priority"].choices, default="standard"),
                  needs_home_visit=row.choice("needs_home_visit", BY_NAME["needs_home_visit"].choices,
                                              default="no") == "yes")
    for field in MEMBER_OPTIONAL:
        if field in values:
            record[field] = value = row.text(field) or None
            if value and "?" in value and field in hints.LOST_LETTERS:
                row.lost_letters(**{field: value})
    phone = record.get("phone")
    if phone and not _PHONE.fullmatch(phone):
        row.fail("phone", "may hold only digits, spaces and + - . ( )")
    elif phone and phone[0] != "0" and len(phone) in (9, 10) and phone.isdigit():
        # Every number dialled inside Vietnam starts with 0, and mobiles and landlines then have 10 or 11 digits: the
        # lost 0 is certain, so it is put back (as for a workbook's number cell) and the row stored with a warning.
        record["phone"] = "0" + phone
        row.warn("phone", hints.PHONE_AS_NUMBER)
    return record, row.errors, row.warnings


def parse_unit(values: dict[str, str]) -> tuple[dict, list[str]]:
    """A units row; whether its parent exists and has the right kind is the caller's check."""
    row = Row(values, date.max)
    code = row.text("code", 64, required=True)
    if any(char.isspace() for char in code):
        row.fail("code", "may not contain spaces")
    record = {"code": code, "name": row.text("name", 255, required=True), "kind": row.choice("kind", UNIT_KINDS),
              "parent_code": row.text("parent_code", 64) or None}
    if "?" in record["name"]:
        row.lost_letters(name=record["name"])
    if record["kind"] == "province" and record["parent_code"]:
        row.fail("parent_code", "must be empty for a province")
    elif record["kind"] not in (None, "province") and not record["parent_code"]:
        row.fail("parent_code", f"is required for {article(record['kind'])} unit")
    return record, row.errors
