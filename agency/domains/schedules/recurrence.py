"""When a recurring rule occurs: local wall-clock times in the rule's zone, returned in UTC.

The recurrence is computed on naive local times (so "09:00 every Monday" stays 09:00
across a DST change) and each occurrence is then placed in the zone. A local time that
a spring-forward gap skips is read with the offset before the gap; a repeated autumn
hour is its first pass.
"""

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil import rrule as rr
from flask_babel import gettext as _

from agency.kernel.errors import ValidationError
from agency.kernel.validation import WEEKDAYS

# dateutil's frequencies, coarsest first; anything finer than hourly is refused.
FINEST_FREQUENCY = rr.HOURLY
BY_WEEKDAY = dict(zip(WEEKDAYS, (rr.MO, rr.TU, rr.WE, rr.TH, rr.FR, rr.SA, rr.SU), strict=True))


def normal_rrule(text: str) -> str:
    """The RRULE's own line, upper case, without an "RRULE:" prefix."""
    value = (text or "").strip()
    if value.upper().startswith("RRULE:"):
        value = value[len("RRULE:") :]
    return value.strip().upper()


def parse_rrule(text: str, dtstart: datetime) -> rr.rrule:
    """An RRULE on naive local times, or the product's ValidationError on ``rrule``."""
    value = normal_rrule(text)
    if not value:
        raise ValidationError.on("rrule", _("Write the rule, e.g. FREQ=WEEKLY;BYDAY=MO,TH."))
    if "\n" in value or "\r" in value or ":" in value or "DTSTART" in value:
        raise ValidationError.on(
            "rrule",
            _("Give one RRULE line without DTSTART; the start date and time are fields."),
        )
    if "UNTIL=" in value and "Z" in value.split("UNTIL=", 1)[1].split(";", 1)[0]:
        raise ValidationError.on(
            "rrule", _("Give UNTIL in the rule's local time (no Z), or set an end date.")
        )
    try:
        rule = rr.rrulestr(value, dtstart=dtstart)
    except (ValueError, TypeError, KeyError, IndexError, OverflowError) as exc:
        raise ValidationError.on(
            "rrule", _("This is not a valid RRULE: %(reason)s.", reason=str(exc) or value)
        ) from exc
    if not isinstance(rule, rr.rrule):
        raise ValidationError.on("rrule", _("Give exactly one RRULE."))
    if rule._freq > FINEST_FREQUENCY:
        raise ValidationError.on(
            "rrule", _("A rule may repeat at most hourly; minutes and seconds are too fine.")
        )
    return rule


def _monthly(day: int, **kwargs) -> rr.rrule:
    if day <= 28:
        return rr.rrule(rr.MONTHLY, bymonthday=day, **kwargs)
    # Day 31 in April is April 30th: the last of the days up to ``day`` the month has.
    return rr.rrule(rr.MONTHLY, bymonthday=list(range(28, day + 1)), bysetpos=-1, **kwargs)


def local_start(starts_on: date, time_of_day: str) -> datetime:
    hours, minutes = (int(part) for part in time_of_day.split(":"))
    return datetime.combine(starts_on, time(hours, minutes))


def build(rule) -> rr.rrule:
    """The recurrence of ``rule`` (a RecurringRule or anything with its fields)."""
    dtstart = local_start(rule.starts_on, rule.time_of_day)
    if rule.frequency == "daily":
        return rr.rrule(rr.DAILY, dtstart=dtstart)
    if rule.frequency == "weekly":
        days = [BY_WEEKDAY[d] for d in rule.weekdays]
        return rr.rrule(rr.WEEKLY, byweekday=days, dtstart=dtstart)
    if rule.frequency == "monthly":
        return _monthly(rule.day_of_month, dtstart=dtstart)
    return parse_rrule(rule.rrule, dtstart)


def _placed(rule, local: datetime) -> datetime:
    return local.replace(tzinfo=ZoneInfo(rule.timezone)).astimezone(UTC)


def _iter_from(rule, recurrence: rr.rrule, after_utc: datetime) -> Iterator[datetime]:
    """Occurrences in UTC from just before ``after_utc`` on, until the rule's end date."""
    zone = ZoneInfo(rule.timezone)
    # A day early, so that a zone change around the bound never skips an occurrence.
    begin = after_utc.astimezone(zone).replace(tzinfo=None) - timedelta(days=1)
    for local in recurrence.xafter(begin, inc=True):
        if rule.ends_on is not None and local.date() > rule.ends_on:
            return
        yield _placed(rule, local)


def between(rule, start_utc: datetime, end_utc: datetime, limit: int = 10_000) -> list[datetime]:
    """Occurrences with ``start_utc <= t <= end_utc``, in UTC."""
    found = []
    for moment in _iter_from(rule, build(rule), start_utc):
        if moment > end_utc + timedelta(days=1) or len(found) >= limit:
            break
        if start_utc <= moment <= end_utc:
            found.append(moment)
    return sorted(set(found))


def upcoming(rule, after_utc: datetime, count: int = 5) -> list[datetime]:
    """The next ``count`` occurrences strictly after ``after_utc``, in UTC."""
    found: list[datetime] = []
    for moment in _iter_from(rule, build(rule), after_utc):
        if moment > after_utc and moment not in found:
            found.append(moment)
            if len(found) == count:
                break
    return found
