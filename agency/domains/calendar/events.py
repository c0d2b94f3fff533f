"""The events of a client's calendar: made, changed and cancelled here, or imported from
an iCalendar file the client gives (recurring events expanded into their occurrences)."""

import hashlib
import json
import secrets
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import and_, select

from agency.domains.calendar.models import CalendarEvent
from agency.domains.calendar.schemas import EventSchema
from agency.domains.clients.models import Client
from agency.domains.work.events import aware
from agency.kernel import clock
from agency.kernel.database import db
from agency.kernel.errors import NotFound, ValidationError
from agency.kernel.records import values_for

# The longest event: a week's trip is common, a year's is a mistake.
LONGEST = timedelta(days=366)
# How far apart the moments of a list may be.
WIDEST_LIST = timedelta(days=400)
# Read-only once built.
_EVENT = EventSchema()
# The fields whose change calendar apps must notice (RFC 5545's SEQUENCE).
SEQUENCED = ("starts_at", "ends_at", "all_day", "location", "title", "video_url", "attendees")


def etag_of(event: CalendarEvent) -> str:
    """A name for the event's content: it changes whenever anything shown changes."""
    content = [
        event.kind, event.title, event.starts_at.isoformat(), event.ends_at.isoformat(),
        event.timezone, event.all_day, event.busy, event.location, event.video_url,
        event.notes, event.attendees, event.sequence, bool(event.cancelled_at),
    ]  # fmt: skip
    return hashlib.sha256(json.dumps(content, default=str).encode()).hexdigest()[:32]


def _moments(values: dict, zone: str) -> tuple[datetime, datetime]:
    """The event's start and end in UTC, from ``starts_at``/``ends_at`` or, all day, from
    its first and last day; a clear error when they do not make an event."""
    if values["all_day"]:
        first, last = values.get("starts_on"), values.get("ends_on")
        if first is None:
            raise ValidationError.on("starts_on", _("Give the first day of the event."))
        last = last or first
        if last < first:
            raise ValidationError.on("ends_on", _("The last day comes before the first."))
        starts = datetime.combine(first, time(0), tzinfo=ZoneInfo(zone)).astimezone(UTC)
        ends = datetime.combine(last + timedelta(days=1), time(0), tzinfo=ZoneInfo(zone))
        return _checked(starts, ends.astimezone(UTC), "ends_on")
    if values.get("starts_at") is None:
        raise ValidationError.on("starts_at", _("Give the start of the event."))
    if values.get("ends_at") is None:
        raise ValidationError.on("ends_at", _("Give the end of the event."))
    starts = aware(values["starts_at"], zone, "starts_at")
    return _checked(starts, aware(values["ends_at"], zone, "ends_at"), "ends_at")


def _checked(starts: datetime, ends: datetime, field: str) -> tuple[datetime, datetime]:
    if ends <= starts:
        raise ValidationError.on(field, _("The event must end after it starts."))
    if ends - starts > LONGEST:
        raise ValidationError.on(field, _("An event lasts a year at most."))
    return starts, ends


def _row(values: dict, zone: str, replies: dict | None = None) -> dict:
    """The columns of an event from loaded ``values``; an attendee keeps the reply they
    gave (``replies``: address -> status)."""
    starts, ends = _moments(values, zone)
    replies = replies or {}
    attendees = [
        {
            "email": a["email"],
            "name": (a.get("name") or "").strip(),
            "status": replies.get(a["email"].lower(), "needs-action"),
        }
        for a in values.get("attendees") or []
    ]
    return {
        "kind": values["kind"],
        "title": values["title"].strip() or _("Busy"),
        "starts_at": starts,
        "ends_at": ends,
        "timezone": zone,
        "all_day": values["all_day"],
        "busy": values["busy"],
        "location": (values.get("location") or "").strip() or None,
        "video_url": values.get("video_url"),
        "notes": (values.get("notes") or "").strip() or None,
        "attendees": attendees,
    }


def create(client: Client, data: dict, commit: bool = True) -> CalendarEvent:
    """A new event in the client's calendar (left to the caller's transaction, flushed,
    with ``commit`` False)."""
    values = values_for(_EVENT, data)
    row = _row(values, values.get("timezone") or client.timezone)
    now = clock.now()
    event = CalendarEvent(
        client_id=client.id,
        uid=f"{secrets.token_hex(12)}@secretariat",
        sequence=0,
        source="local",
        created_at=now,
        updated_at=now,
        **row,
    )
    event.etag = etag_of(event)
    db.session.add(event)
    if commit:
        db.session.commit()
    else:
        db.session.flush()
    return event


