"""The registry check: one matcher, used by submission ingest and by batch reconciliation.

A person (party record or submitted record) is compared with the population registry field by field.
Each field gets `match`, `minor` (equal only under the name key: Unicode form, tone-mark placement,
case, spacing), `mismatch`, or `missing` (one side empty). The overall class is `matched`,
`matched_minor`, `mismatch`, `not_found` or `ambiguous`.
"""
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select

from .extensions import db
from .models import RegistryRecord
from .text import clean_text, name_key

VERIFIED_CLASSES = ("matched", "matched_minor")


class RegistryClient:
    """Where registry records come from. The default reads the local extract table; a service client
    for the real registry can replace it by setting REGISTRY_CLIENT to a class path."""

    def by_citizen_id(self, citizen_id: str) -> RegistryRecord | None:
        return db.session.scalar(select(RegistryRecord).where(RegistryRecord.citizen_id == citizen_id))

    def by_citizen_ids(self, citizen_ids) -> dict[str, RegistryRecord]:
        rows = db.session.scalars(select(RegistryRecord).where(RegistryRecord.citizen_id.in_(list(citizen_ids))))
        return {row.citizen_id: row for row in rows}

    def candidates(self, key: str, birth_year: int) -> list[RegistryRecord]:
        return list(db.session.scalars(select(RegistryRecord).where(
            RegistryRecord.name_key == key, RegistryRecord.birth_year == birth_year).limit(10)))


def registry_client() -> RegistryClient:
    """The configured registry client (the local table unless REGISTRY_CLIENT names another class)."""
    path = current_app.config.get("REGISTRY_CLIENT")
    if not path:
        return RegistryClient()
    module, _, name = path.rpartition(".")
    return getattr(__import__(module, fromlist=[name]), name)()


@dataclass
class MatchResult:
    klass: str
    fields: dict = field(default_factory=dict)  # name -> {"result", "record", "registry"}
    registry_id: int | None = None
    candidates: list = field(default_factory=list)  # registry citizen_ids when not found by ID

    @property
    def verified(self) -> bool:
        return self.klass in VERIFIED_CLASSES

    def as_dict(self) -> dict:
        return {"class": self.klass, "fields": self.fields, "registry_id": self.registry_id,
                "candidates": self.candidates}


def compare_text(ours: str | None, theirs: str | None) -> str:
    ours, theirs = clean_text(ours or ""), clean_text(theirs or "")
    if not ours or not theirs:
        return "missing"
    if ours == theirs:
        return "match"
    return "minor" if name_key(ours) == name_key(theirs) else "mismatch"


def compare_dates(ours: str | None, theirs: str | None) -> str:
    """Dates as 'YYYY' or 'YYYY-MM-DD'; a year-only date agrees with any date in that year."""
    if not ours or not theirs:
        return "missing"
    if ours == theirs or ((len(ours) == 4 or len(theirs) == 4) and ours[:4] == theirs[:4]):
        return "match"
    return "mismatch"


def compare_fields(person: dict, record: RegistryRecord) -> dict:
    """Field-level comparison of a person dict (API field names) with one registry record."""
    results = {
        "full_name": compare_text(person.get("full_name"), record.full_name),
        "date_of_birth": compare_dates(person.get("date_of_birth"), record.date_of_birth),
        "gender": "missing" if not person.get("gender") else
                  ("match" if person.get("gender") == record.gender else "mismatch"),
        "hometown": compare_text(person.get("hometown"), record.hometown),
        "citizen_id": "missing" if not person.get("citizen_id") else
                      ("match" if person.get("citizen_id") == record.citizen_id else "mismatch"),
    }
    return {name: {"result": result, "record": person.get(name), "registry": getattr(record, name)}
            for name, result in results.items()}


def classify(fields: dict) -> str:
    results = {f["result"] for f in fields.values()}
    if results <= {"match"}:
        return "matched"
    if results <= {"match", "minor"}:
        return "matched_minor"
    return "mismatch"


def match_person(person: dict, client: RegistryClient | None = None, record: RegistryRecord | None = None) -> MatchResult:
    """Compare one person with the registry: by citizen ID first, else by name key and birth year."""
    client = client or registry_client()
    cid = person.get("citizen_id")
    if record is None and cid:
        record = client.by_citizen_id(cid)
    if record is not None:
        fields = compare_fields(person, record)
        return MatchResult(classify(fields), fields, record.id)
    dob = person.get("date_of_birth") or ""
    if not person.get("full_name") or len(dob) < 4 or not dob[:4].isdigit():
        return MatchResult("not_found")
    found = [r for r in client.candidates(name_key(person["full_name"]), int(dob[:4]))
             if compare_dates(dob, r.date_of_birth) == "match"]
    if not found:
        return MatchResult("not_found")
    if len(found) > 1:
        return MatchResult("ambiguous", candidates=[r.citizen_id for r in found])
    fields = compare_fields(person, found[0])
    return MatchResult("mismatch", fields, found[0].id, [found[0].citizen_id])
