"""Counting rows as an import reads its file, for the progress bar: a wrapper around an import source."""
from __future__ import annotations

import time
from contextlib import contextmanager

from server.imports.files import Sheet

TICK_SECONDS = 0.5


class CountingSource:
    """The same source, counting the rows of each pass. An import that reads the file twice (check, then write)
    fills the first half of the bar with the check and the other half with the write; one that writes while it
    checks (`one_pass`: members and registry) fills the whole bar in its one read, as "writing". `total` is a
    line count estimate taken up front for CSV (quoted newlines make it a little high), then the checked count."""

    def __init__(self, source, report, on_progress, *, one_pass: bool = False):
        self.source, self.path, self.report, self.on_progress = source, source.path, report, on_progress
        self.passes, self.last, self.one_pass = 0, 0.0, one_pass
        self.total = _estimate_rows(source.path)

    @contextmanager
    def open(self):
        self.passes += 1
        with self.source.open() as sheet:
            yield Sheet(sheet.header_line, sheet.columns, self._count(sheet.rows), sheet.sheet)

    def _count(self, rows):
        done = 0
        for item in rows:
            done += 1
            if not done % 256 and time.monotonic() - self.last >= TICK_SECONDS:
                self._tell(done)
            yield item
        self._tell(done, force=True)

    def _tell(self, done: int, force: bool = False) -> None:
        self.last = time.monotonic()
        writing = self.passes > 1 or self.one_pass
        total = self.report.rows_read if self.passes > 1 else self.total
        share = min(done / total, 1.0) if total else 0.0
        percent = 100 * share if self.one_pass else 50 * (writing + share)
        self.on_progress({"phase": "writing" if writing else "checking", "rows": done, "total": total or None,
                          "percent": round(percent, 1)})


def _estimate_rows(path) -> int | None:
    if path.suffix.lower() != ".csv":
        return None
    lines = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            lines += chunk.count(b"\n")
    return max(lines - 1, 0)
