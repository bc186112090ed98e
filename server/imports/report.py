"""What an import read and did (ImportReport): counts, the rejected and warned rows with their reasons, and the
summary the command line prints and a job keeps."""
from __future__ import annotations

from dataclasses import dataclass, field

MAX_LISTED = 1000  # rejections listed one by one; past this a report only counts them


@dataclass
class ImportReport:
    """What an import read and did. `rejected` and `warnings` list (line, reasons); line 0 means the whole file.

    A warned row is stored (when nothing is rejected): warnings never change the exit status.
    """

    kind: str
    source: str
    rows_read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0  # of `updated`: rows the file matched but did not change
    rejected: list[tuple[int, list[str]]] = field(default_factory=list)
    rejected_total: int = 0
    warnings: list[tuple[int, list[str]]] = field(default_factory=list)
    warned_total: int = 0

    def reject(self, line: int, reasons: list[str]) -> None:
        self.rejected_total += 1
        if len(self.rejected) < MAX_LISTED:
            self.rejected.append((line, reasons))

    def warn(self, line: int, reasons: list[str]) -> None:
        self.warned_total += 1
        if len(self.warnings) < MAX_LISTED:
            self.warnings.append((line, reasons))

    @property
    def lists_next(self) -> bool:
        """Whether the next rejection would be listed by its line (past MAX_LISTED they are only counted)."""
        return len(self.rejected) < MAX_LISTED

    @property
    def stored(self) -> bool:
        return not self.rejected_total

    def summary(self) -> str:
        head = (f"import {self.kind} from {self.source}: {self.rows_read} rows read, {self.created} created, "
                f"{self.updated} updated ({self.unchanged} unchanged), {self.rejected_total} rejected, "
                f"{self.warned_total} with warnings")
        lines = [head]
        if not self.stored:
            lines.append("nothing was stored: fix these rows and import the whole file again")
            lines += _listed(self.rejected, self.rejected_total, "rejected rows")
        if self.warned_total:
            lines.append("warnings (rows stored as they are; the pre-collection check shows them to the officer):"
                         if self.stored else "warnings:")
            lines += _listed(self.warnings, self.warned_total, "rows with warnings")
        return "\n".join(lines)


def _listed(rows: list[tuple[int, list[str]]], total: int, what: str) -> list[str]:
    lines = [f"  {f'line {line}' if line else 'file'}: {'; '.join(reasons)}" for line, reasons in rows]
    if total > len(rows):
        lines.append(f"  ... and {total - len(rows)} more {what}")
    return lines
