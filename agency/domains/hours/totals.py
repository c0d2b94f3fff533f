"""Billable minutes per client over a span of time.

On PostgreSQL, triggers on ``time_entries`` keep each client's billable minutes per UTC
day in ``time_entry_days`` as time is entered, changed or removed (migration
``0065_entry_days``): a month is then a row per client and day, and only the hours at the
span's edges that do not fill a UTC day (a period that starts at midnight somewhere other
than in UTC) are read from the entries: those hours, when they are at most half the day,
or else the day's other hours, taken away from the whole day. Elsewhere the entries
themselves are summed.
"""

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Date, Integer, bindparam, column, func, select, table, union_all

from agency.domains.hours.models import TimeEntry
from agency.kernel.database import db, on_postgres
from tenants import require_agency_id

DAYS = table(
    "time_entry_days",
    column("agency_id", Integer),
    column("day", Date),
    column("client_id", Integer),
    column("minutes", Integer),
)


def _started(since: str, until: str):
    return (TimeEntry.started_at >= bindparam(since)) & (TimeEntry.started_at < bindparam(until))


_BILLABLE = TimeEntry.billable.is_(True)
_SUMMED = (
    select(TimeEntry.client_id, func.sum(TimeEntry.billable_minutes))
    .where(_BILLABLE, _started("start", "end"))
    .group_by(TimeEntry.client_id)
)
_PARTS = union_all(
    select(DAYS.c.client_id, DAYS.c.minutes).where(
        DAYS.c.agency_id == bindparam("agency_id"),
        DAYS.c.day >= bindparam("first_day"),
        DAYS.c.day < bindparam("last_day"),
    ),
    select(TimeEntry.client_id, TimeEntry.billable_minutes).where(
        _BILLABLE, _started("add_from", "add_to") | _started("add_tail_from", "add_tail_to")
    ),
    select(TimeEntry.client_id, -TimeEntry.billable_minutes).where(
        _BILLABLE, _started("cut_from", "cut_to") | _started("cut_tail_from", "cut_tail_to")
    ),
).subquery()
_KEPT = select(_PARTS.c.client_id, func.sum(_PARTS.c.minutes)).group_by(_PARTS.c.client_id)
# An edge's hours in a UTC day are read from the entries when they are at most half of
# it; otherwise the whole day is taken and the other hours are read and taken away.
HALF_A_DAY = timedelta(hours=12)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def _spans(start: datetime, end: datetime) -> dict:
    """What to read for ``start`` to ``end``: the kept UTC days from ``first_day`` up to
    ``last_day``, plus the entries of the ``add_…`` ranges, less those of the ``cut_…``
    ranges (each range from its ``…from`` up to its ``…to``; an empty one starts where it
    ends)."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    head_day, tail_day = start.date(), end.date()
    nothing = {"first_day": head_day, "last_day": head_day}
    ranges = dict.fromkeys(("add", "add_tail", "cut", "cut_tail"), (end, end))
    if head_day == tail_day:  # within one UTC day: every entry is read
        ranges["add"] = (start, end)
        return _flat(nothing, ranges)
    days = {"first_day": head_day, "last_day": tail_day}
    if start != _midnight(head_day):
        after = _midnight(head_day + timedelta(days=1))
        if after - start <= HALF_A_DAY:
            days["first_day"], ranges["add"] = head_day + timedelta(days=1), (start, after)
        else:
            ranges["cut"] = (_midnight(head_day), start)
    if end != _midnight(tail_day):
        if end - _midnight(tail_day) <= HALF_A_DAY:
            ranges["add_tail"] = (_midnight(tail_day), end)
        else:
            days["last_day"] = tail_day + timedelta(days=1)
            ranges["cut_tail"] = (end, _midnight(tail_day + timedelta(days=1)))
    return _flat(days, ranges)


def _flat(days: dict, ranges: dict) -> dict:
    return days | {f"{name}_{side}": moment for name, (since, until) in ranges.items()
                   for side, moment in (("from", since), ("to", until))}  # fmt: skip


def billable_minutes(start: datetime, end: datetime) -> dict[int, int]:
    """The current agency's billable minutes per client for entries that start from
    ``start`` up to ``end``: a row for each client with any."""
    if on_postgres():
        params = {"agency_id": require_agency_id()} | _spans(start, end)
        rows = db.session.execute(_KEPT, params)
    else:
        rows = db.session.execute(_SUMMED, {"start": start, "end": end})
    return {client_id: int(minutes) for client_id, minutes in rows.all()}  # one fetch
