"""Importing a batch of printed cards (CONTRACT §4 `cards`): all or nothing, set-based, in chunks.

The check pass reads the file once, keeping only the card numbers and member codes seen (to catch repeats);
every chunk of rows is checked against the database with three IN queries (members, card numbers already
stored, the members' live cards), never one query per row. The write pass voids the reprinted members'
earlier cards and inserts the new ones with their first history step, a handful of statements per chunk.
A re-import of the same file changes nothing (same number, member and batch: unchanged). A reprint for a
member whose card was already handed over is refused: that card is in the member's hands.
"""
from __future__ import annotations

import re

from sqlalchemy import Integer, and_, cast, insert, literal, select, update

from server.dashboard import tallies
from server.extensions import db
from server.imports.files import FileProblem
from server.imports.rows import Row, check_header
from server.imports.importers import RecordImport
from server.models import Member, Unit, utcnow
from server.scope import subtree_unit_ids

from .models import Card, CardEvent

CHUNK = 5000  # rows checked and written per set of IN queries (well under SQLite's 32,766 parameters)
_SPACE = re.compile(r"\s").search
_LIVE_NOT_HANDED = ("at_unit", "in_transit", "missing", "damaged")


def _code(row: Row, field: str) -> str:
    """A code column: plain printable ASCII (nearly every row) is taken as it is; anything else is cleaned
    (NFC, spaces, invisible characters) by Row.text, which costs several times more per value."""
    value = row.values.get(field, "")
    if 0 < len(value) <= 64 and value.isascii() and value.isprintable() and value == value.strip() \
            and "  " not in value:
        return value
    return row.text(field, 64, required=True)


def parse_card(values: dict[str, str], today) -> tuple[dict, list[str]]:
    """A cards row: card_number, member_code, batch_code, optional printed_on (not in the future)."""
    row = Row(values, today)
    record = {"card_number": _code(row, "card_number"), "member_code": _code(row, "member_code"),
              "batch_code": _code(row, "batch_code"), "printed_on": row.date("printed_on")}
    if _SPACE(record["card_number"]):
        row.fail("card_number", "may not contain spaces")
    return record, row.errors


