"""Billable minutes per client over a span of time.

On PostgreSQL, triggers on ``time_entries`` keep each client's billable minutes per UTC
day in ``time_entry_days`` as time is entered, changed or removed (migration
``0065_entry_days``): a month is then a row per client and day, and only the hours at the
span's edges that do not fill a UTC day (a period that starts at midnight somewhere other
than in UTC) are read from the entries. Elsewhere the entries themselves are summed.
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
        _BILLABLE, _started("start", "head_end") | _started("tail_start", "end")
    ),
).subquery()
_KEPT = select(_PARTS.c.client_id, func.sum(_PARTS.c.minutes)).group_by(_PARTS.c.client_id)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def _spans(start: datetime, end: datetime) -> dict:
    """The whole UTC days from ``start`` to ``end`` (``first_day`` up to ``last_day``) and
    the hours before and after them (from ``start`` to ``head_end``, from ``tail_start``
    to ``end``)."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    first = start.date() + timedelta(days=0 if start == _midnight(start.date()) else 1)
    last = end.date()
    if first >= last:  # not one whole day: every entry is read
        return {"first_day": first, "last_day": first, "head_end": end, "tail_start": end}
    return {
        "first_day": first,
        "last_day": last,
        "head_end": _midnight(first),
        "tail_start": _midnight(last),
    }


def billable_minutes(start: datetime, end: datetime) -> dict[int, int]:
    """The current agency's billable minutes per client for entries that start from
    ``start`` up to ``end``: a row for each client with any."""
    if on_postgres():
        params = {"start": start, "end": end, "agency_id": require_agency_id()}
        rows = db.session.execute(_KEPT, params | _spans(start, end))
    else:
        rows = db.session.execute(_SUMMED, {"start": start, "end": end})
    return {client_id: int(minutes) for client_id, minutes in rows.all()}  # one fetch