def _as_given(event: CalendarEvent) -> dict:
    """The event as ``create`` would have been given it."""
    zone = ZoneInfo(event.timezone)
    last_moment = event.ends_at - timedelta(microseconds=1)
    return {
        "kind": event.kind, "title": event.title, "all_day": event.all_day, "busy": event.busy,
        "location": event.location, "video_url": event.video_url, "notes": event.notes,
        "attendees": event.attendees, "timezone": event.timezone,
        "starts_at": event.starts_at, "ends_at": event.ends_at,
        "starts_on": event.starts_at.astimezone(zone).date(),
        "ends_on": last_moment.astimezone(zone).date(),
    }  # fmt: skip


def update(event: CalendarEvent, data: dict) -> CalendarEvent:
    """Change an event made here; a change calendar apps must notice raises its
    SEQUENCE. Events from the client's own calendar are changed there."""
    if event.source != "local":
        raise ValidationError(_("This event comes from the client's own calendar."))
    if event.cancelled_at is not None:
        raise ValidationError(_("This event was cancelled."))
    values = values_for(_EVENT, data, partial=True)
    given = _as_given(event)
    if values.get("starts_on") and "ends_on" not in values:  # the same number of days
        days = (given["ends_on"] - given["starts_on"]) if event.all_day else timedelta(0)
        values["ends_on"] = values["starts_on"] + days
    merged = {**given, **values}
    replies = {a["email"].lower(): a.get("status", "needs-action") for a in event.attendees}
    row = _row(merged, merged["timezone"] or event.timezone, replies)
    noticed = any(row[name] != getattr(event, name) for name in SEQUENCED)
    if row["starts_at"] != event.starts_at:
        event.reminded_at = None  # moved: remind again before the new time
    for name, value in row.items():
        setattr(event, name, value)
    if noticed:
        event.sequence += 1
    event.updated_at = clock.now()
    event.etag = etag_of(event)
    db.session.commit()
    return event


def cancel(event: CalendarEvent) -> CalendarEvent:
    """Cancel the event: it stays, marked, so calendars that have it see it go."""
    if event.cancelled_at is None:
        event.cancelled_at = event.updated_at = clock.now()
        event.sequence += 1
        event.etag = etag_of(event)
        db.session.commit()
    return event


def answered(event: CalendarEvent, answers: dict[str, str]) -> None:
    """Set the attendees' replies (``{address: "accepted"}``, addresses in lower case):
    a new ETag when any changed, the SEQUENCE as it was (a reply is not a new version)."""
    changed = [
        {**p, "status": answers[p["email"].lower()]} if answers.get(p["email"].lower()) else p
        for p in event.attendees
    ]
    if changed != event.attendees:
        event.attendees = changed  # a new list: the column sees a change only when replaced
        event.updated_at = clock.now()
        event.etag = etag_of(event)


def event_of(client: Client, event_id) -> CalendarEvent:
    """One of the client's events, or 404."""
    found = db.session.scalar(
        select(CalendarEvent).where(
            CalendarEvent.id == event_id, CalendarEvent.client_id == client.id
        )
    )
    if found is None:
        raise NotFound()
    return found


def overlapping(client: Client, starts: datetime, ends: datetime, cancelled: bool = False):
    """The condition of the client's events that overlap [starts, ends)."""
    condition = and_(
        CalendarEvent.client_id == client.id,
        CalendarEvent.starts_at < ends,
        CalendarEvent.starts_at > starts - LONGEST,  # bounds the index's range
        CalendarEvent.ends_at > starts,
    )
    return condition if cancelled else and_(condition, CalendarEvent.cancelled_at.is_(None))


def between(client: Client, starts: datetime, ends: datetime, cancelled: bool = False):
    """The client's events that overlap [starts, ends), soonest first."""
    return db.session.scalars(
        select(CalendarEvent)
        .where(overlapping(client, starts, ends, cancelled))
        .order_by(CalendarEvent.starts_at, CalendarEvent.id)
    ).all()


def listing_range(start: date | None, end: date | None, zone: str) -> tuple[datetime, datetime]:
    """The moments of a list from ``start`` to ``end`` (the client's days, both
    included): a week back to three months ahead when not given."""
    today = clock.now().astimezone(ZoneInfo(zone)).date()
    start = start or today - timedelta(days=7)
    end = end or today + timedelta(days=90)
    if end < start:
        raise ValidationError.on("to", _("The end of the range comes before its start."))
    first = datetime.combine(start, time(0), tzinfo=ZoneInfo(zone)).astimezone(UTC)
    last = datetime.combine(end + timedelta(days=1), time(0), tzinfo=ZoneInfo(zone))
    if last.astimezone(UTC) - first > WIDEST_LIST:
        raise ValidationError.on("to", _("Ask for at most 400 days at a time."))
    return first, last.astimezone(UTC)
