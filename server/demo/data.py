"""Word lists for the demo province, and the spelling variants real records carry.

The lists are weighted like the real population (Nguyễn is about four names in ten). Each given name has a
"confusable" partner that differs by a letter or a diacritic (Hùng/Hưng): the registry disagreements planted
in the demo use it, because that is the kind of difference a reviewer must catch, unlike tone-mark placement
(hoà/hòa), which `server.text.name_key` treats as the same name.
"""
import unicodedata

from ..text import TONE_MARKS

SURNAMES = [
    ("Nguyễn", 380), ("Trần", 110), ("Lê", 95), ("Phạm", 70), ("Hoàng", 30), ("Huỳnh", 20), ("Phan", 45),
    ("Vũ", 20), ("Võ", 19), ("Đặng", 21), ("Bùi", 20), ("Đỗ", 14), ("Hồ", 13), ("Ngô", 13), ("Dương", 10),
    ("Lý", 5), ("Đinh", 8), ("Trịnh", 6), ("Lương", 5), ("Mai", 5), ("Cao", 4), ("Hà", 5), ("Đào", 4),
    ("Lâm", 3), ("Tạ", 3), ("Tô", 2), ("Chu", 2), ("Quách", 1),
]
MIDDLE_MALE = [
    ("Văn", 30), ("Hữu", 8), ("Đức", 8), ("Minh", 8), ("Thanh", 6), ("Quang", 6), ("Công", 5), ("Đình", 5),
    ("Xuân", 4), ("Ngọc", 4), ("Quốc", 4), ("Trọng", 3), ("Mạnh", 2), ("Tiến", 2), ("Duy", 2), ("Bá", 2),
]
MIDDLE_FEMALE = [
    ("Thị", 45), ("Thu", 6), ("Ngọc", 6), ("Thanh", 6), ("Minh", 4), ("Thuỳ", 3), ("Hồng", 5), ("Kim", 4),
    ("Phương", 3), ("Thuý", 3), ("Diệu", 2), ("Bích", 3), ("Hoài", 2),
]
# (given name, a confusable spelling that is a different name)
GIVEN_MALE = [
    ("Hùng", "Hưng"), ("Hưng", "Hùng"), ("Dũng", "Dung"), ("Tuấn", "Tuân"), ("Thắng", "Thăng"),
    ("Cường", "Cương"), ("Hải", "Hài"), ("Sơn", "Son"), ("Bình", "Binh"), ("Phúc", "Phú"), ("Khoa", "Khoá"),
    ("Toàn", "Toán"), ("Trung", "Chung"), ("Hiếu", "Hiểu"), ("Đức", "Đắc"), ("Tú", "Tư"), ("Huy", "Hy"),
    ("Thành", "Thanh"), ("Vinh", "Vịnh"), ("Lâm", "Lam"), ("Khánh", "Khanh"), ("Tiến", "Tiền"),
    ("Quý", "Quỳ"), ("Hoà", "Hoa"), ("Nam", "Năm"), ("Long", "Lang"), ("Lợi", "Lời"), ("Nghĩa", "Nghị"),
    ("Quang", "Quảng"), ("Thuỷ", "Thuý"), ("Hậu", "Hầu"), ("Định", "Đình"), ("An", "Ân"), ("Tâm", "Tám"),
]
GIVEN_FEMALE = [
    ("Lan", "Lân"), ("Mai", "Mãi"), ("Hoa", "Hoà"), ("Hoà", "Hoa"), ("Thuỷ", "Thuý"), ("Thuý", "Thuỷ"),
    ("Hương", "Hường"), ("Hằng", "Hàng"), ("Hạnh", "Hành"), ("Linh", "Lĩnh"), ("Ngọc", "Ngoc"), ("Nga", "Ngà"),
    ("Nhung", "Nhưng"), ("Phương", "Phượng"), ("Quyên", "Quyền"), ("Thảo", "Thão"), ("Trang", "Tràng"),
    ("Tuyết", "Tuyệt"), ("Xuân", "Xuyên"), ("Yến", "Yên"), ("Huệ", "Huê"), ("Loan", "Loãn"), ("Liên", "Liền"),
    ("Hoài", "Hoái"), ("Duyên", "Duyền"), ("Thoa", "Thoả"), ("Quý", "Quỳ"), ("Vân", "Văn"), ("Dung", "Dũng"),
]
# Syllables for ward and commune names; pairs are drawn without repeating.
PLACE_FIRST = ["Đông", "Tây", "Nam", "Bắc", "Hải", "Quảng", "Hoằng", "Thiệu", "Yên", "Vĩnh", "Tân", "Phú",
               "An", "Bình", "Hoà", "Trung", "Thọ", "Xuân", "Ngọc", "Kim", "Thạch", "Cẩm", "Nga", "Triệu"]
