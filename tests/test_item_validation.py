"""Item validation through the endpoint: a table of bad (and nearly bad) items, each with its outcome and
code, never a 500. Validation does not depend on the database, so this table runs on SQLite only; the
inputs a database could choke on run on both backends in test_sync_submissions.py."""
import json
import unicodedata
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from offline_queue.canonical import canonical_json, content_hash
from server.extensions import db
from server.models import RejectedPayload, Submission, Visit
from tests.sync_support import item, post_items, stored_photo

DROP = object()  # a key to remove from the item
NOW = datetime.now(timezone.utc)
NEXT_YEAR = str(NOW.year + 1)


@pytest.fixture
def app(sqlite_app):
    return sqlite_app


@pytest.fixture
def ctx(login_as, members):
    """What the table's callables need: ids in and out of scope, a stored photo, a signed-in officer."""
    foreign_visit = Visit(member_id=members["m3"].id, kind="home")
    db.session.add(foreign_visit)
    db.session.commit()
    return {"officer": login_as("officer", "C1"), "photo": stored_photo(), "m1": members["m1"].id,
            "m3": members["m3"].id, "foreign_visit": foreign_visit.id}


def spoil(body: dict, changes: dict) -> dict:
    for key, value in changes.items():
        target = body["fields"] if key.startswith("f.") else body
        key = key.removeprefix("f.")
        if value is DROP:
            target.pop(key, None)
        else:
            target[key] = value
    return body


