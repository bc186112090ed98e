"""One field catalogue (server/record_fields.py): the model agrees with it, and imports and the tablet's ingest
apply the same rules (birth-year range, phone characters, lengths) because both derive them from it."""
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import String, Text

from offline_queue.validation import validate_item
from server.imports.rows import parse_member, parse_registry, today
from server.models import Member, RegistryRecord
from server.record_fields import (FIELDS, ITEM_FIELDS, MAX_LENGTHS, MEMBER_COLUMNS, MIN_BIRTH_YEAR, PERSON_FIELDS,
                                  ROSTER_COLUMNS)

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2025, 8, 8, 7, 0, tzinfo=timezone.utc)


def test_model_column_lengths_agree_with_the_catalogue():
    checked = 0
    for field in FIELDS:
        for model, carries in ((Member, field.member_file), (RegistryRecord, field.registry_file)):
            column = model.__table__.columns.get(field.name)
            if not carries or column is None or not isinstance(column.type, String) or field.name == "gender":
                continue
            if isinstance(column.type, Text):  # unbounded in the table; the catalogue's bound is the only one
                assert field.max_length, field.name
                continue
            if field.name in MAX_LENGTHS:
                assert column.type.length == MAX_LENGTHS[field.name], (model.__name__, field.name)
                checked += 1
    assert checked >= 14


def test_derived_lists_follow_the_catalogue():
    assert MEMBER_COLUMNS[:3] == ("member_code", "unit_code", "full_name")
    assert PERSON_FIELDS == ("full_name", "date_of_birth", "gender", "citizen_id", "hometown")
    assert "unit_code" not in ROSTER_COLUMNS and "home_visit_note" in ROSTER_COLUMNS
    assert ITEM_FIELDS[-4:] == ("old_card_number", "phone", "ethnicity", "religion")


def test_no_second_copy_of_today_in_vietnam_or_the_province_codes():
    for folder in ("server", "api", "offline_queue"):
        for path in (ROOT / folder).rglob("*.py"):
            if path.name in ("record_fields.py", "citizen_id.py") or "migrations" in path.parts:
                continue
            text = path.read_text(encoding="utf-8")
            assert "hours=7" not in text, path
            assert not re.search(r'"001 002 004', text), path


def _item(**fields):
    person = {"full_name": "Nguyễn Văn An", "date_of_birth": "1960", "gender": "male", "citizen_id": "001060012345",
              "hometown": "Hà Nội", "permanent_address": "Số 1", "party_join_date": "1985-03-01",
              "party_official_date": "1986-03-01"} | fields
    item = {"client_id": "6f1c1d1e-3a0b-4c51-9d3e-0e5f3b2a1c4d", "captured_at": "2025-08-08T14:03:11+07:00",
            "location_kind": "station", "photo_sha256": "a" * 64, "consent": True, "fields": person}
    return [(e["field"], e["code"]) for e in validate_item(item, now=NOW, tolerance_seconds=600)[1]]


def _member_row(**values):
    row = {"member_code": "N1", "unit_code": "C1", "full_name": "Nguyễn Văn An", "date_of_birth": "1960",
           "gender": "male", "citizen_id": "", "hometown": "", "permanent_address": "", "party_join_date": "",
           "party_official_date": "", "priority": "", "needs_home_visit": ""} | values
    return parse_member(row, today(), {"C1": 1})[1]


@pytest.mark.parametrize("dob", ["1899", "1899-12-31"])
def test_a_birth_year_before_the_range_is_refused_by_imports_and_ingest_alike(dob):
    assert ("date_of_birth", "date_too_early") in _item(date_of_birth=dob, party_join_date="1930-01-01",
                                                        party_official_date="1931-01-01", citizen_id="001899012345")
    assert any(e.startswith(f"date_of_birth: is before {MIN_BIRTH_YEAR}") for e in _member_row(date_of_birth=dob))
    assert parse_registry({"citizen_id": "001899012345", "full_name": "A", "date_of_birth": dob, "gender": "male",
                           "hometown": "", "permanent_address": ""}, today())[1]
    assert ("date_of_birth", "date_too_early") not in _item(date_of_birth=str(MIN_BIRTH_YEAR))
    assert not _member_row(date_of_birth=str(MIN_BIRTH_YEAR))


def test_a_phone_with_letters_is_refused_by_imports_and_ingest_alike():
    assert ("phone", "invalid_phone") in _item(phone="09x 123")
    assert any(e.startswith("phone:") for e in _member_row(phone="09x 123"))
    assert _item(phone="+84 (0)912-345.678") == [] and _member_row(phone="+84 (0)912-345.678") == []


def test_lengths_come_from_the_catalogue_on_both_paths():
    limit = MAX_LENGTHS["ethnicity"]
    assert ("ethnicity", "too_long") in _item(ethnicity="K" * (limit + 1))
    assert _member_row(ethnicity="K" * (limit + 1)) == [f"ethnicity: is longer than {limit} characters"]
    assert _item(ethnicity="K" * limit) == [] and _member_row(ethnicity="K" * limit) == []
