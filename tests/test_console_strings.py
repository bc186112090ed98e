"""The console's texts: both languages complete, one key namespace with the tablet's (no key defined twice),
and every data-i18n key of the console's page defined."""
import re
from pathlib import Path

PWA = Path(__file__).resolve().parent.parent / "static" / "pwa"
KEY = re.compile(r"""(?:^|[\s,{])'([A-Za-z_][\w.]*)':""", re.M)


def tables(path: Path) -> dict[str, set[str]]:
    text = path.read_text("utf-8")
    out = {}
    for name, body in re.findall(r"export const (\w+) = \{(.*?)\n\};", text, re.S):
        out[name] = set(KEY.findall(body))
    return out


def test_console_texts_are_complete_and_share_the_tablets_namespace():
    console = [tables(PWA / "console" / name) for name in ("strings.js", "strings-review.js")]
    for found in console:
        assert found["VI"] == found["EN"] and found["VI"]
    tablet = tables(PWA / "js" / "strings-vi.js")["VI"] | tables(PWA / "js" / "strings-en.js")["EN"]
    ours = console[0]["VI"], console[1]["VI"]
    assert not (ours[0] & ours[1]) and not ((ours[0] | ours[1]) & tablet)
    assert all(key.startswith("console.") for key in ours[0]) and all(key.startswith("review.") for key in ours[1])
    page = (PWA / "console" / "index.html").read_text("utf-8")
    used = set(re.findall(r'data-i18n="([^"]+)"', page))
    assert used and used <= ours[0] | ours[1], used - (ours[0] | ours[1])


def test_every_kind_of_audited_object_has_words_in_the_console():
    """The audit page names what each row is about in words; a new object type without them showed its raw code
    (form prints and members did)."""
    root = PWA.parent.parent
    written = set()
    for package in ("server", "api", "offline_queue"):
        for path in (root / package).rglob("*.py"):
            written |= set(re.findall(r'object_type="([a-z_]+)"', path.read_text("utf-8")))
    words = tables(PWA / "console" / "strings.js")
    for table in ("VI", "EN"):
        named = {key.removeprefix("console.audit.object.") for key in words[table]
                 if key.startswith("console.audit.object.")}
        assert written and written <= named, (table, written - named)
