"""The event a secretary arranges on a meeting or travel item: when, where, with whom."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from agency.domains.work.models import EVENT_KINDS
from agency.kernel.errors import ValidationError

EVENT_FIELDS = ("starts_at", "ends_at", "location", "attendees", "event_notes")
# A journey may be long; anything past a year is a typing mistake.
LONGEST = timedelta(days=366)
YEARS = range(1970, 2201)


def aware(moment: datetime | None, zone: str, field: str) -> datetime | None:
    """A moment with an offset as given; one without it on the client's wall clock (a time
    skipped by a spring gap is read with the offset before it)."""
    if moment is None:
        return None
    if moment.year not in YEARS:
        raise ValidationError.on(field, _("Choose a date between 1970 and 2200."))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(zone))
    return moment.astimezone(UTC)


def _tidy(values: dict) -> dict:
    location = (values.get("location") or "").strip() or None
    notes = (values.get("event_notes") or "").strip() or None
    attendees = [a.strip() for a in values.get("attendees") or [] if a.strip()]
    return {"location": location, "event_notes": notes, "attendees": attendees}


def checked_event(kind: str, zone: str, current: dict, changes: dict) -> dict:
    """The event fields once ``changes`` are applied to ``current``, the moments in UTC;
    a clear error when they do not make an event. Only meetings and travel carry one."""
    given = {k: v for k, v in changes.items() if k in EVENT_FIELDS}
    merged = {**{k: current.get(k) for k in EVENT_FIELDS}, **given}
    if kind not in EVENT_KINDS:
        sent = next((k for k in EVENT_FIELDS if given.get(k) not in (None, "", [])), None)
        if sent is not None:
            raise ValidationError.on(sent, _("Only meetings and travel have a time and place."))
        return {}
    starts = aware(merged["starts_at"], zone, "starts_at")
    ends = aware(merged["ends_at"], zone, "ends_at")
    if (starts is None) != (ends is None):
        missing = "starts_at" if starts is None else "ends_at"
        raise ValidationError.on(missing, _("Give both the start and the end."))
    if starts is not None and ends <= starts:
        raise ValidationError.on("ends_at", _("The end must be after the start."))
    if starts is not None and ends - starts > LONGEST:
        raise ValidationError.on("ends_at", _("An event lasts a year at most."))
    return {"starts_at": starts, "ends_at": ends, **_tidy(merged)}


def event_of(item) -> dict:
    return {name: getattr(item, name) for name in EVENT_FIELDS}
