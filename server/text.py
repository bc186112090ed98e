"""Vietnamese text keys: one definition of "the same name", shared by imports, ingest and reconciliation.

`name_key` treats as equal: NFC vs NFD, which vowel of a syllable carries the tone mark
(hoà/hòa, thuỷ/thủy, Qúy/Quý), letter case and spacing. Any other difference — a different tone,
a different vowel quality (Hùng/Hưng), đ/d — still differs. `search_key` is looser, for finding:
no diacritics at all and đ→d.
"""
import re
import unicodedata

# The five tone marks; circumflex, breve and horn change the vowel itself and are kept.
TONE_MARKS = {"\u0300": "2", "\u0301": "1", "\u0303": "4", "\u0309": "3", "\u0323": "5"}
_SPACES = re.compile(r"\s+")
# Invisible characters that copy-paste leaves in names (zero-width spaces and joiners, word joiner, BOM, and the
# direction marks LRM, RLM, ALM copied from a web page); kept, they would make equal names differ.
INVISIBLE_CHARACTERS = "\u200b\u200c\u200d\u2060\ufeff\u200e\u200f\u061c"
_INVISIBLE = re.compile(f"[{INVISIBLE_CHARACTERS}]")


def nfc(value: str) -> str:
    return unicodedata.normalize("NFC", value)


def clean_text(value: str) -> str:
    """NFC with spaces collapsed and trimmed: the form text is stored in."""
    return " ".join(nfc(value).split())  # str.split() splits on exactly what \s matches; no regex per value


def visible_text(value: str) -> str:
    """clean_text without the invisible characters: what imports and stations store typed names and addresses as."""
    return clean_text(_INVISIBLE.sub("", value))


def _syllable_key(syllable: str) -> str:
    tone = ""
    letters = []
    for char in unicodedata.normalize("NFD", syllable):
        if char in TONE_MARKS:
            tone = TONE_MARKS[char]
        else:
            letters.append(char)
    return unicodedata.normalize("NFC", "".join(letters)) + tone


def name_key(value: str) -> str:
    """The comparison key of a name: case-folded, spaces collapsed, tone mark placement ignored."""
    return " ".join(_syllable_key(s) for s in clean_text(value).casefold().split(" ") if s)


def search_key(value: str) -> str:
    """A loose key for search: lower case, no diacritics, đ→d, single spaces."""
    stripped = "".join(c for c in unicodedata.normalize("NFD", value.casefold()) if not unicodedata.combining(c))
    return _SPACES.sub(" ", stripped.replace("đ", "d")).strip()