# (id, changes to a valid item for member M1 — "f.x" changes fields.x, a callable gets ctx —, field, code)
REJECTED = [
    ("unknown item key", {"colour": "red"}, "colour", "unknown_field"),
    ("unknown form field", {"f.nickname": "Ba"}, "nickname", "unknown_field"),
    ("fields not an object", {"fields": ["Nguyễn Văn An"]}, "fields", "invalid_type"),
    ("fields missing", {"fields": DROP}, "fields", "required"),
    ("fields null", {"fields": None}, "fields", "required"),
    ("client_id missing", {"client_id": DROP}, "client_id", "invalid_client_id"),
    ("client_id not a uuid", {"client_id": "visit-45-attempt-1"}, "client_id", "invalid_client_id"),
    ("client_id a number", {"client_id": 12345}, "client_id", "invalid_client_id"),
    ("member_id as string", {"member_id": "1"}, "member_id", "invalid_type"),
    ("member_id as bool", {"member_id": True}, "member_id", "invalid_type"),
    ("member_id as float", {"member_id": 1.0}, "member_id", "invalid_type"),
    ("member_id 10**12", {"member_id": 10**12}, "member_id", "not_found"),
    ("member of another unit", lambda c: {"member_id": c["m3"]}, "member_id", "not_found"),
    ("visit of another unit", lambda c: {"visit_id": c["foreign_visit"]}, "visit_id", "not_found"),
    ("visit without member", lambda c: {"member_id": None, "visit_id": c["foreign_visit"]}, "visit_id",
     "visit_member_mismatch"),
    ("visit_id as string", {"visit_id": "7"}, "visit_id", "invalid_type"),
    ("captured 3 days ahead", {"captured_at": (NOW + timedelta(days=3)).isoformat()}, "captured_at",
     "captured_in_future"),
    ("captured without offset", {"captured_at": "2025-08-08T14:03:11"}, "captured_at", "invalid_datetime"),
    ("captured as words", {"captured_at": "yesterday"}, "captured_at", "invalid_datetime"),
    ("captured date only", {"captured_at": "2025-08-08"}, "captured_at", "invalid_datetime"),
    ("captured overflowing UTC", {"captured_at": "0001-01-01T00:00:00+01:00"}, "captured_at", "invalid_datetime"),
    ("captured as epoch number", {"captured_at": 1754636591}, "captured_at", "invalid_datetime"),
    ("place unknown", {"location_kind": "car"}, "location_kind", "invalid_choice"),
    ("place missing", {"location_kind": DROP}, "location_kind", "required"),
    ("consent as string", {"consent": "true"}, "consent", "consent_required"),
    ("consent false", {"consent": False}, "consent", "consent_required"),
    ("consent as 1", {"consent": 1}, "consent", "consent_required"),
    ("consent missing", {"consent": DROP}, "consent", "consent_required"),
    ("photo hash upper case", lambda c: {"photo_sha256": c["photo"].upper()}, "photo_sha256", "photo_missing"),
    ("photo never uploaded", {"photo_sha256": "ab" * 32}, "photo_sha256", "photo_missing"),
    ("photo hash short", {"photo_sha256": "abc"}, "photo_sha256", "photo_missing"),
    ("name empty", {"f.full_name": ""}, "full_name", "required"),
    ("name only spaces", {"f.full_name": "   "}, "full_name", "required"),
    ("name missing", {"f.full_name": DROP}, "full_name", "required"),
    ("name null", {"f.full_name": None}, "full_name", "required"),
    ("name a number", {"f.full_name": 42}, "full_name", "invalid_type"),
    ("address missing", {"f.permanent_address": DROP}, "permanent_address", "required"),
    ("bidi override in name", {"f.full_name": "Nguyễn \u202eVăn An"}, "full_name", "invalid_characters"),
    ("bidi isolate in name", {"f.full_name": "Nguyễn \u2067Văn\u2069 An"}, "full_name", "invalid_characters"),
    ("left-to-right mark", {"f.full_name": "Nguyễn\u200e Văn An"}, "full_name", "invalid_characters"),
    ("zero-width joiner", {"f.full_name": "Ngu\u200dyễn Văn An"}, "full_name", "invalid_characters"),
    ("newline in address", {"f.permanent_address": "Số 1\nphố Huế"}, "permanent_address", "invalid_characters"),
    ("escape char in religion", {"f.religion": "Phật\x1bgiáo"}, "religion", "invalid_characters"),
    ("1,000-character name", {"f.full_name": "A" * 1000}, "full_name", "too_long"),  # 200 KB: 413 (test_hardening)
    ("256-character name", {"f.full_name": "Nguyễn " + "A" * 249}, "full_name", "too_long"),
    ("33-character phone", {"f.phone": "0" * 33}, "phone", "too_long"),
    ("30 February", {"f.date_of_birth": "1962-02-30"}, "date_of_birth", "invalid_date"),
    ("two-digit year", {"f.date_of_birth": "62"}, "date_of_birth", "invalid_date"),
    ("slashed date", {"f.date_of_birth": "01/05/1960"}, "date_of_birth", "invalid_date"),
    ("full-width date digits", {"f.date_of_birth": "１９６０-05-01"}, "date_of_birth", "invalid_date"),
    ("birth next year", {"f.date_of_birth": NEXT_YEAR + "-01-01"}, "date_of_birth", "date_in_future"),
    ("birth year in future", {"f.date_of_birth": "2999"}, "date_of_birth", "date_in_future"),
    ("join date year only", {"f.party_join_date": "1985"}, "party_join_date", "invalid_date"),
    ("join date 13th month", {"f.party_join_date": "1985-13-01"}, "party_join_date", "invalid_date"),
    ("joined before birth", {"f.party_join_date": "1955-01-01"}, "party_join_date", "before_birth"),
    ("official before birth", {"f.party_official_date": "1959-12-31", "f.party_join_date": "1959-01-01"},
     "party_official_date", "before_birth"),
    ("official before joining", {"f.party_official_date": "1984-03-01"}, "party_official_date",
     "official_before_join"),
    ("official date in future", {"f.party_official_date": NEXT_YEAR + "-03-01"}, "party_official_date",
     "date_in_future"),
    ("gender abbreviated", {"f.gender": "M"}, "gender", "invalid_choice"),
    ("gender capitalised", {"f.gender": "Male"}, "gender", "invalid_choice"),
    ("citizen id 13 digits", {"f.citizen_id": "0010600123456"}, "citizen_id", "citizen_id_format"),
    ("citizen id 11 digits", {"f.citizen_id": "00106001234"}, "citizen_id", "citizen_id_format"),
    ("citizen id with letters", {"f.citizen_id": "00106001234O"}, "citizen_id", "citizen_id_format"),
    ("citizen id full-width", {"f.citizen_id": "００１０６００１２３４５"}, "citizen_id", "citizen_id_format"),
    ("citizen id Arabic-Indic", {"f.citizen_id": "٠٠١٠٦٠٠١٢٣٤٥"}, "citizen_id", "citizen_id_format"),
    ("citizen id a number", {"f.citizen_id": 1060012345}, "citizen_id", "invalid_type"),
    ("citizen id empty", {"f.citizen_id": ""}, "citizen_id", "required"),
    ("citizen id says female", {"f.citizen_id": "001160012345"}, "citizen_id", "citizen_id_gender"),
    ("citizen id other year", {"f.citizen_id": "001061012345"}, "citizen_id", "citizen_id_birth_year"),
    ("citizen id other century", {"f.citizen_id": "001260012345"}, "citizen_id", "citizen_id_birth_year"),
    ("citizen id no province", {"f.citizen_id": "999060012345"}, "citizen_id", "citizen_id_province"),
]

