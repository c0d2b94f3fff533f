"""An iCalendar (.ics) file the client gives, read into their calendar: each event, and
each occurrence of a recurring one within the import's horizon, becomes an event from
the client's own calendar. Importing the same file again changes nothing; a changed file
updates what changed. A file that cannot be read writes nothing."""

import hashlib
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import recurring_ical_events
from flask_babel import gettext as _
from icalendar import Calendar
from sqlalchemy import select

from agency.domains.calendar.events import LONGEST, etag_of
from agency.domains.calendar.models import CalendarEvent, EventKind
from agency.domains.clients.models import Client
from agency.kernel import clock
from agency.kernel.database import db
from agency.kernel.errors import BadInput, ValidationError

MAX_BYTES = 2 * 1024 * 1024
MAX_EVENTS = 5000
# What an import reads: a season back, two years ahead.
PAST, FUTURE = timedelta(days=90), timedelta(days=730)
RECURRING = ("RRULE", "RDATE", "RECURRENCE-ID")
READ_ERRORS = (ValueError, KeyError, IndexError, TypeError, AttributeError, OverflowError)


def _calendar(raw: bytes) -> Calendar:
    if not raw or not raw.strip():
        raise BadInput(_("The file is empty."))
    if len(raw) > MAX_BYTES:
        raise ValidationError.on("file", _("The file is larger than 2 MB."))
    try:
        calendar = Calendar.from_ical(raw)
    except READ_ERRORS as exc:
        raise BadInput(_("The file is not an iCalendar (.ics) file.")) from exc
    if getattr(calendar, "name", None) != "VCALENDAR":
        raise BadInput(_("The file is not an iCalendar (.ics) file."))
    return calendar


def _moment(value, zone: ZoneInfo) -> datetime:
    """A DTSTART or DTEND as a moment in UTC: a date at midnight and a floating time on
    the client's clock."""
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=zone)).astimezone(UTC)
    return datetime.combine(value, time(0), tzinfo=zone).astimezone(UTC)


def _uid(component, recurring: set[str], starts: datetime) -> str:
    uid = str(component.get("UID") or "").strip()
    if not uid:  # a file without UIDs still imports the same way twice
        uid = hashlib.sha256(
            f"{component.get('SUMMARY')}|{starts.isoformat()}".encode()
        ).hexdigest()
    if uid in recurring:
        uid = f"{uid}#{starts.strftime('%Y%m%dT%H%M%SZ')}"
    if len(uid) > 255:
        uid = hashlib.sha256(uid.encode()).hexdigest()
    return uid


def _row(component, client: Client, recurring: set[str]) -> dict | None:
    """The event of one occurrence, or None when it cannot be one (no time, no length,
    longer than a year, cancelled)."""
    if str(component.get("STATUS") or "").upper() == "CANCELLED":
        return None
    start, end = component.decoded("DTSTART", None), component.decoded("DTEND", None)
    if start is None:
        return None
    all_day = isinstance(start, date) and not isinstance(start, datetime)
    tzid = getattr(start, "tzinfo", None)
    zone_name = getattr(tzid, "key", None) or client.timezone
    zone = ZoneInfo(client.timezone) if all_day or tzid is None else tzid
    starts = _moment(start, zone)
    ends = _moment(end, zone) if end is not None else starts + timedelta(days=1 if all_day else 0)
    if ends <= starts or ends - starts > LONGEST:
        return None
    return {
        "uid": _uid(component, recurring, starts),
        "kind": EventKind.external.value,
        "title": str(component.get("SUMMARY") or "").strip()[:300] or _("Busy"),
        "starts_at": starts,
        "ends_at": ends,
        "timezone": client.timezone if all_day else zone_name,
        "all_day": all_day,
        "busy": str(component.get("TRANSP") or "OPAQUE").upper() != "TRANSPARENT",
        "location": (str(component.get("LOCATION") or "").strip()[:300] or None),
        "notes": (str(component.get("DESCRIPTION") or "").strip()[:5000] or None),
    }


def rows_of(calendar: Calendar, client: Client, now: datetime) -> tuple[list[dict], int]:
    recurring = {
        str(c.get("UID") or "").strip()
        for c in calendar.walk("VEVENT")
        if any(name in c for name in RECURRING)
    }
    try:
        occurrences = recurring_ical_events.of(calendar).between(now - PAST, now + FUTURE)
        rows = []
        skipped = 0
        for occurrence in occurrences:
            row = _row(occurrence, client, recurring)
            if row is None:
                skipped += 1
                continue
            rows.append(row)
            if len(rows) > MAX_EVENTS:
                raise ValidationError.on(
                    "file", _("The file has more than %(most)s events.", most=MAX_EVENTS)
                )
    except READ_ERRORS as exc:
        raise BadInput(_("The events in the file cannot be read.")) from exc
    return list({row["uid"]: row for row in rows}.values()), skipped


def import_ics(client: Client, raw: bytes) -> dict:
    """Read ``raw`` into the client's calendar; how many events were added, changed,
    left as they were and skipped."""
    now = clock.now()
    rows, skipped = rows_of(_calendar(raw), client, now)
    known = {
        e.uid: e
        for e in db.session.scalars(
            select(CalendarEvent).where(
                CalendarEvent.client_id == client.id, CalendarEvent.source == "import"
            )
        )
    }
    added = changed = 0
    for row in rows:
        event = known.get(row["uid"])
        if event is None:
            event = CalendarEvent(
                client_id=client.id, source="import", sequence=0, attendees=[], created_at=now
            )
            db.session.add(event)
            added += 1
        elif all(getattr(event, k) == v for k, v in row.items()) and event.cancelled_at is None:
            continue
        else:
            event.sequence += 1
            event.cancelled_at = None
            changed += 1
        for name, value in row.items():
            setattr(event, name, value)
        event.updated_at = now
        event.etag = etag_of(event)
    db.session.commit()
    return {
        "added": added,
        "changed": changed,
        "unchanged": len(rows) - added - changed,
        "skipped": skipped,
    }
