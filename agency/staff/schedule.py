"""A secretary's weekly hours laid on the calendar: real UTC spans, absences taken out."""

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from agency.validation import WEEKDAYS


def spans_utc(hours: dict, zone: str, first_day: date, away: set[date], days: int = 7) -> list:
    """Weekly hours as UTC intervals over ``days`` days from ``first_day``, skipping ``away``.

    Each span is placed on its own calendar day in ``zone``, so a DST change shortens or
    lengthens the spans of that day by the real amount."""
    tz = ZoneInfo(zone)
    spans = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        if day in away:
            continue
        for start, end in hours.get(WEEKDAYS[day.weekday()], []):
            begin = datetime.combine(day, time.fromisoformat(start), tz)
            finish = (
                datetime.combine(day + timedelta(days=1), time(0), tz)
                if end == "24:00"
                else datetime.combine(day, time.fromisoformat(end), tz)
            )
            spans.append((begin.astimezone(UTC), finish.astimezone(UTC)))
    return spans


def days_away(absences: Iterable) -> set[date]:
    """Every calendar day that one of ``absences`` (starts_on … ends_on, inclusive) covers."""
    return {
        a.starts_on + timedelta(days=n)
        for a in absences
        for n in range((a.ends_on - a.starts_on).days + 1)
    }


def week_start(moment: datetime, zone: str) -> date:
    """The Monday of the week that ``moment`` falls in, on the calendar of ``zone``."""
    local = moment.astimezone(ZoneInfo(zone)).date()
    return local - timedelta(days=local.weekday())


def local_midnight(day: date, zone: str) -> datetime:
    """Midnight at the start of ``day`` in ``zone``, as a UTC moment."""
    return datetime.combine(day, time(0), ZoneInfo(zone)).astimezone(UTC)