ACCEPTED = [
    ("NFD name", {"f.full_name": unicodedata.normalize("NFD", "Nguyễn Văn An")}),
    ("year-only birth", {"f.date_of_birth": "1960"}),
    ("captured 3 days ago (slow clock)", {"captured_at": (NOW - timedelta(days=3)).isoformat()}),
    ("captured with Z", {"captured_at": "2025-08-08T07:03:11Z"}),
    ("captured a minute ahead", {"captured_at": (NOW + timedelta(minutes=1)).isoformat()}),
    ("optional fields null", {"f.phone": None, "f.religion": None}),
    ("optional fields given", {"f.phone": "0912 345 678", "f.ethnicity": "Kinh", "f.old_card_number": "12.345"}),
    ("non-breaking spaces in name", {"f.full_name": "Nguyễn\u00a0Văn\u00a0An"}),
    ("upper-case client id", lambda c: {"client_id": "6F1C2D3E-0A1B-4C5D-8E9F-A0B1C2D3E4F5"}),
    ("birth on 29 February", {"f.date_of_birth": "1960-02-29"}),
]


def _changes(changes, ctx):
    return changes(ctx) if callable(changes) else changes


@pytest.mark.parametrize("changes, field, code", [c[1:] for c in REJECTED], ids=[c[0] for c in REJECTED])
def test_bad_item_is_rejected_with_its_code_and_kept(ctx, changes, field, code):
    body = spoil(item(ctx["photo"], member_id=ctx["m1"]), _changes(changes, ctx))
    response = post_items(ctx["officer"], [body])
    assert response.status_code == 200, response.get_json()
    (result,) = response.json["results"]
    assert result["outcome"] == "rejected" and result["submission_id"] is None and result["status"] is None
    assert code in [e["code"] for e in result["errors"] if e["field"] == field], result["errors"]
    assert all(set(e) == {"field", "code", "params"} for e in result["errors"])
    kept = db.session.scalar(select(RejectedPayload))
    assert kept.payload == json.loads(json.dumps(body)) and kept.errors == result["errors"]
    assert db.session.scalar(select(Submission.id)) is None


@pytest.mark.parametrize("changes", [c[1] for c in ACCEPTED], ids=[c[0] for c in ACCEPTED])
def test_nearly_bad_item_is_accepted(ctx, changes):
    body = spoil(item(ctx["photo"], member_id=ctx["m1"]), _changes(changes, ctx))
    (result,) = post_items(ctx["officer"], [body]).json["results"]
    assert result["outcome"] == "accepted", result["errors"]
    stored = db.session.get(Submission, result["submission_id"])
    assert all(unicodedata.is_normalized("NFC", value) for value in stored.fields.values() if value)
    assert stored.client_id == body["client_id"].lower()


def test_too_long_says_the_limit(ctx):
    body = item(ctx["photo"], member_id=ctx["m1"], fields={"full_name": "A" * 256, "phone": "1" * 40})
    (result,) = post_items(ctx["officer"], [body]).json["results"]
    assert {"field": "full_name", "code": "too_long", "params": {"max": 255}} in result["errors"]
    assert {"field": "phone", "code": "too_long", "params": {"max": 32}} in result["errors"]


def test_every_fault_of_an_item_is_reported_at_once(ctx):
    body = item(ctx["photo"], member_id=ctx["m3"], consent=False, fields={
        "date_of_birth": "1962-02-30", "gender": "x", "full_name": "", "party_official_date": "1980-01-01"})
    (result,) = post_items(ctx["officer"], [body]).json["results"]
    found = {(e["field"], e["code"]) for e in result["errors"]}
    assert found == {("consent", "consent_required"), ("date_of_birth", "invalid_date"),
                     ("gender", "invalid_choice"), ("full_name", "required"),
                     ("party_official_date", "official_before_join"), ("member_id", "not_found")}


def test_non_object_items_are_rejected_each_on_its_own(ctx):
    good = item(ctx["photo"], member_id=ctx["m1"])
    results = post_items(ctx["officer"], ["hello", None, 7, [], good]).json["results"]
    assert [r["outcome"] for r in results] == ["rejected"] * 4 + ["accepted"]
    assert results[0] == {"client_id": None, "outcome": "rejected", "submission_id": None, "status": None,
                          "errors": [{"field": None, "code": "invalid_type", "params": {}}]}


def test_canonical_json_ignores_key_order_spacing_and_unicode_form():
    nfc = {"b": 1, "a": {"name": "Nguyễn Thị Hoà", "x": [1, None, True]}}
    nfd = json.loads(json.dumps({"a": {"x": [1, None, True], "name": unicodedata.normalize("NFD", "Nguyễn Thị Hoà")},
                                 "b": 1}, indent=4))
    assert canonical_json(nfd) == '{"a":{"name":"Nguyễn Thị Hoà","x":[1,null,true]},"b":1}'.encode()
    assert content_hash(nfc) == content_hash(nfd)
    assert content_hash({"a": "x "}) != content_hash({"a": "x"})
    assert content_hash({"a": None}) != content_hash({})
