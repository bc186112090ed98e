"""The matcher's notion of "the same": name keys, field results and year-only dates, as a table and as properties."""
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.registry import classify, compare_dates, compare_text
from server.text import clean_text, name_key, search_key


def nfd(value: str) -> str:
    return unicodedata.normalize("NFD", value)


# (party record, registry, expected field result)
NAME_TABLE = [
    ("Nguyễn Văn An", "Nguyễn Văn An", "match"),
    (nfd("Nguyễn Văn An"), "Nguyễn Văn An", "match"),            # NFD from some keyboards vs NFC
    ("Nguyễn  Văn   An ", "Nguyễn Văn An", "match"),             # spacing
    ("Trần Thị Hoà", "Trần Thị Hòa", "minor"),                   # tone mark on o or on a
    ("Lê Thị Thuỷ", "Lê Thị Thủy", "minor"),                     # tone mark on u or on y
    ("Phạm Văn Qúy", "Phạm Văn Quý", "minor"),                   # tone mark on u or on y after q
    (nfd("Trần Thị Hoà"), "Trần Thị Hòa", "minor"),              # both at once
    ("NGUYỄN VĂN AN", "Nguyễn Văn An", "minor"),                 # letter case
    ("nguyễn văn an", "Nguyễn Văn An", "minor"),
    ("Lê Văn Hùng", "Lê Văn Hưng", "mismatch"),                  # u vs ư is another letter
    ("Lê Văn Hùng", "Lê Văn Hũng", "mismatch"),                  # another tone
    ("Lê Văn Hùng", "Lê Văn Hung", "mismatch"),                  # a missing tone
    ("Đặng Văn Đức", "Dặng Văn Dức", "mismatch"),                # đ is not d
    ("Nguyễn Văn An", "Nguyễn Văn Anh", "mismatch"),
    ("Nguyễn Văn An", "", "missing"),
    ("", "Nguyễn Văn An", "missing"),
]


@pytest.mark.parametrize("ours, theirs, expected", NAME_TABLE)
def test_name_comparison_table(ours, theirs, expected):
    assert compare_text(ours, theirs) == expected
    assert compare_text(theirs, ours) == expected  # the relation is symmetric


@pytest.mark.parametrize("a, b", [("hoà", "hòa"), ("thuỷ", "thủy"), ("Qúy", "Quý"), ("Khoẻ", "Khỏe"),
                                  (nfd("Hoàng"), "Hoàng"), ("  Thị   Hoà", "thị hòa")])
def test_equal_name_keys(a, b):
    assert name_key(a) == name_key(b)


@pytest.mark.parametrize("a, b", [("Hùng", "Hưng"), ("Đức", "Dức"), ("Hà", "Hạ"), ("Ân", "An"), ("Lan", "Lân"),
                                  ("Thủy", "Thúy")])
def test_different_name_keys(a, b):
    assert name_key(a) != name_key(b)


DATE_TABLE = [
    ("1962-05-01", "1962-05-01", "match"),
    ("1962", "1962-05-01", "match"),        # year-only party record agrees with any day that year
    ("1962-05-01", "1962", "match"),
    ("1962", "1962", "match"),
    ("1962", "1963-05-01", "mismatch"),
    ("1962-01-05", "1962-05-01", "mismatch"),  # day and month swapped
    ("", "1962-05-01", "missing"),
    (None, "1962", "missing"),
]


@pytest.mark.parametrize("ours, theirs, expected", DATE_TABLE)
def test_date_comparison_table(ours, theirs, expected):
    assert compare_dates(ours, theirs) == expected


@pytest.mark.parametrize("results, klass", [
    ({"a": "match", "b": "match"}, "matched"),
    ({"a": "match", "b": "minor"}, "matched_minor"),
    ({"a": "minor", "b": "mismatch"}, "mismatch"),
    ({"a": "match", "b": "missing"}, "mismatch"),
])
def test_class_from_field_results(results, klass):
    assert classify({name: {"result": r} for name, r in results.items()}) == klass


def test_search_key_drops_every_mark_and_folds_d_stroke():
    assert search_key("Đặng Thị  Hoà") == "dang thi hoa"
    assert search_key(nfd("Nguyễn Văn Ân")) == search_key("nguyen van an")


# Vietnamese letters in both forms, the combining tone and vowel marks on their own, spaces and ASCII.
VIET = ("aăâbcdđeêghiklmnoôơpqrstuưvxy" "AĂÂBCDĐEÊGHIKLMNOÔƠPQRSTUƯVXY"
        "àáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
        "\u0300\u0301\u0303\u0309\u0323\u0302\u0306\u031b  \t")
viet_text = st.text(alphabet=st.sampled_from(VIET), max_size=30)


@settings(max_examples=200, deadline=None)
@given(viet_text)
def test_name_key_is_idempotent(value):
    assert name_key(name_key(value)) == name_key(value)


@settings(max_examples=200, deadline=None)
@given(st.one_of(viet_text, st.text(max_size=30)))
def test_name_key_ignores_normalisation_form(value):
    key = name_key(value)
    assert name_key(unicodedata.normalize("NFD", value)) == key
    assert name_key(unicodedata.normalize("NFC", value)) == key


@settings(max_examples=200, deadline=None)
@given(viet_text)
def test_search_and_clean_are_idempotent_and_form_blind(value):
    assert search_key(search_key(value)) == search_key(value)
    assert clean_text(clean_text(value)) == clean_text(value)
    assert search_key(nfd(value)) == search_key(value)


@settings(max_examples=200, deadline=None)
@given(viet_text)
def test_a_name_compared_with_its_other_form_is_never_a_mismatch(value):
    result = compare_text(nfd(value), unicodedata.normalize("NFC", value))
    assert result in ("match", "missing")
