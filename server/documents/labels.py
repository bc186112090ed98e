"""Vietnamese labels of the record's fields and choices, as the printed documents show them.

Field labels come from the field catalogue (server/record_fields.py); the other words are the tablet's
(static/pwa/js/strings-vi.js, keys `loc.*`), so a printed form reads like the screen the member just went through.
"""

from ..record_fields import FIELDS, GENDER_LABELS, label

# The record's fields in the order a paper form lists them (CONTRACT §5 ITEM.fields); the labels are the field
# catalogue's, the same words the tablet's form shows.
FORM_ORDER = ("full_name", "date_of_birth", "gender", "citizen_id", "old_card_number", "ethnicity", "religion",
              "hometown", "permanent_address", "party_join_date", "party_official_date", "phone")
FORM_FIELDS = tuple((name, label(name)) for name in FORM_ORDER)
DATE_FIELDS = frozenset(f.name for f in FIELDS if f.kind in ("date", "birth_date"))
GENDERS = {value: texts[0] for value, texts in GENDER_LABELS.items()}
LOCATIONS = {"station": "Tại trụ sở công an", "home": "Tại nhà", "hospital": "Tại bệnh viện",
             "other": "Nơi khác"}
# A collected record's review status, in the tablet's words (verified: it matches the population registry).
STATUSES = {"verified": "Đã khớp", "needs_review": "Cần xem xét"}
UNIT_KINDS = {"province": "Tỉnh ủy", "affiliated": "Đảng bộ trực thuộc", "grassroots": "Đảng bộ cơ sở",
              "cell": "Chi bộ"}
