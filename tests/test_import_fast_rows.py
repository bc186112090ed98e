"""The members import's one-step row check (server.imports.fast_rows) against parse_member, row by row: over the demo
generator's rows and over every field of a good row replaced by the messy values real files carry, whenever the
one-step check answers it returns exactly parse_member's record, and only for rows parse_member neither refuses
nor warns about; and it does answer ordinary rows (else the import would silently run at the old speed)."""
import itertools
import random
import unicodedata
from datetime import date

from server.demo.gen import DemoGenerator
from server.imports.fast_rows import member_reader
from server.imports.rows import parse_member, row_values
from server.record_fields import MEMBER_COLUMNS, MEMBER_OPTIONAL

TODAY = date(2026, 1, 1)
HEADER = list(MEMBER_COLUMNS + MEMBER_OPTIONAL)
GOOD = ["N1", "C1", "Phạm Văn Bình", "1958-07-20", "male", "038058001122", "Xã Hoằng Lộc, Thanh Hoá", "Thôn 2",
        "1980-05-19", "1981-05-19", "standard", "no", "62870446", "0912345678", "Kinh", "Không", ""]
CELLS = {"C1": 1, "C2": 2, "G1": "grassroots", "P": "province"}
NFD = unicodedata.normalize("NFD", "Phạm Văn Bình")
# Values that each field (any field: a date where a name goes too) may carry in a real file.
MESSY = ["", " ", "  N1 ", "a  b", " Phạm  Văn Bình ", NFD, "Ph\u200bạm", "Ph\tạm", "Ph\x07m", "Ph\u00a0m", "\ufeffN1",
         "Ph?m", "Phạm?", "x" * 65, "x" * 256, "y" * 513, "x" * 2001, "MALE", " female ", "femal", "VETERAN", "Yes",
         "YES ", "maybe", "1958", " 1958 ", "1899", "1899-12-31", "1900", "1958-02-30", "20-07-1958", "1958/07/20",
         "2026-01-02", "2027", "1905-06-01", "1905-03-14", "1905-09-30", "1905-10-01", "1979-01-01", "1981-05-18",
         "038058001122", "38058001122", "038158001122", "038058001123", "999058001122", "03805800112", "０３８",
         "912345678", "0912345678", "+84 912 345 678", "0912-345-678", "091234567x", "1234567890", "C2", "G1", "P",
         "Z9", "standard", "former_central_committee", "no", "yes", "N2", "0", "Kinh", "Mường"]
OPTIONAL = {name: HEADER.index(name) for name in MEMBER_OPTIONAL}


def slow(columns, values, cells=CELLS):
    values_by_name, errors = row_values(columns, values)
    if errors:
        return {}, errors, []
    return parse_member(values_by_name, TODAY, cells)


def agree(read, columns, values, cells=CELLS) -> bool:
    """Whether the one-step check answered; asserts it agrees with parse_member when it does."""
    quick = read(list(values))
    record, errors, warnings = slow(columns, list(values), cells)
    if quick is None:
        return False
    assert (errors, warnings) == ([], []), (values, errors, warnings)
    assert list(quick.items()) == list(record.items()), values
    return True


def test_every_field_replaced_by_messy_values_agrees_with_parse_member():
    read = member_reader(HEADER, TODAY, CELLS)
    answered = sum(agree(read, HEADER, GOOD[:i] + [value] + GOOD[i + 1:])
                   for i in range(len(HEADER)) for value in MESSY)
    assert agree(read, HEADER, GOOD)
    assert answered > 100  # the many harmless replacements (a spaced name, an optional field left empty, ...)
    rng = random.Random(14)
    for _ in range(3000):  # two or three fields messy at once: dates against each other, ID against birth year
        values = list(GOOD)
        for i in rng.sample(range(len(HEADER)), rng.choice((2, 3))):
            values[i] = rng.choice(MESSY)
        agree(read, HEADER, values)
    for cut in (len(GOOD) - 1, len(GOOD) + 1):  # a missing or an extra value: parse_member's to judge
        assert read((GOOD + ["", "x"])[:cut]) is None


def test_other_headers_agree_too():
    for columns in (list(MEMBER_COLUMNS), list(reversed(HEADER)), list(MEMBER_COLUMNS) + ["phone"]):
        read = member_reader(columns, TODAY, CELLS)
        good = dict(zip(HEADER, GOOD))
        assert agree(read, columns, [good[name] for name in columns])
        for name, value in itertools.product(columns, MESSY[::3]):
            agree(read, columns, [value if column == name else good[column] for column in columns])


def test_the_demo_generators_rows_agree_and_most_are_answered():
    generator = DemoGenerator(members=3000, seed=11)
    cells = {code: i if kind == "cell" else kind for i, (code, _, kind, _) in enumerate(generator.units)}
    read = member_reader(HEADER, TODAY, cells)
    answered = [agree(read, HEADER, row, cells) for row, _ in generator.members()]
    assert sum(answered) > 0.9 * len(answered)  # all but the decomposed (NFD) text


def test_the_compact_key_set_answers_exactly_when_remainders_collide(monkeypatch):
    """IntKeys' bitmap of remainders (server.imports.keys) only ever says "look": with 97 slots nearly every new key
    finds its bit set by another, and add_new and `in` still answer exactly, across merges."""
    from server.imports.keys import IntKeys, Keys
    monkeypatch.setattr(IntKeys, "FLOOR", 8)
    monkeypatch.setattr(IntKeys, "SLOTS", 97)
    keys, reference, added, rng = Keys(), set(), [5], random.Random(3)
    for _ in range(4000):
        key = rng.randrange(10 ** 12) if rng.random() < 0.6 else rng.choice(added)
        if rng.random() < 0.05:
            key = f"long code {key}"  # not an integer form: the plain set
        assert (key in keys) == (key in reference)
        assert keys.add_new(key) == (key not in reference)
        reference.add(key)
        added.append(key)
    assert len(keys) == len(reference) and len(keys.ints.sorted) > len(keys.ints.recent)
