"""One catalogue of error codes (server/error_codes.py): every code the server can answer has a Vietnamese and an
English text there, and no tablet text or OpenAPI line names a code that is not in it."""
import re
from pathlib import Path

from server.error_codes import CLIENT_ONLY, CODES, error_text, openapi_description

ROOT = Path(__file__).resolve().parents[1]
# The ways the server names a code: keyword or attribute, error dicts, the coded helpers, validator errors.
PATTERNS = [
    r'\bcode\s*=\s*"([a-z0-9_]+)"', r'"code":\s*"([a-z0-9_]+)"', r'\bcoded\("([a-z0-9_]+)"', r'\b_fail\("([a-z0-9_]+)"',
    r'\b_field_error\("[^"]*",\s*"([a-z0-9_]+)"', r'\berror_response\(\d+, "([a-z0-9_]+)"',
    r'\bcode\s*=\s*"[a-z0-9_]+" if [^\n]* else "([a-z0-9_]+)"', r'status, code, message = \d+, "([a-z0-9_]+)"',
    r'\berror="([a-z0-9_]+)"', r'error_messages=\{[^}]*?"invalid":\s*"([a-z0-9_]+)"', r'\.append\("(citizen_id_[a-z0-9_]+)"\)',
    r'return \["(citizen_id_[a-z0-9_]+)"\]', r'\(\d{3}, "([a-z0-9_]+)"\)',
    r'status, code = \d+, "([a-z0-9_]+)"', r'\b\d{3}: "([a-z0-9_]+)"',
    r'\binvalid\("([a-z0-9_]+)"', r'\b_fault\("([a-z0-9_]+)"',
]


def codes_in_source() -> dict[str, str]:
    found = {}
    for folder in ("server", "api", "offline_queue"):
        for path in (ROOT / folder).rglob("*.py"):
            if "migrations" in path.parts or path.name == "error_codes.py":
                continue
            text = path.read_text(encoding="utf-8")
            for pattern in PATTERNS:
                for code in re.findall(pattern, text):
                    found.setdefault(code, str(path.relative_to(ROOT)))
    return found


def test_every_code_the_server_raises_is_in_the_catalogue_with_both_texts():
    found = codes_in_source()
    assert {"not_found", "visit_exists", "citizen_id_gender", "invalid_cursor", "too_many_items",
            "photo_missing", "too_small", "no_registry_record", "invalid_choice"} <= set(found), "the scan sees codes"
    missing = {code: where for code, where in found.items() if code not in CODES}
    assert not missing, f"codes raised but not in server/error_codes.py: {missing}"
    for entry in CODES.values():
        assert entry.vi.strip() and entry.en.strip() and entry.vi != entry.en, entry.code
        assert re.fullmatch(r"[a-z][a-z0-9_]*", entry.code)


def test_no_catalogue_code_is_left_over():
    """A code nothing raises any more is dead text: every entry is raised somewhere or is the tablet's own."""
    found = codes_in_source()
    unused = set(CODES) - set(found) - CLIENT_ONLY - {"error", "date_too_early", "invalid_phone", "too_short"}
    assert not unused, f"codes in the catalogue that nothing answers: {sorted(unused)}"


def test_tablet_and_openapi_texts_name_only_catalogued_codes():
    for name in ("strings-vi.js", "strings-en.js", "strings-board.js"):
        text = (ROOT / "static/pwa/js" / name).read_text(encoding="utf-8")
        stale = set(re.findall(r"'err\.([a-z0-9_]+)'", text)) - set(CODES)
        assert not stale, f"{name} translates codes that do not exist: {stale}"
    for code in re.findall(r"`([a-z0-9_]+)`", openapi_description()):
        assert code in CODES


def test_texts_fill_their_params():
    assert error_text("too_long", "vi", max=12) == "Quá dài (tối đa 12 ký tự)."
    assert error_text("too_long", "en", max=12) == "Too long (at most 12 characters)."
    assert error_text("no_such_code", "en") == "Something went wrong (no_such_code)."


def test_the_openapi_document_lists_the_codes_from_the_catalogue(sqlite_app):
    spec = sqlite_app.test_client().get("/api/openapi.json").json
    description = spec["info"]["description"]
    assert "| `visit_exists` | 409 |" in description and "| `csrf_failed` | 403 |" in description
    item_error = spec["components"]["schemas"]["ItemError"]["properties"]["code"]["description"]
    assert "captured_in_future" in item_error and "citizen_id_birth_year" in item_error
