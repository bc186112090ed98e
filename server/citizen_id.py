"""The 12-digit citizen ID (Circular 59/2021/TT-BCA): PPP G YY NNNNNN.

PPP is the province (or country) of birth registration, G encodes gender and century of birth
(0/1 male/female born 1900–1999, 2/3 2000–2099, 4/5 2100–2199, …), YY the last two digits of the
birth year. A typed ID that disagrees with birth date or gender is almost always a typo.
"""
import re

_TWELVE_ASCII_DIGITS = re.compile(r"[0-9]{12}")  # [0-9], not \d: full-width and other-script digits refused

# Birth-registration codes of the 63 provinces and cities (Circular 59/2021/TT-BCA, annex).
PROVINCE_CODES = frozenset(
    "001 002 004 006 008 010 011 012 014 015 017 019 020 022 024 025 026 027 030 031 033 034 035 036 037 038 "
    "040 042 044 045 046 048 049 051 052 054 056 058 060 062 064 066 067 068 070 072 074 075 077 079 080 082 "
    "083 084 086 087 089 091 092 093 094 095 096".split())


def check_citizen_id(citizen_id: str, gender: str | None = None, birth_year: int | None = None) -> list[str]:
    """Error codes for `citizen_id` (empty when plausible), checked against gender and birth year if given."""
    if not _TWELVE_ASCII_DIGITS.fullmatch(citizen_id or ""):
        return ["citizen_id_format"]
    errors = []
    if citizen_id[:3] not in PROVINCE_CODES:
        errors.append("citizen_id_province")
    digit = int(citizen_id[3])
    if gender in ("male", "female") and digit % 2 != (0 if gender == "male" else 1):
        errors.append("citizen_id_gender")
    if birth_year is not None:
        century = 19 + digit // 2
        if century * 100 + int(citizen_id[4:6]) != birth_year:
            errors.append("citizen_id_birth_year")
    return errors
