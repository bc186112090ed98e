"""The person record's fields, once: name, kind, whether required, max length, choices, which are compared with the
registry, which files and screens carry them, and their Vietnamese and English labels. Also the rules shared by
every check of them (birth-year range, phone characters, "today in Vietnam").

Everything else derives from here: the tablet item schema (offline_queue/validation.py), the import row checks
(server/imports/rows.py), the roster columns (server/roster.py), the registry comparison (PERSON_FIELDS), the
fields a review decision copies (ITEM_FIELDS), the export labels, and the tablet's generated
`static/pwa/js/record-rules.js` (tools/write_record_rules.py). tests/test_record_fields.py checks that the model
column lengths agree. A new field is one `Field(...)` line below (and its column in server/models.py).
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import NamedTuple

from .citizen_id import PROVINCE_CODES
from .models import GENDERS, LOCATION_KINDS, PRIORITIES

VIETNAM = timezone(timedelta(hours=7))  # no daylight saving
MIN_BIRTH_YEAR = 1900  # imports and the tablet alike: nobody on a roster today was born earlier
PHONE_CHARACTERS = r"[0-9 +().-]+"  # digits and the separators people type; letters are a typo


def today_in_vietnam() -> date:
    """Today where the campaign's dates are written: a date cannot be 'future' in one check and not another."""
    return datetime.now(VIETNAM).date()


class Field(NamedTuple):
    name: str
    kind: str  # text, code, birth_date, date, choice, flag, citizen_id, phone
    vi: str
    en: str
    max_length: int | None = None
    choices: tuple[str, ...] = ()
    required: bool = False  # on the tablet's form (CONTRACT §5 ITEM.fields)
    on_form: bool = False  # one of ITEM.fields
    member_file: str | None = None  # "required" or "optional" column of the members file (CONTRACT §4)
    registry_file: bool = False  # a column of the registry extract
    compared: bool = False  # compared with the registry record of the same citizen ID


FIELDS: tuple[Field, ...] = (
    Field("member_code", "code", "Mã đảng viên", "Member code", 64, member_file="required"),
    Field("unit_code", "code", "Mã chi bộ", "Cell code", 64, member_file="required"),
    Field("full_name", "text", "Họ và tên", "Full name", 255, required=True, on_form=True,
          member_file="required", registry_file=True, compared=True),
    Field("date_of_birth", "birth_date", "Ngày sinh", "Date of birth", 10, required=True, on_form=True,
          member_file="required", registry_file=True, compared=True),
    Field("gender", "choice", "Giới tính", "Gender", 8, GENDERS, required=True, on_form=True,
          member_file="required", registry_file=True, compared=True),
    Field("citizen_id", "citizen_id", "Số định danh cá nhân", "Citizen ID", 12, required=True, on_form=True,
          member_file="required", registry_file=True, compared=True),
    Field("hometown", "text", "Quê quán", "Hometown", 255, required=True, on_form=True,
          member_file="required", registry_file=True, compared=True),
    Field("permanent_address", "text", "Nơi thường trú", "Permanent address", 512, required=True, on_form=True,
          member_file="required", registry_file=True),
    Field("party_join_date", "date", "Ngày vào Đảng", "Joined the party", required=True, on_form=True,
          member_file="required"),
    Field("party_official_date", "date", "Ngày chính thức", "Official member since", required=True, on_form=True,
          member_file="required"),
    Field("priority", "choice", "Diện ưu tiên", "Priority", 32, PRIORITIES, member_file="required"),
    Field("needs_home_visit", "flag", "Cần thăm tại nhà", "Needs a home visit", choices=("yes", "no"),
          member_file="required"),
    Field("old_card_number", "text", "Số thẻ đảng cũ", "Old party card number", 64, on_form=True, member_file="optional"),
    Field("phone", "phone", "Số điện thoại", "Phone", 32, on_form=True, member_file="optional"),
    Field("ethnicity", "text", "Dân tộc", "Ethnicity", 64, on_form=True, member_file="optional"),
    Field("religion", "text", "Tôn giáo", "Religion", 64, on_form=True, member_file="optional"),
    Field("home_visit_note", "text", "Ghi chú thăm tại nhà", "Home visit note", 2000, member_file="optional"),
)
BY_NAME = {field.name: field for field in FIELDS}

# Derived lists: nobody writes these by hand again.
ITEM_FIELDS = tuple(f.name for f in FIELDS if f.on_form)  # what a tablet sends; what a review may copy
REQUIRED_ITEM_FIELDS = tuple(f.name for f in FIELDS if f.on_form and f.required)
MEMBER_COLUMNS = tuple(f.name for f in FIELDS if f.member_file == "required")
MEMBER_OPTIONAL = tuple(f.name for f in FIELDS if f.member_file == "optional")
REGISTRY_COLUMNS = ("citizen_id", *(f.name for f in FIELDS if f.registry_file and f.name != "citizen_id"))
PERSON_FIELDS = tuple(f.name for f in FIELDS if f.compared)  # member vs registry, in the review and export
ROSTER_COLUMNS = tuple(name for name in MEMBER_COLUMNS + MEMBER_OPTIONAL if name != "unit_code")
MAX_LENGTHS = {f.name: f.max_length for f in FIELDS if f.max_length and f.kind not in ("choice", "flag")}
GENDER_LABELS = {"male": ("Nam", "Male"), "female": ("Nữ", "Female")}


def label(name: str, lang: str = "vi") -> str:
    """A field's label in `lang` ("vi" or "en")."""
    field = BY_NAME[name]
    return field.vi if lang == "vi" else field.en


def rules_for_tablet() -> dict:
    """What the tablet's generated module carries (JSON-ready)."""
    return {
        "fields": [{"name": f.name, "kind": f.kind, "required": f.required, "maxLength": f.max_length,
                    "choices": list(f.choices)} for f in FIELDS if f.on_form],
        "minBirthYear": MIN_BIRTH_YEAR,
        "phoneCharacters": PHONE_CHARACTERS,
        "provinceCodes": sorted(PROVINCE_CODES),
        "locationKinds": list(LOCATION_KINDS),
        "labels": {lang: {f"f.{f.name}": (f.vi if lang == "vi" else f.en) for f in FIELDS if f.on_form}
                   for lang in ("vi", "en")},
    }
