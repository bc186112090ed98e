"""The record imports' writing thread (Background); the statements each batch runs are in server.imports.write."""
from __future__ import annotations

import sys
import threading
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import wait as wait_for
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .write import StagedUpsert


class Background:
    """Writes batches on a worker thread while the reading thread checks the next: the database (a server
    process, or SQLite's C code, which releases the GIL) works in parallel with the row checks.

    Batches are written in order on one worker thread, so the session's connection is used by one thread at a time:
    the reader touches it again only after wait(), which leaving the block always does, error or not, so a
    savepoint is never rolled back under a running write. A staged batch is handed over once the one before it is
    written (`written` for it may use the connection: a members batch adds its new members' tallies). A first
    import's batches (direct) may be two ahead: one being written while the next waits its turn, so neither thread
    waits for the other whenever a batch takes one of them a little longer; `written` for a direct batch runs
    while the next one is being written and must not use the connection (it only marks the session). A write's
    error is raised in the reading thread."""

    def __init__(self, report, written=None):
        self.report, self.written, self.pending, self.pool = report, written, deque(), None
        self.failed = False  # set on the worker thread: a batch queued behind a failed one is not written

    def __enter__(self):
        _quick_switches(+1)
        return self

    def write(self, writer: StagedUpsert, batch: list[tuple]) -> None:
        """Hand `batch` to the worker (once the ones before it allow, see above); the report counts it."""
        while len(self.pending) >= (2 if writer.direct else 1):
            self._settle()
        if self.pool is None:
            self.pool = ThreadPoolExecutor(1, thread_name_prefix="import-write")
        self.pending.append((self.pool.submit(self._run, writer.write, writer.packed(batch)), len(batch)))

    def _run(self, write, packed):
        """On the worker: one batch, unless one before it failed (the reader may not have seen that yet, and the
        transaction is going to be rolled back: writing more into it would only spend the time)."""
        if self.failed:
            raise _Skipped
        try:
            return write(packed)
        except BaseException:
            self.failed = True
            raise

    def wait(self) -> None:
        """Until every batch handed over is written (and counted)."""
        while self.pending:
            self._settle()

    def _settle(self) -> None:
        future, rows = self.pending[0]
        created, changed, seen = future.result()
        self.pending.popleft()
        if self.written is not None:
            self.written(seen)  # on this (the reading) thread: the session is its own
        self.report.created += created
        self.report.updated += rows - created
        self.report.unchanged += rows - created - changed

    def __exit__(self, *error):
        try:
            futures = [future for future, _ in self.pending]
            if error[0] is not None:
                for future in futures:
                    future.cancel()  # one not started yet never will be
            wait_for(futures)  # let a write in flight finish before anyone rolls back
            if error[0] is None:
                self.wait()
        finally:
            if self.pool is not None:
                self.pool.shutdown(wait=True)
            _quick_switches(-1)
        return False


class _Skipped(Exception):
    """A batch not written because one before it failed; its error is the one raised."""


# While an import writes beside its checks, the interpreter lets a waiting thread have the GIL after 0.25 ms instead
# of 5: the writing thread needs it back after each statement, and the reading thread, busy in Python, gave it up
# only when the interval ran out (250,000 members: 1 ms instead of 5 took 0.2-0.5 s off the reader's waits for
# the writer, 0.25 ms instead of 1 another 0.15-0.2 s off the import, the same CPU: the interval only shortens
# each wait, the writer asks as often). Process-wide, so counted: the last import to finish puts it back.
_SWITCH = 0.00025
_switching = {"imports": 0, "before": None}
_switching_lock = threading.Lock()


def _quick_switches(step: int) -> None:
    with _switching_lock:
        if step > 0 and _switching["imports"] == 0:
            _switching["before"] = sys.getswitchinterval()
            sys.setswitchinterval(min(_SWITCH, _switching["before"]))
        _switching["imports"] += step
        if step < 0 and _switching["imports"] == 0:
            sys.setswitchinterval(_switching["before"])
