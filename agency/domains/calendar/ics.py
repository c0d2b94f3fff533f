"""The client's calendar as iCalendar (RFC 5545): the meetings and travel the agency
arranged, and the times the client told us they are busy."""

import hashlib
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import force_locale
from flask_babel import gettext as _
from icalendar import Calendar, Event, vRecur
from sqlalchemy import select

from agency.domains.accounts.models import Role, User
from agency.domains.calendar.models import CalendarEvent
from agency.domains.calls.models import CallRules
from agency.domains.clients.models import Client
from agency.domains.work.models import EVENT_KINDS, Status, WorkItem
from agency.kernel.database import db
from agency.kernel.validation import WEEKDAYS
from tenants import Agency

# How far back the feed reaches; the future is always all there.
HISTORY = timedelta(days=180)
MOST_ITEMS = 2000
ICAL_DAYS = dict(zip(WEEKDAYS, ("MO", "TU", "WE", "TH", "FR", "SA", "SU"), strict=True))
# Changes of the client's status and rules have no time of their own in the feed's
# DTSTAMP; this fixed one keeps the feed's bytes (and its ETag) the same until they change.
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def _uid(client: Client, what: str) -> str:
    return f"{what}.client-{client.id}.agency-{client.agency_id}@secretariat"


def _short_hash(*parts) -> str:
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:16]


def _items(client: Client, now: datetime) -> list[WorkItem]:
    return db.session.scalars(
        select(WorkItem)
        .where(
            WorkItem.client_id == client.id,
            WorkItem.kind.in_(EVENT_KINDS),
            WorkItem.starts_at.is_not(None),
            WorkItem.ends_at >= now - HISTORY,
        )
        .order_by(WorkItem.starts_at, WorkItem.id)
        .limit(MOST_ITEMS)
    ).all()


def _item_event(client: Client, item: WorkItem) -> Event:
    cancelled = item.status == Status.cancelled.value
    changed = max(m for m in (item.event_updated_at, item.created_at, item.closed_at) if m)
    event = Event()
    event.add("uid", _uid(client, f"item-{item.id}"))
    event.add("dtstamp", changed)
    event.add("last-modified", changed)
    event.add("sequence", (item.event_sequence or 0) + (1 if cancelled else 0))
    event.add("dtstart", item.starts_at)
    event.add("dtend", item.ends_at)
    event.add("summary", item.title)
    if item.location:
        event.add("location", item.location)
    description = [item.event_notes or ""]
    if item.attendees:
        description.append(_("With: %(people)s", people=", ".join(item.attendees)))
    if any(description):
        event.add("description", "\n\n".join(part for part in description if part))
    event.add("categories", [_("Meeting") if item.kind == "meeting" else _("Travel")])
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "TRANSPARENT" if cancelled else "OPAQUE")
    return event


def _events(client: Client, now: datetime) -> list[CalendarEvent]:
    """The calendar's events made here (those from the client's own calendar are there
    already), cancelled ones too, so the apps remove them."""
    return db.session.scalars(
        select(CalendarEvent)
        .where(
            CalendarEvent.client_id == client.id,
            CalendarEvent.source == "local",
            CalendarEvent.ends_at >= now - HISTORY,
        )
        .order_by(CalendarEvent.starts_at, CalendarEvent.id)
        .limit(MOST_ITEMS)
    ).all()


def calendar_event(event: CalendarEvent) -> Event:
    """One event of the client's calendar as a VEVENT, its attendees with their replies."""
    cancelled = event.cancelled_at is not None
    found = Event()
    found.add("uid", event.uid)
    found.add("dtstamp", event.updated_at)
    found.add("last-modified", event.updated_at)
    found.add("sequence", event.sequence)
    if event.all_day:
        zone = ZoneInfo(event.timezone)
        found.add("dtstart", event.starts_at.astimezone(zone).date())
        found.add("dtend", event.ends_at.astimezone(zone).date())
    else:
        found.add("dtstart", event.starts_at)
        found.add("dtend", event.ends_at)
    found.add("summary", event.title)
    if event.location:
        found.add("location", event.location)
    if event.video_url:
        found.add("url", event.video_url)
    description = [event.notes or "", event.video_url or ""]
    if any(description):
        found.add("description", "\n\n".join(part for part in description if part))
    for person in event.attendees or []:
        parameters = {"PARTSTAT": person.get("status", "needs-action").upper()}
        if person.get("name"):
            parameters["CN"] = person["name"]
        found.add("attendee", f"mailto:{person['email']}", parameters=parameters)
    found.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    found.add("transp", "OPAQUE" if event.busy and not cancelled else "TRANSPARENT")
    return found


