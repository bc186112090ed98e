"""The demo province, generated: units, members and a registry extract that look like real records.

Deterministic for a seed: one random.Random(seed) drawn in a fixed order (units, then each member with its
registry record, then registry-only people), never the module-level random. Rows come out as the text columns
of the interchange files (CONTRACT §4), so the demo passes through the same import checks as an operator's
file and can be written out as those files. The messiness is planted on purpose and recorded in `Truth`:
NFD text and doubled spaces in the files, both tone-mark placements, upper-case registry names, year-only
birth dates, ~5% registry disagreements and ~2% people missing from the registry.
"""
from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Iterator

from ..citizen_id import PROVINCE_CODES
from .data import (AFFILIATED, ETHNICITIES, GIVEN_FEMALE, GIVEN_MALE, HOME_VISIT_NOTES, MIDDLE_FEMALE,
                        MIDDLE_MALE, OTHER_PROVINCES, PLACE_FIRST, PLACE_SECOND, RELIGIONS, STREETS, SURNAMES,
                        other_tone_style)
from ..imports.rows import MEMBER_COLUMNS, MEMBER_OPTIONAL, REGISTRY_COLUMNS, UNIT_COLUMNS

PROVINCE = ("TH", "Tỉnh ủy Thanh Hà", "Thanh Hà")
HOME_ID_PROVINCE = "038"  # most members' births were registered in the province itself
REFERENCE_DAY = date(2025, 6, 1)  # ages and party dates are reckoned from the campaign, not from today
MEMBERS_PER_CELL, CELLS_PER_GRASSROOTS = 50, 8
MISSING_RATE, MISMATCH_RATE, NO_ID_RATE, YEAR_ONLY_RATE = 0.02, 0.05, 0.01, 0.01
MISMATCH_KINDS = ("birth_date_typo", "day_month_swapped", "name_diacritic", "hometown")
UNIT_FILE_COLUMNS = list(UNIT_COLUMNS)
MEMBER_FILE_COLUMNS = list(MEMBER_COLUMNS + MEMBER_OPTIONAL)
REGISTRY_FILE_COLUMNS = list(REGISTRY_COLUMNS)
_AGES = [((22, 35), 25), ((36, 50), 30), ((51, 65), 25), ((66, 80), 14), ((81, 95), 6)]


def _weighted(pairs) -> tuple[list, list]:
    """(values, weights) for random.Random.choices."""
    values, weights = zip(*pairs)
    return list(values), list(weights)


WEIGHTED = {name: _weighted(pairs) for name, pairs in (
    ("surname", SURNAMES), ("male", MIDDLE_MALE), ("female", MIDDLE_FEMALE), ("age", _AGES),
    ("ethnicity", ETHNICITIES), ("religion", RELIGIONS))}


@dataclass
class Truth:
    """What was planted, by member code, so tests can hold the matcher to it."""

    missing: list[str] = field(default_factory=list)
    mismatch: dict[str, str] = field(default_factory=dict)  # member code -> one of MISMATCH_KINDS
    no_citizen_id: list[str] = field(default_factory=list)


