"""The members import's one-step row check (server.imports.fast_rows) against parse_member, row by row: over the demo
generator's rows and over every field of a good row replaced by the messy values real files carry, whenever the
one-step check answers it returns exactly parse_member's record, and only for rows parse_member neither refuses
nor warns about; and it does answer ordinary rows (else the import would silently run at the old speed)."""
import itertools
import random
import unicodedata
from datetime import date

from server.demo.gen import DemoGenerator
from server.imports import copy_text
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
         "Z9", "standard", "former_central_committee", "no", "yes", "N2", "0", "Kinh", "Mường",
         unicodedata.normalize("NFD", "Mường"), "fe\u0301male", "1958-07-2\u0301", "KINH\u212a", "Ye\u0301s"]
OPTIONAL = {name: HEADER.index(name) for name in MEMBER_OPTIONAL}


def slow(columns, values, cells=CELLS):
    values_by_name, errors = row_values(columns, values)
    if errors:
        return {}, errors, []
    return parse_member(values_by_name, TODAY, cells)


def agree(read, columns, values, cells=CELLS) -> bool:
    """Whether the one-step check answered; asserts it agrees with parse_member when it does, and that its COPY
    text (if any) is the record's values as copy_text.line writes them."""
    found = read(list(values))
    record, errors, warnings = slow(columns, list(values), cells)
    if found is None:
        return False
    quick, text = found
    assert (errors, warnings) == ([], []), (values, errors, warnings)
    assert list(quick.items()) == list(record.items()), values
    if text is not None:
        assert text + "\n" == copy_text.line(record.values()), values
    return True


def readers(columns, cells=CELLS):
    """The check as SQLite's import uses it (records only) and as PostgreSQL's does (with COPY text)."""
    return [member_reader(columns, TODAY, cells), member_reader(columns, TODAY, cells, copy_text=True)]


def test_every_field_replaced_by_messy_values_agrees_with_parse_member():
    for read in readers(HEADER):
        answered = sum(agree(read, HEADER, GOOD[:i] + [value] + GOOD[i + 1:])
                       for i in range(len(HEADER)) for value in MESSY)
        assert agree(read, HEADER, GOOD)
        assert answered > 100  # the many harmless replacements (a spaced name, an optional field left empty, ...)
        rng = random.Random(14)
        for _ in range(1500):  # two or three fields messy at once: dates against each other, ID against birth year
            values = list(GOOD)
            for i in rng.sample(range(len(HEADER)), rng.choice((2, 3))):
                values[i] = rng.choice(MESSY)
            agree(read, HEADER, values)
        for cut in (len(GOOD) - 1, len(GOOD) + 1):  # a missing or an extra value: parse_member's to judge
            assert read((GOOD + ["", "x"])[:cut]) is None
    with_text = readers(HEADER)[1]
    assert with_text(GOOD)[1] is not None
    assert with_text(GOOD[:6] + ["Thôn 2 \\ Đông"] + GOOD[7:])[1] is None  # a backslash: copy_text.line escapes it


def test_other_headers_agree_too():
    for columns in (list(MEMBER_COLUMNS), list(reversed(HEADER)), list(MEMBER_COLUMNS) + ["phone"]):
        good = dict(zip(HEADER, GOOD))
        for read in readers(columns):
            assert agree(read, columns, [good[name] for name in columns])
            for name, value in itertools.product(columns, MESSY[::3]):
                agree(read, columns, [value if column == name else good[column] for column in columns])


def test_the_demo_generators_rows_agree_and_most_are_answered():
    generator = DemoGenerator(members=3000, seed=11)
    cells = {code: i if kind == "cell" else kind for i, (code, _, kind, _) in enumerate(generator.units)}
    rows = [row for row, _ in generator.members()]
    for read in readers(HEADER, cells):
        answered = [agree(read, HEADER, row, cells) for row in rows]
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


def test_copy_text_lines_read_back_as_the_values_written(app):
    """copy_text.line, which writes the rows a members batch sends to PostgreSQL as COPY text: every value comes
    back as it went in (escapes, NULL against the text "\\N", booleans, dates, non-BMP text)."""
    from sqlalchemy import text as sql

    from server.extensions import db
    rows = [("a\\tb", "\\N", None, True, 7, date(2004, 6, 13), "tab\there\nnew\rret\bb\ff\vv", "Hà Nội 𝕍 \\"),
            ("", "=1+2", "", False, -1, date(1, 1, 1), "\\\\", "x\\y")]
    assert copy_text.line(rows[1]) == "\t=1+2\t\tf\t-1\t0001-01-01\t\\\\\\\\\tx\\\\y\n"
    if app.config["BACKEND"] != "postgres":
        return  # SQLite takes JSON, not COPY text (server.imports.write)
    connection = db.session.connection()
    connection.exec_driver_sql("CREATE TEMPORARY TABLE copy_check (a text, b text, c text, d boolean, e integer, "
                               "f date, g text, h text)")
    with connection.connection.driver_connection.cursor() as cursor:
        with cursor.copy("COPY copy_check FROM STDIN") as copy:
            copy.write("".join(copy_text.line(row) for row in rows))
    assert [tuple(row) for row in connection.execute(sql("SELECT * FROM copy_check"))] == rows
    db.session.rollback()