PLACE_SECOND = ["Sơn", "Thành", "Lộc", "Phú", "Hưng", "Lợi", "Thịnh", "Hải", "Khê", "Lâm", "Hà", "Ninh",
                "Giang", "An", "Tiến", "Hoà", "Châu", "Vân", "Đông", "Phong", "Thuỷ", "Long", "Minh", "Tân"]
AFFILIATED = [
    ("Thành phố", "Thanh Hà"), ("Thị xã", "Bình Sơn"), ("Huyện", "Đông Hải"), ("Huyện", "Yên Lộc"),
    ("Huyện", "Hoằng Xuân"), ("Huyện", "Ngọc Lâm"), ("Huyện", "Thạch Quảng"), ("Huyện", "Vĩnh Phong"),
]
OTHER_PROVINCES = ["Hà Nội", "Nghệ An", "Hà Tĩnh", "Nam Định", "Thái Bình", "Ninh Bình", "Thanh Hoá",
                   "Hải Dương", "Hưng Yên", "Quảng Bình", "Quảng Trị", "Huế", "Phú Thọ", "Bắc Ninh"]
STREETS = ["Lê Lợi", "Trần Phú", "Quang Trung", "Nguyễn Trãi", "Lý Thường Kiệt", "Hai Bà Trưng",
           "Lê Hoàn", "Phan Chu Trinh", "Bà Triệu", "Hàm Nghi", "Nguyễn Du", "Điện Biên Phủ"]
ETHNICITIES = [("Kinh", 88), ("Mường", 5), ("Thái", 3), ("Tày", 1), ("Dao", 1), ("H'Mông", 1), ("Nùng", 1)]
RELIGIONS = [("Không", 90), ("Phật giáo", 6), ("Công giáo", 4)]
HOME_VISIT_NOTES = [
    "Tuổi cao, sức yếu, không tự đi lại được",
    "Bị tai biến, nằm liệt giường",
    "Khuyết tật vận động, cần đến tận nhà",
    "Đang điều trị dài ngày tại Bệnh viện Đa khoa tỉnh",
    "Đang điều trị tại Bệnh viện Phổi tỉnh",
]


def move_tone(syllable: str) -> str:
    """The other tone-mark placement of an open oa/oe/uy syllable (hoà ↔ hòa, thuỷ ↔ thủy, quý ↔ qúy)."""
    decomposed = unicodedata.normalize("NFD", syllable)
    marks = [i for i, char in enumerate(decomposed) if char in TONE_MARKS]
    base = "".join(char for char in decomposed if char not in TONE_MARKS)
    if len(marks) != 1 or base[-2:].lower() not in ("oa", "oe", "uy"):
        return syllable
    carrier = len("".join(c for c in decomposed[:marks[0]] if c not in TONE_MARKS)) - 1
    target = len(base) - 1 if carrier == len(base) - 2 else len(base) - 2
    moved = base[:target + 1] + decomposed[marks[0]] + base[target + 1:]
    return unicodedata.normalize("NFC", moved)


def other_tone_style(name: str) -> str:
    """The same name with the tone marks of oa/oe/uy syllables on the other vowel."""
    return " ".join(move_tone(syllable) for syllable in name.split(" "))
