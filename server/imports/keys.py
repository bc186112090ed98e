"""The keys an import has seen, to refuse a repeated one: an exact set in bounded, small memory.

A million-row registry file holds a million citizen IDs. In a Python set each costs about 70 bytes (the int
object and its slot), 70 MB in all — more than everything else the import keeps, and memory the database's page
cache would put to better use. IntKeys keeps the same keys in about 8 bytes each. A members file's codes
("TH000001") are short ASCII text: `compact` packs such a code into one integer (exactly: two codes share an
integer only if they are the same text), so they take 8 bytes each too.
"""
from __future__ import annotations

from array import array
from bisect import bisect_left


def compact(value: str):
    """`value` as an integer when it is ASCII text of 1 to 8 characters without NUL (its bytes, big-endian:
    below 2**63 and one integer per text), else the text itself."""
    if 0 < len(value) <= 8 and value.isascii() and "\x00" not in value:
        return int.from_bytes(value.encode("ascii"), "big")
    return value


class IntKeys:
    """An exact set of integers below 2**63 (citizen IDs as numbers): most of them in one sorted array of 8-byte
    integers, the newest in a small set that is merged into the array once it holds a quarter as many."""

    FLOOR = 1 << 17  # the small set grows to at least this before a merge: once for a 250,000-member file
    # A bit per key's remainder by a prime of about 2**23 (1 MiB): an unset bit proves a key new without a search
    # of the array (about 1 µs); a set bit only means "look". Nearly every key of a file is new.
    SLOTS = 8388593

    def __init__(self):
        self.sorted, self.recent, self.limit = array("q"), set(), self.FLOOR
        self.bits = bytearray((self.SLOTS >> 3) + 1)

    def __contains__(self, key: int) -> bool:
        slot = key % self.SLOTS
        if not self.bits[slot >> 3] & (1 << (slot & 7)):
            return False
        if key in self.recent:
            return True
        at = bisect_left(self.sorted, key)
        return at < len(self.sorted) and self.sorted[at] == key

    def add(self, key: int) -> None:
        self.add_new(key)

    def add_new(self, key: int) -> bool:
        """Add `key`; False when it was there already (one look where `in` and add() take two)."""
        slot, bits = key % self.SLOTS, self.bits
        if bits[slot >> 3] & (1 << (slot & 7)):
            if key in self.recent:
                return False
            at = bisect_left(self.sorted, key)
            if at < len(self.sorted) and self.sorted[at] == key:
                return False
        else:
            bits[slot >> 3] |= 1 << (slot & 7)
        self.recent.add(key)
        if len(self.recent) >= self.limit:
            self._merge()
            self.limit = max(self.FLOOR, len(self.sorted) // 4)
        return True

    def _merge(self) -> None:
        """The small set into the array: each new key placed by bisection, the runs between them copied in C,
        so every key passes through Python once however often the array is rebuilt."""
        old, new, start = self.sorted, array("q"), 0
        if not old:  # the first merge: nothing to place the keys between
            self.sorted, self.recent = array("q", sorted(self.recent)), set()
            return
        for key in sorted(self.recent):
            at = bisect_left(old, key, start)
            new.extend(old[start:at])
            new.append(key)
            start = at
        new.extend(old[start:])
        self.sorted, self.recent = new, set()

    def __len__(self) -> int:
        return len(self.sorted) + len(self.recent)


class Keys:
    """An exact set of import keys: integers (citizen IDs, packed codes) in an IntKeys, any other key in a set."""

    def __init__(self):
        self.ints, self.other = IntKeys(), set()

    def __contains__(self, key) -> bool:
        return key in self.ints if key.__class__ is int else key in self.other

    def add(self, key) -> None:
        (self.ints if key.__class__ is int else self.other).add(key)

    def add_new(self, key) -> bool:
        """Add `key`; False when it was there already."""
        if key.__class__ is int:
            return self.ints.add_new(key)
        if key in self.other:
            return False
        self.other.add(key)
        return True

    def __len__(self) -> int:
        return len(self.ints) + len(self.other)
