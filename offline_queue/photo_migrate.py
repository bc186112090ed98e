"""`fieldkit photos migrate`: copy the file store's portraits into the configured store.

Resumable: an object already in the target with the right hash is skipped, so a run cut short is simply run
again. Verified: each source file must hash to its own name before it is copied (a damaged file is reported,
never copied), and each copy is read back from the target and hashed. It never deletes anything: the file
store stays as it was until the operator removes it.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from sqlalchemy import select

from server.extensions import db
from server.models import Photo

from .photo_store import FileStore, Store


@dataclass
class MigrationReport:
    copied: int = 0
    already_there: int = 0
    damaged: list[str] = field(default_factory=list)      # source file does not hash to its name
    failed: list[str] = field(default_factory=list)       # the copy read back differs
    missing: list[str] = field(default_factory=list)      # a photos row whose object is in neither store

    @property
    def ok(self) -> bool:
        return not (self.damaged or self.failed or self.missing)

    def summary(self) -> str:
        lines = [f"copied: {self.copied}", f"already there: {self.already_there}",
                 f"damaged in the file store (not copied): {len(self.damaged)}",
                 f"failed verification after copy: {len(self.failed)}",
                 f"rows whose photo is in neither store: {len(self.missing)}"]
        for label, digests in (("damaged", self.damaged), ("failed", self.failed), ("missing", self.missing)):
            lines += [f"  {label}: {digest}" for digest in digests]
        return "\n".join(lines)


def migrate(source: FileStore, target: Store, progress=None) -> MigrationReport:
    """Copy every object of `source` into `target`, then check that every photos row's object is there."""
    report = MigrationReport()
    seen = set()
    for digest in source.digests():
        seen.add(digest)
        data = source.read(digest)
        if hashlib.sha256(data).hexdigest() != digest:
            report.damaged.append(digest)
            continue
        if target.holds(digest, data):
            report.already_there += 1
            continue
        target.put(data)
        if hashlib.sha256(target.read(digest)).hexdigest() == digest:
            report.copied += 1
        else:
            report.failed.append(digest)
        if progress and (report.copied + report.already_there) % 1000 == 0:
            progress(report)
    for (stored,) in db.session.execute(select(Photo.stored_sha256).distinct()):
        if stored not in seen and not target.exists(stored):
            report.missing.append(stored)
    return report