class DemoGenerator:
    """Draws the province; `units`, then `members()` (with registry rows), then `registry_only()`, in that order."""

    def __init__(self, members: int, seed: int, registry_extra: int | None = None):
        self.count, self.rng = members, random.Random(seed)
        self.registry_extra = round(0.05 * members) if registry_extra is None else registry_extra
        self.truth, self._ids = Truth(), set()
        self._provinces = sorted(PROVINCE_CODES)
        self.places = self._place_names()
        self.cells: list[tuple[str, str, str]] = []  # (cell code, cell name, grassroots place)
        self.units = self._units()
        self.first_grassroots = self.units[2][0]

    def _place_names(self) -> list[str]:
        names = [f"{a} {b}" for a in PLACE_FIRST for b in PLACE_SECOND if a != b]
        self.rng.shuffle(names)
        return names

    def _units(self) -> list[list[str]]:
        code, name, _ = PROVINCE
        rows = [[code, name, "province", ""]]
        grassroots = max(2 * len(AFFILIATED), round(self.count / (MEMBERS_PER_CELL * CELLS_PER_GRASSROOTS)))
        per_cell = self.count / grassroots / MEMBERS_PER_CELL
        place = 0
        for a, (prefix, town) in enumerate(AFFILIATED, start=1):
            a_code, urban = f"{code}-{a:02d}", prefix != "Huyện"
            rows.append([a_code, f"Đảng bộ {prefix.lower()} {town}", "affiliated", code])
            for g in range(1, grassroots // len(AFFILIATED) + (a <= grassroots % len(AFFILIATED)) + 1):
                g_code = f"{a_code}-{g:02d}"
                level, ward = "Phường" if urban else "Xã", self._place(place)
                g_place = f"{level} {ward}"
                place += 1
                rows.append([g_code, f"Đảng bộ {level.lower()} {ward}", "grassroots", a_code])
                for c in range(1, max(2, round(per_cell + self.rng.uniform(-1.5, 1.5))) + 1):
                    cell = f"Khu phố {c}" if urban else f"Thôn {c}"
                    rows.append([f"{g_code}-{c:02d}", f"Chi bộ {cell}", "cell", g_code])
                    self.cells.append((f"{g_code}-{c:02d}", cell, g_place))
        return rows

    def _place(self, index: int) -> str:
        name = self.places[index % len(self.places)]
        return name if index < len(self.places) else f"{name} {index // len(self.places) + 1}"

    def _sizes(self) -> list[int]:
        """Members per cell: uneven like real cells, summing exactly to the requested count."""
        weights = [self.rng.uniform(0.6, 1.4) for _ in self.cells]
        total = sum(weights)
        sizes = [int(self.count * w / total) for w in weights]
        for i in range(self.count - sum(sizes)):
            sizes[i % len(sizes)] += 1
        return sizes

    def _citizen_id(self, gender: str, year: int) -> str:
        province = HOME_ID_PROVINCE if self.rng.random() < 0.75 else self.rng.choice(self._provinces)
        head = f"{province}{(year // 100 - 19) * 2 + (gender == 'female')}{year % 100:02d}"
        while True:
            value = f"{head}{self.rng.randrange(1_000_000):06d}"
            if int(value) not in self._ids:
                self._ids.add(int(value))
                return value

    def _birthday(self, first: int, last: int) -> date:
        return date(self.rng.randint(first, last), 1, 1) + timedelta(days=self.rng.randrange(365))

    def _name(self, gender: str) -> tuple[str, str]:
        """A full name and the same name with a confusable given name (Hùng/Hưng)."""
        surname = self.rng.choices(*WEIGHTED["surname"])[0]
        middle = self.rng.choices(*WEIGHTED[gender])[0]
        given, confusable = self.rng.choice(GIVEN_MALE if gender == "male" else GIVEN_FEMALE)
        name, other = f"{surname} {middle} {given}", f"{surname} {middle} {confusable}"
        if self.rng.random() < 0.5:
            name, other = other_tone_style(name), other_tone_style(other)
        return name, other

    def _hometown(self) -> str:
        if self.rng.random() < 0.7:
            return f"Xã {self.rng.choice(self.places)}, {PROVINCE[2]}"
        return f"Xã {self.rng.choice(self.places)}, {self.rng.choice(OTHER_PROVINCES)}"

    def members(self) -> Iterator[tuple[list[str], list[str] | None]]:
        """Member rows in file column order, each with its registry row (None for the planted missing)."""
        rng, n = self.rng, self.count
        sizes = self._sizes()
        picks = rng.sample(range(n), min(n, round(n * (MISSING_RATE + MISMATCH_RATE + NO_ID_RATE))))
        cut1, cut2 = round(n * MISSING_RATE), round(n * (MISSING_RATE + MISMATCH_RATE))
        marks = {"missing": set(picks[:cut1]), "mismatch": set(picks[cut1:cut2]), "no_id": set(picks[cut2:])}
        marks["veteran"] = set(rng.sample(range(n), min(n, max(1, round(n * 0.003)))))
        marks["central"] = set(rng.sample(range(n), min(n, max(1, round(n * 0.0005))))) - marks["veteran"]
        prefix = f"{self.first_grassroots}-"
        first = sum(size for (code, _, _), size in zip(self.cells, sizes) if code.startswith(prefix))
        marks["visit"] = set(rng.sample(range(first), min(first, 5)))  # so the first ward's tablets have visits
        index = 0
        for cell, size in zip(self.cells, sizes):
            for _ in range(size):
                yield self._member(index, cell, {name for name, chosen in marks.items() if index in chosen})
                index += 1

    def _member(self, index: int, cell: tuple[str, str, str], marks: set[str]):
        rng, (cell_code, cell_name, g_place) = self.rng, cell
        veteran, central = "veteran" in marks, "central" in marks
        code, gender = f"{PROVINCE[0]}{index + 1:06d}", "male" if rng.random() < 0.64 or veteran else "female"
        if veteran:
            born = self._birthday(1922, 1928)
            joined = self._birthday(max(1940, born.year + 16), 1944)
        else:
            youngest, oldest = rng.choices(*WEIGHTED["age"])[0]
            if central:
                youngest, oldest = 67, 80
            born = self._birthday(REFERENCE_DAY.year - oldest, REFERENCE_DAY.year - youngest)
            joined = min(self._birthday(born.year + 18, born.year + 40), REFERENCE_DAY - timedelta(days=800))
        official = joined + timedelta(days=365 + rng.randrange(90))
        age = REFERENCE_DAY.year - born.year
        year_only = rng.random() < (0.3 if veteran else YEAR_ONLY_RATE if age > 60 else 0.002)
        citizen_id = self._citizen_id(gender, born.year)
        name, confusable = self._name(gender)
        hometown = self._hometown()
        address = (f"Số {rng.randint(1, 199)} đường {rng.choice(STREETS)}, {cell_name}, {g_place}, {PROVINCE[2]}"
                   if g_place.startswith("Phường") else f"{cell_name}, {g_place}, {PROVINCE[2]}")
        needs_visit = "visit" in marks or rng.random() < (0.12 if age >= 80 else 0.022)
        member_name = name
        if rng.random() < 0.01:
            member_name = name.replace(" ", "  ", 1) + " "
        text = [member_name, hometown, address]
        if rng.random() < 0.05:  # typed on a keyboard that sends decomposed characters
            text = [unicodedata.normalize("NFD", value) for value in text]
        no_id = "no_id" in marks
        if no_id:
            self.truth.no_citizen_id.append(code)
        row = [code, cell_code, text[0], str(born.year) if year_only else born.isoformat(), gender,
               "" if no_id else citizen_id, text[1], text[2], joined.isoformat(), official.isoformat(),
               "veteran" if veteran else "former_central_committee" if central else "standard",
               "yes" if needs_visit else "no",
               f"{rng.randrange(10_000_000, 100_000_000)}", f"0{rng.choice('9873')}{rng.randrange(10**8):08d}"
               if rng.random() < 0.7 else "", rng.choices(*WEIGHTED["ethnicity"])[0],
               rng.choices(*WEIGHTED["religion"])[0], rng.choice(HOME_VISIT_NOTES) if needs_visit else ""]
        if "missing" in marks:
            self.truth.missing.append(code)
            return row, None
        registry = [citizen_id, name if rng.random() < 0.7 else other_tone_style(name), born.isoformat(), gender,
                    hometown, address]
        if "mismatch" in marks:
            kind = self._plant(registry, born, year_only, confusable)
            self.truth.mismatch[code] = kind
        if rng.random() < 0.05:
            registry[1] = registry[1].upper()
        elif rng.random() < 0.03:
            registry[1] = unicodedata.normalize("NFD", registry[1])
        return row, registry

    def _plant(self, registry: list[str], born: date, year_only: bool, confusable: str) -> str:
        """Make one registry field disagree the way real records do; the year of birth stays (the ID holds it)."""
        rng = self.rng
        kind = rng.choice(MISMATCH_KINDS[2:] if year_only else MISMATCH_KINDS)
        if kind == "day_month_swapped" and not (born.day <= 12 and born.day != born.month):
            kind = "birth_date_typo"
        if kind == "birth_date_typo":
            day = rng.choice([d for d in range(1, 29) if d != born.day])
            registry[2] = born.replace(day=day).isoformat()
        elif kind == "day_month_swapped":
            registry[2] = date(born.year, born.day, born.month).isoformat()
        elif kind == "name_diacritic":
            registry[1] = confusable
        else:
            registry[4] = f"Xã {rng.choice([p for p in self.places[:50] if p not in registry[4]])}, {PROVINCE[2]}"
        return kind

    def registry_only(self) -> Iterator[list[str]]:
        """People in the registry extract who are not party members."""
        rng = self.rng
        for _ in range(self.registry_extra):
            gender = "male" if rng.random() < 0.5 else "female"
            born = self._birthday(REFERENCE_DAY.year - 90, REFERENCE_DAY.year - 18)
            name, _ = self._name(gender)
            yield [self._citizen_id(gender, born.year), name, born.isoformat(), gender, self._hometown(),
                   f"Thôn {rng.randint(1, 12)}, Xã {rng.choice(self.places)}, {PROVINCE[2]}"]
