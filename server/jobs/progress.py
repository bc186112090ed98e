"""Counting rows as an import reads its file, for the progress bar: a wrapper around an import source."""
from __future__ import annotations

import time
from contextlib import contextmanager

from server.imports.files import Sheet

TICK_SECONDS = 0.5


class CountingSource:
    """The same source, counting the rows of each pass. An import reads the file twice (check, then write), so
    the first pass is the first half of the bar and the second the other half; `total` is a line count
    estimate taken up front for CSV (quoted newlines make it a little high), then the checked row count."""

    def __init__(self, source, report, on_progress):
        self.source, self.path, self.report, self.on_progress = source, source.path, report, on_progress
        self.passes, self.last = 0, 0.0
        self.total = _estimate_rows(source.path)

    @contextmanager
    def open(self):
        self.passes += 1
        with self.source.open() as sheet:
            yield Sheet(sheet.header_line, sheet.columns, self._count(sheet.rows))

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
        writing = self.passes > 1
        total = self.report.rows_read if writing else self.total
        share = min(done / total, 1.0) if total else 0.0
        self.on_progress({"phase": "writing" if writing else "checking", "rows": done, "total": total or None,
                          "percent": round(50 * (writing + share), 1)})


def _estimate_rows(path) -> int | None:
    if path.suffix.lower() != ".csv":
        return None
    lines = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            lines += chunk.count(b"\n")
    return max(lines - 1, 0)
