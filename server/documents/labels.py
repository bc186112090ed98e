"""Vietnamese labels of the record's fields and choices, as the printed documents show them.

The same words as the tablet's form (static/pwa/js/strings-vi.js, keys `f.*`, `loc.*`), so a printed
form reads like the screen the member just went through.
"""

# The record's fields in the order a paper form lists them (CONTRACT §5 ITEM.fields).
FORM_FIELDS = (
    ("full_name", "Họ và tên"),
    ("date_of_birth", "Ngày sinh"),
    ("gender", "Giới tính"),
    ("citizen_id", "Số định danh cá nhân"),
    ("old_card_number", "Số thẻ đảng cũ"),
    ("ethnicity", "Dân tộc"),
    ("religion", "Tôn giáo"),
    ("hometown", "Quê quán"),
    ("permanent_address", "Nơi thường trú"),
    ("party_join_date", "Ngày vào Đảng"),
    ("party_official_date", "Ngày chính thức"),
    ("phone", "Điện thoại"),
)
DATE_FIELDS = frozenset({"date_of_birth", "party_join_date", "party_official_date"})
GENDERS = {"male": "Nam", "female": "Nữ"}
LOCATIONS = {"station": "Tại trụ sở công an", "home": "Tại nhà", "hospital": "Tại bệnh viện",
             "other": "Nơi khác"}
# A collected record's review status, in the tablet's words (verified: it matches the population registry).
STATUSES = {"verified": "Đã khớp", "needs_review": "Cần xem xét"}
UNIT_KINDS = {"province": "Tỉnh ủy", "affiliated": "Đảng bộ trực thuộc", "grassroots": "Đảng bộ cơ sở",
              "cell": "Chi bộ"}
