"""Slots computed from a station's weekly pattern: never stored, always derived.

Vietnam keeps one offset all year (UTC+7, no daylight saving), so local times are a fixed offset.
A session is cut into slots of `slot_minutes` from its start; a last piece shorter than a slot is not
offered (nobody is booked into 10 minutes of a 20-minute slot).
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache

from ..record_fields import VIETNAM

VN = VIETNAM
TZID = "Asia/Ho_Chi_Minh"


def vn_now() -> datetime:
    return datetime.now(VN)


def vn_today() -> date:
    return vn_now().date()


def parse_hhmm(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def hhmm_minutes(value: str) -> int:
    """Minutes after midnight of "HH:MM"; "24:00" (the schema takes it) is the midnight that ends an evening
    session, which datetime.time cannot hold."""
    if value == "24:00":
        return 24 * 60
    at = parse_hhmm(value)
    return at.hour * 60 + at.minute


def session_minutes(session: dict) -> tuple[int, int]:
    return hhmm_minutes(session["start"]), hhmm_minutes(session["end"])


@lru_cache(maxsize=16)
def _public_holidays(year: int) -> frozenset[date]:
    import holidays  # the package loads its country data on first use

    return frozenset(holidays.country_holidays("VN", years=year).keys())


def public_holidays(first: date, last: date) -> set[date]:
    """Vietnam's public holidays between `first` and `last` (the `holidays` package's calendar)."""
    days: set[date] = set()
    for year in range(first.year, last.year + 1):
        days |= {d for d in _public_holidays(year) if first <= d <= last}
    return days


def day_slots(week: list[dict], slot_minutes: int, day: date) -> list[tuple[datetime, datetime]]:
    """The slots of one day, in order, as aware datetimes in Vietnam's time."""
    out = []
    weekday = day.isoweekday()
    midnight = datetime(day.year, day.month, day.day, tzinfo=VN)
    for session in sorted((s for s in week if s["weekday"] == weekday), key=lambda s: s["start"]):
        begin, finish = session_minutes(session)
        minute = begin
        while minute + slot_minutes <= finish:
            out.append((midnight + timedelta(minutes=minute), midnight + timedelta(minutes=minute + slot_minutes)))
            minute += slot_minutes
    return out


def station_slots(week: list[dict], slot_minutes: int, closed, first: date, last: date, *,
                  after: datetime | None = None, skip: set[date] | frozenset = frozenset()) -> list[list]:
    """[[(start, end), ...] per open day] between `first` and `last`, skipping closed days, days in `skip`
    and slots starting before `after`. Days without any slot left are left out."""
    closed_days = {date.fromisoformat(d) if isinstance(d, str) else d for d in closed} | set(skip)
    days = []
    day = first
    while day <= last:
        if day not in closed_days:
            slots = [s for s in day_slots(week, slot_minutes, day) if after is None or s[0] >= after]
            if slots:
                days.append(slots)
        day += timedelta(days=1)
    return days


def fits(week: list[dict], slot_minutes: int, closed, start: datetime, end: datetime) -> bool:
    """Whether (start, end) is one of the station's slots under this pattern."""
    local = start.astimezone(VN)
    if local.date().isoformat() in {str(d) for d in closed}:
        return False
    return (local, end.astimezone(VN)) in set(day_slots(week, slot_minutes, local.date()))


def iso(value: datetime) -> str:
    """An answer's time: ISO 8601 in Vietnam's offset (+07:00)."""
    return value.astimezone(VN).isoformat()
