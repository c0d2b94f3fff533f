"""When a secretary works: weekly hours in their own zone, with the days that differ.

The weekly schedule says which hours each weekday holds; a day can differ from it in
three ways, checked in this order: an absence (leave, sick days) takes the whole day
off; a date override gives that day its own spans (an extra Saturday, other hours, or
none at all); an agency-wide holiday is a day off unless an override gave it hours.
Every day is the secretary's own calendar day, so a DST change shortens or lengthens
that day's spans by the real amount. Routing, the dashboard's scheduled hours and the
calls all ask ``working_at`` / ``spans_on``; nothing here reads a database or a clock.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from agency.kernel.validation import WEEKDAYS


@dataclass(frozen=True)
class WorkingCalendar:
    """One secretary's working time: weekly hours and the exceptions near the moments
    asked about (whatever lies outside the days loaded is taken as a usual day)."""

    zone: str = "UTC"
    hours: Mapping = field(default_factory=dict)  # {"mon": [["09:00", "13:00"], ...]}
    away: frozenset = frozenset()  # days under an absence
    holidays: frozenset = frozenset()  # the agency's days off
    overrides: Mapping = field(default_factory=dict)  # {date: [["10:00", "14:00"]]}


def spans_on(calendar: WorkingCalendar, day: date) -> list:
    """The local [start, end] spans ``day`` holds (HH:MM, "24:00" for midnight)."""
    if day in calendar.away:
        return []
    if day in calendar.overrides:
        return list(calendar.overrides[day])
    if day in calendar.holidays:
        return []
    return list(calendar.hours.get(WEEKDAYS[day.weekday()], []))


def working_at(calendar: WorkingCalendar, at: datetime) -> bool:
    """Whether ``at`` (aware) falls inside one of the secretary's spans of that local day."""
    local = at.astimezone(ZoneInfo(calendar.zone))
    clock_time = local.strftime("%H:%M")
    return any(start <= clock_time < end for start, end in spans_on(calendar, local.date()))


def _utc_spans(day: date, spans: Iterable, tz: ZoneInfo) -> list:
    out = []
    for start, end in spans:
        begin = datetime.combine(day, time.fromisoformat(start), tz)
        finish = (
            datetime.combine(day + timedelta(days=1), time(0), tz)
            if end == "24:00"
            else datetime.combine(day, time.fromisoformat(end), tz)
        )
        out.append((begin.astimezone(UTC), finish.astimezone(UTC)))
    return out


def working_spans_utc(calendar: WorkingCalendar, first_day: date, days: int = 7) -> list:
    """The calendar's spans as UTC intervals over ``days`` days from ``first_day``."""
    tz = ZoneInfo(calendar.zone)
    spans = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        spans.extend(_utc_spans(day, spans_on(calendar, day), tz))
    return spans


def spans_utc(hours: dict, zone: str, first_day: date, away: set[date], days: int = 7) -> list:
    """Weekly hours as UTC intervals over ``days`` days from ``first_day``, skipping ``away``
    (a client's business hours, or a secretary's without their overrides and holidays)."""
    calendar = WorkingCalendar(zone=zone, hours=hours, away=frozenset(away))
    return working_spans_utc(calendar, first_day, days)


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
