"""The keys an import has seen, to refuse a repeated one: an exact set in bounded, small memory.

A million-row registry file holds a million citizen IDs. In a Python set each costs about 70 bytes (the int
object and its slot), 70 MB in all — more than everything else the import keeps, and memory the database's page
cache would put to better use. IntKeys keeps the same keys in about 8 bytes each.
"""
from __future__ import annotations

from array import array
from bisect import bisect_left
from heapq import merge


class IntKeys:
    """An exact set of integers below 2**63 (citizen IDs as numbers): most of them in one sorted array of 8-byte
    integers, the newest in a small set that is merged into the array once it holds a quarter as many."""

    FLOOR = 1 << 18  # the small set grows to at least this before a merge: a members file never merges

    def __init__(self):
        self.sorted, self.recent = array("q"), set()

    def __contains__(self, key: int) -> bool:
        if key in self.recent:
            return True
        at = bisect_left(self.sorted, key)
        return at < len(self.sorted) and self.sorted[at] == key

    def add(self, key: int) -> None:
        self.recent.add(key)
        if len(self.recent) >= max(self.FLOOR, len(self.sorted) // 4):
            self.sorted, self.recent = array("q", merge(self.sorted, sorted(self.recent))), set()

    def __len__(self) -> int:
        return len(self.sorted) + len(self.recent)
