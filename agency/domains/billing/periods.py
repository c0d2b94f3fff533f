"""Billing periods: from one billing day to the next, in the agency's local days.

A period's bounds are local midnights converted to UTC, so a period across a DST change
is exactly its local days long (a March period in Lisbon is one hour short in UTC).
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta


@dataclass(frozen=True)
class Period:
    start: date  # local day, inclusive
    end: date  # local day, exclusive
    starts_at: datetime  # UTC
    ends_at: datetime  # UTC


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


@lru_cache(maxsize=1024)
def period_from(start: date, timezone: str) -> Period:
    return between(start, start + relativedelta(months=1), timezone)


def between(start: date, end: date, timezone: str) -> Period:
    """The local days from ``start`` to ``end`` (exclusive) as a period: a final period
    cut short by a contract's end."""
    zone = ZoneInfo(timezone)
    return Period(start, end, _midnight(start, zone), _midnight(end, zone))


@lru_cache(maxsize=1024)
def current_period(billing_day: int, today: date, timezone: str) -> Period:
    """The period that holds ``today`` for a contract billed on ``billing_day`` (1–28)."""
    start = today.replace(day=billing_day)
    if start > today:
        start -= relativedelta(months=1)
    return period_from(start, timezone)


@lru_cache(maxsize=256)
def last_closed_period(billing_day: int, today: date, timezone: str) -> Period:
    """The most recent period that has ended by ``today``: the one to invoice."""
    current = current_period(billing_day, today, timezone)
    return period_from(current.start - relativedelta(months=1), timezone)


def local_today(now: datetime, timezone: str) -> date:
    return now.astimezone(ZoneInfo(timezone)).date()
