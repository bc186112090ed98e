"""A members file's ordinary row, checked in one step: the same record parse_member makes, or None to ask it.

Nearly every row of a real file is good, and parse_member spends most of its time on the machinery that words
reasons (a Row object, a method call per field, a dict of the row's values). `member_reader` returns a function
for one file's header that takes the row's values as read and either returns exactly the record parse_member would
return with no reason and no warning, or None: whenever anything is unusual (a value that is not printable or not
NFC, a missing or extra value, a "?", an unknown choice, a date or citizen ID that needs a reason or a warning, a
phone missing its 0) the caller asks parse_member, which says why. So no reason, warning or stored value can differ
(tests/test_import_fast_rows.py runs both over every row the import tests use). Dates and years of birth repeat
across a file: each distinct text is checked once by the Row methods themselves and only the good ones are kept,
which bounds the cache by the days since 1900.
"""
from __future__ import annotations

from datetime import date
from unicodedata import is_normalized, normalize

from ..citizen_id import check_citizen_id
from ..record_fields import BY_NAME, MAX_LENGTHS, MEMBER_COLUMNS, MEMBER_OPTIONAL
from .hints import LOST_LETTERS
from .copy_text import NULL
from .rows import _PHONE, Row, name_key


HEADS_KEPT = 1 << 14  # beginnings of citizen IDs remembered as good: a province's file has a few hundred


