"""Adding business minutes to a moment, in a client's own zone and calendar.

Pure: no database, no clock. The spans of each local day are turned into UTC
instants with zoneinfo and the minutes are counted in real elapsed time, so a
day that gains or loses an hour at a DST change counts what it really has.
"""

from collections.abc import Collection
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from agency.kernel.validation import WEEKDAYS

# Days searched for opening hours before giving up and counting wall-clock time
# (only reached when holidays close every open day for years on end).
MAX_DAYS = 3 * 366


def _local(day: date, clock_time: str, zone: ZoneInfo) -> datetime:
    if clock_time == "24:00":
        return datetime.combine(day + timedelta(days=1), time(0), zone)
    return datetime.combine(day, time.fromisoformat(clock_time), zone)


def open_spans(hours: dict, day: date, zone: ZoneInfo) -> list[tuple[datetime, datetime]]:
    """The day's business hours as UTC intervals, sorted, overlaps merged."""
    spans = sorted(
        (_local(day, start, zone).astimezone(UTC), _local(day, end, zone).astimezone(UTC))
        for start, end in hours.get(WEEKDAYS[day.weekday()], [])
    )
    merged: list[tuple[datetime, datetime]] = []
    for begin, end in spans:
        if end <= begin:  # a span swallowed by a DST gap
            continue
        if merged and begin <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((begin, end))
    return merged


def add_business_minutes(
    start: datetime,
    minutes: int,
    timezone: str,
    hours: dict | None,
    closed_days: Collection[date] = (),
) -> datetime:
    """The UTC moment ``minutes`` of open time after ``start``.

    ``hours`` is the weekly shape ``{"mon": [["09:00", "17:00"]], ...}`` in
    ``timezone``; ``closed_days`` are local dates on which nothing is open
    (holidays). With no hours at all the minutes are wall-clock minutes.
    Starting outside the hours, the count begins when the next span opens.
    """
    if start.tzinfo is None:
        raise ValueError("add_business_minutes() needs a timezone-aware start")
    start = start.astimezone(UTC)
    if not hours or not any(hours.get(day) for day in WEEKDAYS):
        return start + timedelta(minutes=minutes)
    zone = ZoneInfo(timezone)
    left = timedelta(minutes=minutes)
    first_day = start.astimezone(zone).date()
    for offset in range(MAX_DAYS):
        day = first_day + timedelta(days=offset)
        if day in closed_days:
            continue
        for begin, end in open_spans(hours, day, zone):
            if end <= start:
                continue
            begin = max(begin, start)
            if end - begin >= left:
                return begin + left
            left -= end - begin
    return start + timedelta(minutes=minutes)