def _busy(uid: str, summary: str, starts, ends, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", starts)
    event.add("dtend", ends)
    event.add("summary", summary)
    event.add("transp", "OPAQUE")
    event.add("status", "CONFIRMED")
    return event


def _planned_statuses(client: Client, rules: CallRules | None, now: datetime) -> list[Event]:
    """The one-off statuses planned ahead ("on holiday 3-10 May"), as busy events."""
    events = []
    for planned in (rules.scheduled_statuses if rules else None) or []:
        starts = datetime.fromisoformat(planned["starts_at"]).astimezone(UTC)
        ends = datetime.fromisoformat(planned["ends_at"]).astimezone(UTC)
        if ends < now - HISTORY:
            continue
        uid = _uid(client, "status-" + _short_hash(starts, ends, planned["text"]))
        events.append(_busy(uid, planned["text"], starts, ends, EPOCH))
    return events


def _status_now(client: Client, now: datetime) -> list[Event]:
    """The status set now with an end ("in a meeting until 15:00"), from when it was set."""
    if not client.status_text or client.status_until is None or client.status_until <= now:
        return []
    since = client.status_since or now.replace(second=0, microsecond=0)
    if since >= client.status_until:
        since = client.status_until - timedelta(minutes=1)
    uid = _uid(client, "status-now-" + _short_hash(since, client.status_until))
    return [_busy(uid, client.status_text, since, client.status_until, EPOCH)]


def _first_on(day: str, start: date) -> date:
    return start + timedelta(days=(WEEKDAYS.index(day) - start.weekday()) % 7)


def _weekly_windows(client: Client) -> list[Event]:
    """The weekly unavailable windows, each one event repeating every week on the client's
    wall clock (DTSTART with the client's TZID and an RRULE), so a DST change keeps the
    local times."""
    zone = ZoneInfo(client.timezone)
    anchor = client.created_at.astimezone(zone).date()
    events = []
    for window in client.unavailable_windows or []:
        try:
            start = time.fromisoformat(window["start"])
            end = None if window["end"] == "24:00" else time.fromisoformat(window["end"])
        except (KeyError, TypeError, ValueError):
            continue
        if window.get("weekday") not in ICAL_DAYS or (end is not None and end <= start):
            continue
        day = _first_on(window["weekday"], anchor)
        starts = datetime.combine(day, start, tzinfo=zone)
        ends = datetime.combine(day + timedelta(days=1) if end is None else day, end or time(0))
        ends = ends.replace(tzinfo=zone)
        label = (window.get("label") or "").strip() or _("Unavailable")
        uid = _uid(client, "window-" + _short_hash(window["weekday"], start, end, label))
        event = _busy(uid, label, starts, ends, EPOCH)
        event.add("rrule", vRecur(freq="WEEKLY", byday=ICAL_DAYS[window["weekday"]]))
        events.append(event)
    return events


def _locale(client: Client, agency: Agency) -> str:
    """The language of the client's own login, else the agency's."""
    chosen = db.session.scalar(
        select(User.locale).where(User.client_id == client.id, User.role == Role.client).limit(1)
    )
    return chosen or agency.locale or "en"


def client_locale(client: Client) -> str:
    """The language the client reads: their own login's, else their agency's."""
    return _locale(client, db.session.get(Agency, client.agency_id))


def calendar(client: Client, now: datetime) -> bytes:
    """The whole feed, in the client's language."""
    rules = db.session.scalar(select(CallRules).where(CallRules.client_id == client.id))
    agency = db.session.get(Agency, client.agency_id)
    with force_locale(_locale(client, agency)):
        cal = Calendar()
        cal.add("prodid", "-//Secretariat//Client calendar//EN")
        cal.add("version", "2.0")
        cal.add("calscale", "GREGORIAN")
        cal.add("method", "PUBLISH")
        cal.add("x-wr-calname", _("%(client)s: your office", client=client.name))
        cal.add("x-wr-timezone", client.timezone)
        cal.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
        cal.add("x-published-ttl", "PT1H")
        for item in _items(client, now):
            cal.add_component(_item_event(client, item))
        for event in _events(client, now):
            cal.add_component(calendar_event(event))
        for event in _planned_statuses(client, rules, now) + _status_now(client, now):
            cal.add_component(event)
        windows = _weekly_windows(client)
        for event in windows:
            cal.add_component(event)
        if windows:  # the zone's rules from the first window on, for the apps to expand
            cal.add_missing_timezones(first_date=min(w.decoded("dtstart") for w in windows).date())
    return cal.to_ical()