def member_reader(columns: list[str], today: date, cells: dict[str, int | str], copy_text: bool = False):
    """The one-step check for rows under the header `columns` (a members file's, already checked): None, or
    (record, text), text being with `copy_text` the record's values in its own order as a line of PostgreSQL's
    COPY text format without its end (server.imports.copy_text), else (or if a value would need escaping) None."""
    at = {name: i for i, name in enumerate(columns)}
    if any(name not in at for name in MEMBER_COLUMNS):
        return None
    width = len(columns)
    (code_at, unit_at, name_at, born_at, gender_at, id_at, home_at, address_at, joined_at, official_at,
     priority_at, visit_at) = (at[name] for name in MEMBER_COLUMNS)
    optional = [(name, at[name], MAX_LENGTHS[name], name in LOST_LETTERS) for name in MEMBER_OPTIONAL if name in at]
    code_max, unit_max, name_max, home_max, address_max = (MAX_LENGTHS[name] for name in (
        "member_code", "unit_code", "full_name", "hometown", "permanent_address"))
    genders = BY_NAME["gender"].choices
    priorities = BY_NAME["priority"].choices
    visits = BY_NAME["needs_home_visit"].choices
    births: dict[str, tuple] = {}  # text → (value, year, earliest day, the year as text) of a good date_of_birth
    days: dict[str, tuple] = {}  # text → (the day, as text) of a good party date
    cell_ids = {code: str(unit) for code, unit in cells.items() if unit.__class__ is int}
    texts = {code_at, unit_at, name_at, home_at, address_at, *(i for _, i, _, _ in optional)}  # read by Row.text
    good_heads = set()  # (first six digits of a citizen ID, gender, year of birth) that check_citizen_id passed

    def birth(text: str):
        row = Row({"date_of_birth": text}, today)
        found = row.birth_date()
        if row.errors or row.warnings:
            return None
        births[text] = found = (*found, str(found[1]))
        return found

    def day(text: str):
        row = Row({"party_join_date": text}, today)
        found = row.date("party_join_date")
        if row.errors or row.warnings or found is None:
            return None
        days[text] = found = (found, found.isoformat())
        return found

    def read(values: list[str]) -> dict | None:
        if len(values) != width:
            return None
        joined_row = ",".join(values)
        # Every value printable (else text() cleans it, and may refuse it) and NFC: a comma composes with nothing,
        # so the joined text is NFC exactly when each value is. Text typed as decomposed characters is made NFC
        # as text() makes it; a value read otherwise (a date, a choice) must be NFC already.
        if not joined_row.isprintable():
            return None
        if not (joined_row.isascii() or is_normalized("NFC", joined_row)):
            values = [normalize("NFC", value) if i in texts else value for i, value in enumerate(values)]
            if not is_normalized("NFC", ",".join(values)):
                return None
        # Printable text holds no whitespace but the space, so a value with no space at either end and no two
        # together is already collapsed (two look-ups in C instead of a split and a join): the usual case.
        code, unit_code, full_name = values[code_at], values[unit_at], values[name_at]
        if "  " in code or code.strip(" ") is not code:
            code = " ".join(code.split())
        if "  " in unit_code or unit_code.strip(" ") is not unit_code:
            unit_code = " ".join(unit_code.split())
        if "  " in full_name or full_name.strip(" ") is not full_name:
            full_name = " ".join(full_name.split())
        if not code or not unit_code or not full_name or len(code) > code_max or len(unit_code) > unit_max \
                or len(full_name) > name_max:
            return None
        unit = cells.get(unit_code)
        if unit.__class__ is not int:
            return None
        key = name_key(full_name)
        if len(key) > 255:
            return None
        text = values[born_at].strip()
        found = births.get(text) or birth(text)
        if found is None:
            return None
        dob, year, born, year_text = found
        gender = values[gender_at].strip().lower()
        if gender not in genders:
            return None
        citizen_id = values[id_at].strip() or None
        if citizen_id is not None:
            # 12 ASCII digits (check_citizen_id's format), then what the first six say of province, gender and
            # year: check_citizen_id's answer, asked once for each such beginning with this gender and year.
            if len(citizen_id) != 12 or not citizen_id.isascii() or not citizen_id.isdigit():
                return None
            head = (citizen_id[:6], gender, year)
            if head not in good_heads:
                if check_citizen_id(citizen_id, gender, year):
                    return None
                if len(good_heads) < HEADS_KEPT:
                    good_heads.add(head)
        hometown, address = values[home_at], values[address_at]
        if "  " in hometown or hometown.strip(" ") is not hometown:
            hometown = " ".join(hometown.split())
        if "  " in address or address.strip(" ") is not address:
            address = " ".join(address.split())
        if len(hometown) > home_max or len(address) > address_max or "?" in full_name or "?" in hometown \
                or "?" in address:
            return None
        text = values[joined_at].strip()
        if text:
            found = days.get(text) or day(text)
            if found is None or found[0] < born:
                return None
            joined, joined_text = found
        else:
            joined, joined_text = None, NULL
        text = values[official_at].strip()
        if text:
            found = days.get(text) or day(text)
            if found is None or found[0] < born or (joined is not None and found[0] < joined):
                return None
            official, official_text = found
        else:
            official, official_text = None, NULL
        priority = values[priority_at].strip().lower() or "standard"
        visit = values[visit_at].strip().lower() or "no"
        if priority not in priorities or visit not in visits:
            return None
        record = {"member_code": code, "unit_id": unit, "full_name": full_name, "name_key": key,
                  "date_of_birth": dob, "birth_year": year, "gender": gender, "citizen_id": citizen_id,
                  "hometown": hometown, "permanent_address": address, "party_join_date": joined,
                  "party_official_date": official, "priority": priority, "needs_home_visit": visit == "yes"}
        optional_texts = []  # the optional values as COPY text
        for name, i, limit, lost in optional:
            value = values[i]
            if "  " in value or value.strip(" ") is not value:
                value = " ".join(value.split())
            if len(value) > limit or (lost and "?" in value):
                return None
            if value:
                record[name] = value
                optional_texts.append(value)
            else:
                record[name] = None
                optional_texts.append(NULL)
        phone = record.get("phone")
        if phone and (not _PHONE.fullmatch(phone) or (phone[0] != "0" and len(phone) in (9, 10)
                                                      and phone.isdigit())):
            return None
        if not copy_text:
            return record, None
        if "\\" in joined_row:  # COPY would need it escaped: copy_text.line does that for the few such rows
            return record, None
        # The record's values in its order (tests/test_import_fast_rows.py holds it to copy_text.line(record)).
        text = "\t".join((code, cell_ids[unit_code], full_name, key, dob, year_text, gender, citizen_id or NULL,
                          hometown, address, joined_text, official_text, priority, "t" if visit == "yes" else "f",
                          *optional_texts))
        return record, text

    return read
