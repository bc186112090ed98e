"""The tablet's record rules (static/pwa/js/record-rules.js) and its catalogue texts (record-texts-vi.js,
record-texts-en.js) are generated from the server's catalogues: a stale module, or a form maxlength that differs
from the catalogue, fails here (as a stale sw.js precache does)."""
import importlib.util
import json
from pathlib import Path

from server.error_codes import CODES
from server.record_fields import MAX_LENGTHS, MIN_BIRTH_YEAR, rules_for_tablet

FIELD_NAMES = [f["name"] for f in rules_for_tablet()["fields"]]

TOOL = Path(__file__).resolve().parents[1] / "static" / "pwa" / "tools" / "write_record_rules.py"
spec = importlib.util.spec_from_file_location("write_record_rules", TOOL)
write_record_rules = importlib.util.module_from_spec(spec)
spec.loader.exec_module(write_record_rules)


def test_the_generated_module_and_the_form_lengths_are_up_to_date():
    assert write_record_rules.main(["--check"]) == 0, "run: python static/pwa/tools/write_record_rules.py"


def constants(path: str) -> dict:
    text = (write_record_rules.PWA_DIR / path).read_text(encoding="utf-8")
    return {line.split(" = ")[0].removeprefix("export const "): line.split(" = ", 1)[1].rstrip(";\n")
            for line in text.splitlines() if line.startswith("export const ")}


def test_the_module_carries_the_catalogue():
    lines = constants(write_record_rules.MODULE)
    assert json.loads(lines["MIN_BIRTH_YEAR"]) == MIN_BIRTH_YEAR
    assert json.loads(lines["MAX_LENGTHS"])["permanent_address"] == MAX_LENGTHS["permanent_address"]
    assert "038" in json.loads(lines["PROVINCE_CODES"])
    assert not any(name.endswith("TEXTS") or name.endswith("LABELS") for name in lines), "texts live per language"


def test_each_language_module_carries_every_code_and_label_in_that_language():
    vi, en = (json.loads(constants(write_record_rules.TEXT_MODULES[lang])["TEXTS"]) for lang in ("vi", "en"))
    expected = {f"err.{code}" for code in CODES} | {f"f.{name}" for name in FIELD_NAMES}
    assert set(vi) == set(en) == expected
    assert vi["err.too_long"] == CODES["too_long"].vi and en["err.too_long"] == CODES["too_long"].en
    assert vi["f.full_name"] == "Họ và tên" and en["f.full_name"] == "Full name"


def test_a_changed_length_makes_the_check_fail(monkeypatch):
    monkeypatch.setitem(write_record_rules.MAX_LENGTHS, "phone", 31)
    assert write_record_rules.main(["--check"]) == 1
