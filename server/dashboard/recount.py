"""The dashboard's aggregates counted from scratch: `rebuild` rewrites them set-based from the source tables
(`fieldkit rebuild-daily`: after a restore, or after rows were written below the application), and
`per_member` is the per-member count the progress table made before the aggregates existed — kept as the
reference the tests and the benchmark compare the aggregates with. Neither is on a request's path."""
from __future__ import annotations

from sqlalchemy import Date, case, cast, delete, exists, func, literal, select, text

from server.extensions import db
from server.models import Member, Submission
from server.record_fields import VIETNAM

from .models import CollectedDaily, MemberTally, UnitTally
from .tallies import COUNTS


def _sources():
    from server.cards.models import Card
    from server.schedules.models import OPEN_STATUSES, Booking
    return {"collected": exists().where(Submission.member_id == Member.id),
            "verified": exists().where(Submission.member_id == Member.id, Submission.status == "verified"),
            "booked": exists().where(Booking.member_id == Member.id, Booking.status.in_(OPEN_STATUSES)),
            "cards_printed": exists().where(Card.member_id == Member.id, Card.status != "void"),
            "cards_handed_over": exists().where(Card.member_id == Member.id, Card.status == "handed_over")}


def per_member(unit_ids) -> list[tuple]:
    """The rows `tallies.per_unit` gives, counted member by member (an EXISTS per member and count)."""
    sources = _sources()
    return [tuple(int(v or 0) for v in row) for row in db.session.execute(
        select(Member.unit_id, func.count(Member.id),
               *(func.sum(case((sources[name], 1), else_=0)) for name in COUNTS[1:]))
        .where(Member.unit_id.in_(unit_ids), Member.removed_at.is_(None)).group_by(Member.unit_id))]


def vietnam_date(moment):
    """SQL for the Vietnam calendar day of a UTC timestamp (UTC+7 all year: no daylight saving)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return cast(func.timezone("UTC", moment) + literal(VIETNAM.utcoffset(None)), Date)
    return func.date(moment, f"+{VIETNAM.utcoffset(None).total_seconds() / 3600:g} hours")


def rebuild() -> int:
    """Recount every member's tally, the per-unit counters and the per-day counts; returns members collected.

    On PostgreSQL the three tables are locked for the rebuild: a commit that wants to add to them waits and
    then counts its difference against the rebuilt rows, so nothing is lost or doubled."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("LOCK TABLE member_tallies, unit_tallies, collected_daily IN EXCLUSIVE MODE"))
    for model in (CollectedDaily, UnitTally, MemberTally):
        db.session.execute(delete(model))
    sources = _sources()
    live = Member.removed_at.is_(None)
    first = select(func.min(Submission.received_at)).where(Submission.member_id == Member.id).scalar_subquery()
    flags = [case((live, 1), else_=0)] + [case((live & sources[name], 1), else_=0) for name in COUNTS[1:]]
    db.session.execute(MemberTally.__table__.insert().from_select(
        ["member_id", "unit_id", *COUNTS, "first_day"],
        select(Member.id, Member.unit_id, *flags, case((live, vietnam_date(first)), else_=None))))
    tally = MemberTally.__table__.c
    db.session.execute(UnitTally.__table__.insert().from_select(
        ["unit_id", *COUNTS], select(tally.unit_id, *(func.sum(tally[n]) for n in COUNTS)).group_by(tally.unit_id)))
    db.session.execute(CollectedDaily.__table__.insert().from_select(
        ["unit_id", "day", "collected"], select(tally.unit_id, tally.first_day, func.count())
        .where(tally.collected == 1).group_by(tally.unit_id, tally.first_day)))
    return int(db.session.scalar(select(func.coalesce(func.sum(CollectedDaily.collected), 0))))