class CardImport(RecordImport):
    """Cards by card_number; the batch is stored `at_unit` at the importer's unit (the CLI: the root)."""

    model, key, unique = Card, "card_number", ("card_number", "member_code")
    user = None
    WRITES_WHILE_CHECKING = False  # checks every row first (reprints need the whole file), then writes

    def parse(self, values):
        record, errors = parse_card(values, self.today)
        return record, errors, []  # a card row has nothing to warn about: it is usable or it is not

    # -- the check pass ---------------------------------------------------------------------------------

    def check(self, source) -> None:
        seen = {name: {} for name in self.unique}  # value → first line
        with source.open() as sheet:
            problems = check_header(self.kind, sheet.columns, sheet.sheet)
            if problems:
                self.report.reject(sheet.header_line, problems)
                return
            chunk = []
            for line, values in sheet.rows:
                self.report.rows_read += 1
                record, errors, _ = self._row(sheet.columns, values)
                for name in self.unique:
                    value = record.get(name)
                    if value and value in seen[name]:
                        errors.append(f"{name}: repeats line {seen[name][value]}")
                    elif value:
                        seen[name][value] = line
                chunk.append((line, record, errors))
                if len(chunk) == CHUNK:
                    self._check_chunk(chunk)
                    chunk = []
            if chunk:
                self._check_chunk(chunk)

    def _lookups(self, records: list[dict]):
        """Members by code, stored cards by number, and the members' live cards: three queries a chunk."""
        codes = {r["member_code"] for r in records if r.get("member_code")}
        query = select(Member.member_code, Member.id).where(Member.member_code.in_(codes), Member.removed_at.is_(None))
        if self.user is not None:  # a unit admin's upload: a member outside their subtree reads as unknown, and
            query = query.where(Member.unit_id.in_(subtree_unit_ids(self.user.unit)))  # a reprint never voids theirs
        members = dict(db.session.execute(query).all()) if codes else {}
        numbers = [r["card_number"] for r in records if r.get("card_number")]
        stored = {row.card_number: row for row in db.session.execute(
            select(Card.card_number, Card.member_id, Card.batch_code).where(Card.card_number.in_(numbers)))}
        live = {row.member_id: row for row in db.session.execute(
            select(Card.member_id, Card.card_number, Card.status).where(
                Card.member_id.in_(set(members.values())), Card.status != "void"))} if members else {}
        return members, stored, live

    def _check_chunk(self, chunk) -> None:
        members, stored, live = self._lookups([record for _, record, errors in chunk if not errors])
        for line, record, errors in chunk:
            if not errors:
                errors += self._conflicts(record, members, stored, live)
            if errors:
                self.report.reject(line, errors)

    @staticmethod
    def _conflicts(record, members, stored, live) -> list[str]:
        member_id = members.get(record["member_code"])
        if member_id is None:
            return [f"member_code: no member has the code {record['member_code']}"]
        old = stored.get(record["card_number"])
        if old is not None:
            if (old.member_id, old.batch_code) == (member_id, record["batch_code"]):
                return []  # this very card, imported before: unchanged
            return ["card_number: already belongs to another card (card numbers are unique)"]
        current = live.get(member_id)
        if current is not None and current.status == "handed_over":
            return [f"member_code: the member's card {current.card_number} was already handed over; "
                    "a reprint cannot void it"]
        return []

    # -- the write pass ---------------------------------------------------------------------------------

    def _home(self) -> int:
        """The unit a batch is stored at: the importer's, or the root of the tree for the CLI."""
        if self.user is not None:
            return self.user.unit_id
        root = db.session.scalar(select(Unit.id).where(Unit.parent_id.is_(None)).order_by(Unit.id).limit(1))
        if root is None:
            raise FileProblem(0, "there is no unit tree yet: import the units first")
        return root

    def write(self, source) -> None:
        self.now, self.unit_id, self.voided = utcnow(), self._home(), 0
        self.by_id = getattr(self.user, "id", None)
        with source.open() as sheet:
            chunk = []
            for line, values in sheet.rows:
                record, errors, _ = self._row(sheet.columns, values)
                if errors:
                    raise FileProblem(line, "the file changed during the import: " + errors[0])
                chunk.append((line, record))
                if len(chunk) == CHUNK:
                    self._write_chunk(chunk)
                    chunk = []
            if chunk:
                self._write_chunk(chunk)

    def _write_chunk(self, chunk) -> None:
        members, stored, live = self._lookups([record for _, record in chunk])
        new = []
        for line, record in chunk:
            problems = self._conflicts(record, members, stored, live)
            if problems:
                raise FileProblem(line, "the data changed during the import: " + problems[0])
            if record["card_number"] in stored:
                self.report.unchanged += 1
                self.report.updated += 1
                continue
            new.append({"card_number": record["card_number"], "member_id": members[record["member_code"]],
                        "batch_code": record["batch_code"], "printed_on": record["printed_on"],
                        "status": "at_unit", "unit_id": self.unit_id, "created_at": self.now,
                        "updated_at": self.now})
        if not new:
            return
        again = [row["member_id"] for row in new if row["member_id"] in live]  # reprints: rare, so looked up
        if again:
            reprinted = and_(Card.member_id.in_(again), Card.status.in_(_LIVE_NOT_HANDED))
            self.voided += self._event_from(reprinted, "void", Card.unit_id, "reprinted")
            db.session.execute(update(Card).where(reprinted).values(status="void", updated_at=self.now)
                               .execution_options(synchronize_session=False))
        db.session.execute(insert(Card), new)
        tallies.touch(row["member_id"] for row in new)  # printed (and a reprint's voided card): the counters
        numbers = [row["card_number"] for row in new]
        self._event_from(Card.card_number.in_(numbers), "at_unit", literal(self.unit_id),
                         f"printed, batch {new[0]['batch_code']}" if len({r['batch_code'] for r in new}) == 1
                         else "printed")
        self.report.created += len(new)

    def _event_from(self, where, status: str, unit, note: str) -> int:
        """One history step for every card `where` selects, in one INSERT … SELECT."""
        result = db.session.execute(insert(CardEvent).from_select(
            ["card_id", "status", "unit_id", "by_id", "at", "note"],
            select(Card.id, literal(status), unit, cast(literal(self.by_id), Integer), literal(self.now, CardEvent.at.type),
                   literal(note)).where(where)))
        return result.rowcount or 0

