"""The client's own calendar server (CalDAV: Nextcloud, iCloud, Fastmail, Radicale …),
kept in step both ways by a job, with the ``caldav`` library.

- **Pull**: the server's changes since the last sync token (RFC 6578), never the whole
  calendar when nothing changed. Each calendar object becomes events from the client's
  own calendar (``source`` "caldav"), a repeating one each occurrence within the
  import's horizon; an object gone from the server removes its events here.
- **Push**: each event made here that changed since it was last written there (its
  ``etag`` against ``pushed_etag``) is written to the server; a cancelled one is deleted
  there.
- **Both changed**: an event made here belongs to the product, so its version is
  written over the server's; an event from the client's calendar belongs to the server
  and is read-only here. A deletion on either side removes the event on the other (an
  event made here and deleted on the server is cancelled here).
- **Failure**: a refused login, a timeout or an answer that is not a calendar marks the
  connection broken with the reason, keeps every event on both sides as it was (the
  sync is one transaction), and the next try waits longer each time (backoff).
"""

import logging
from contextlib import suppress
from datetime import timedelta
from urllib.parse import urlsplit

import caldav
import requests
from caldav.lib import error as dav_error
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from icalendar import Calendar
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from agency.domains.calendar.events import etag_of
from agency.domains.calendar.ics import calendar_event
from agency.domains.calendar.imports import READ_ERRORS, rows_of
from agency.domains.calendar.models import CalendarConnection, CalendarEvent
from agency.domains.clients.models import Client
from agency.kernel import clock, labels
from agency.kernel.database import db
from agency.kernel.errors import NotFound, ValidationError
from agency.kernel.queue import enqueue_after_commit
from agency.kernel.records import values_for

EVERY = timedelta(minutes=15)
LONGEST_WAIT = timedelta(hours=6)
SYNC_JOB = "workers.jobs.sync_calendar"
log = logging.getLogger(__name__)
FAILURES = (
    dav_error.DAVError,
    requests.exceptions.RequestException,
    OSError,
    SyntaxError,  # an answer that is not XML (lxml's errors are SyntaxErrors)
    *READ_ERRORS,
)
# Why a sync failed, in words (the connection keeps the key).
REASONS = {
    "refused": _l("The calendar refused the user name or the password."),
    "not_found": _l("There is no calendar at that address."),
    "unreachable": _l("The calendar server could not be reached or did not answer in time."),
    "garbage": _l("The calendar server answered with something that is not a calendar."),
    "error": _l("The calendar server answered with an error."),
}
labels.define("calendar_sync_failure", REASONS)


class ConnectionSchema(Schema):
    url = fields.String(required=True, validate=validate.Length(min=8, max=1000))
    username = fields.String(required=True, validate=validate.Length(min=1, max=200))
    password = fields.String(
        load_default=None, allow_none=True, load_only=True, validate=validate.Length(max=500)
    )


def _site(parts) -> tuple[str, int]:
    default = 443 if parts.scheme == "https" else 80
    return (parts.hostname or "").lower(), parts.port or default


def _checked_url(url: str) -> str:
    """An http(s) address, not of the product itself (its host and port)."""
    parts = urlsplit(url.strip())
    try:
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(url)
        site = _site(parts)
    except ValueError as exc:  # a port that is not a number, or out of range
        raise ValidationError.on(
            "url", _("Give the calendar's address, starting with https://.")
        ) from exc
    if site == _site(urlsplit(current_app.config["PUBLIC_URL"])):
        raise ValidationError.on("url", _("The calendar cannot be on this site's own address."))
    return url.strip()


def connection_of(client: Client) -> CalendarConnection | None:
    return db.session.scalar(
        select(CalendarConnection).where(CalendarConnection.client_id == client.id)
    )


def connect(client: Client, data: dict) -> CalendarConnection:
    """Connect (or change) the client's calendar server; the first sync runs in a job.
    Leaving the password out keeps the saved one."""
    values = values_for(ConnectionSchema(), data)
    url = _checked_url(values["url"])
    found = connection_of(client)
    if found is None and not values.get("password"):
        raise ValidationError.on("password", _("Give the app password of the calendar."))
    if found is None:
        found = CalendarConnection(client_id=client.id, failures=0)
        db.session.add(found)
    if found.url != url:
        found.sync_token = None  # another calendar: read it whole
    found.url, found.username = url, values["username"].strip()
    if values.get("password"):
        found.password = values["password"]
    found.status, found.last_error, found.failures = "new", None, 0
    found.next_sync_at = clock.now()
    db.session.flush()
    request_sync(found)
    db.session.commit()
    return found


def disconnect(client: Client) -> None:
    """Stop keeping the calendars in step; the events read from it go."""
    found = connection_of(client)
    if found is None:
        raise NotFound()
    for event in db.session.scalars(
        select(CalendarEvent).where(
            CalendarEvent.client_id == client.id, CalendarEvent.source == "caldav"
        )
    ):
        db.session.delete(event)
    db.session.delete(found)
    db.session.commit()


PENDING_KEY = "secretariat:calendar-sync:{agency_id}:{client_id}"


def pending_key(agency_id: int, client_id: int) -> str:
    return PENDING_KEY.format(agency_id=agency_id, client_id=client_id)


def request_sync(connection: CalendarConnection) -> None:
    """After the commit, a sync job for the client, unless one is waiting already."""
    key = pending_key(connection.agency_id, connection.client_id)
    enqueue_after_commit(
        SYNC_JOB, connection.agency_id, connection.client_id, unless_pending=(key, 600)
    )


def view(connection: CalendarConnection) -> dict:
    return {
        "client_id": connection.client_id,
        "url": connection.url,
        "username": connection.username,
        "status": connection.status,
        "last_error": failure(connection) or None,
        "last_synced_at": connection.last_synced_at,
        "next_sync_at": connection.next_sync_at,
    }


def _calendar(connection: CalendarConnection):
    client = caldav.DAVClient(
        url=connection.url,
        username=connection.username,
        password=connection.password,
        timeout=current_app.config["CALDAV_TIMEOUT_SECONDS"],
    )
    return caldav.Calendar(client=client, url=connection.url)


def sync(client: Client) -> dict:
    """Pull the server's changes, push ours; how many events came and went. A failure
    marks the connection broken and changes no event."""
    connection = connection_of(client)
    if connection is None:
        return {"pulled": 0, "pushed": 0}
    connection_id = connection.id
    try:
        calendar = _calendar(connection)
        changes = calendar.objects_by_sync_token(connection.sync_token, load_objects=True)
        pulled = _pull(client, changes, whole=connection.sync_token is None)
        written = _push(client, calendar)
        token = changes.sync_token
        if written:  # our own writes are not news: a token past them, if only they came
            after = calendar.objects_by_sync_token(token, load_objects=False)
            if {str(o.url) for o in after} <= written:
                token = after.sync_token
    except FAILURES as exc:
        db.session.rollback()
        _broken(db.session.get(CalendarConnection, connection_id), exc)
        return {"pulled": 0, "pushed": 0, "error": _reason(exc)}
    pushed = len(written)
    connection.sync_token = token
    connection.status, connection.last_error, connection.failures = "ok", None, 0
    connection.last_synced_at = clock.now()
    connection.next_sync_at = connection.last_synced_at + EVERY
    db.session.commit()
    return {"pulled": pulled, "pushed": pushed, "fetched": len(list(changes))}


def _broken(connection: CalendarConnection, exc: BaseException) -> None:
    connection.status = "broken"
    connection.last_error = _reason(exc)
    log.warning(
        "calendar sync of client %s failed (%s): %s",
        connection.client_id,
        connection.last_error,
        type(exc).__name__,
    )
    connection.failures += 1
    wait = min(timedelta(minutes=2**connection.failures), LONGEST_WAIT)
    connection.next_sync_at = clock.now() + wait
    db.session.commit()


def _reason(exc: BaseException) -> str:
    """The key of REASONS that says why ``exc`` stopped a sync."""
    if isinstance(exc, dav_error.AuthorizationError):
        return "refused"
    if isinstance(exc, dav_error.NotFoundError):
        return "not_found"
    if isinstance(exc, requests.exceptions.ConnectionError | requests.exceptions.Timeout):
        return "unreachable"
    if isinstance(exc, (SyntaxError, *READ_ERRORS)):
        return "garbage"
    if isinstance(exc, OSError) and not isinstance(exc, requests.exceptions.RequestException):
        return "unreachable"
    return "error"


def failure(connection: CalendarConnection) -> str:
    """Why the connection's last sync failed, in words; empty when it did not."""
    return labels.label("calendar_sync_failure", connection.last_error)


def _pull(client: Client, changes, whole: bool) -> int:
    """Apply the server's changed and deleted objects; with ``whole`` (no sync token),
    what is no longer on the server goes too."""
    now = clock.now()
    seen, count = set(), 0
    for obj in changes:
        href = str(obj.url)
        seen.add(href)
        mine = db.session.scalars(
            select(CalendarEvent).where(
                CalendarEvent.client_id == client.id, CalendarEvent.remote_href == href
            )
        ).all()
        if obj.data is None:  # deleted on the server
            count += _gone(mine)
            continue
        if any(e.source == "local" for e in mine):
            continue  # made here: ours wins, and is pushed again if it changed
        rows, _skipped = rows_of(Calendar.from_ical(obj.data), client, now)
        count += _replace(client, href, mine, rows, now)
    if whole:
        stale = db.session.scalars(
            select(CalendarEvent).where(
                CalendarEvent.client_id == client.id,
                CalendarEvent.source == "caldav",
                CalendarEvent.remote_href.not_in(seen) if seen else CalendarEvent.id.is_not(None),
            )
        ).all()
        count += _gone(stale)
    return count


def _gone(events: list[CalendarEvent]) -> int:
    for event in events:
        if event.source == "local":
            if event.cancelled_at is None:  # deleted there: cancelled here
                event.cancelled_at = event.updated_at = clock.now()
                event.sequence += 1
                event.etag = event.pushed_etag = etag_of(event)
        else:
            db.session.delete(event)
    return len(events)


def _replace(client: Client, href: str, mine: list, rows: list[dict], now) -> int:
    known = {e.uid: e for e in mine}
    for row in rows:
        event = known.pop(row["uid"], None)
        if event is None:
            event = CalendarEvent(
                client_id=client.id, source="caldav", sequence=0, attendees=[], created_at=now
            )
            db.session.add(event)
        elif all(getattr(event, k) == v for k, v in row.items()):
            continue
        else:
            event.sequence += 1
        for name, value in row.items():
            setattr(event, name, value)
        event.remote_href, event.updated_at = href, now
        event.etag = etag_of(event)
    for event in known.values():  # occurrences the object no longer has
        db.session.delete(event)
    return len(rows)


def _push(client: Client, calendar) -> set[str]:
    """Write the events made here that changed since they were last written there; the
    addresses written."""
    waiting = db.session.scalars(
        select(CalendarEvent).where(
            CalendarEvent.client_id == client.id,
            CalendarEvent.source == "local",
            CalendarEvent.pushed_etag.is_distinct_from(CalendarEvent.etag),
        )
    ).all()
    for event in waiting:
        if event.cancelled_at is not None:
            if event.remote_href:
                remote = caldav.Event(
                    client=calendar.client, url=event.remote_href, parent=calendar
                )
                with suppress(dav_error.NotFoundError):  # gone there already
                    remote.delete()
        else:
            vcalendar = Calendar()
            vcalendar.add("prodid", "-//Secretariat//Client calendar//EN")
            vcalendar.add("version", "2.0")
            vcalendar.add_component(calendar_event(event))
            data = vcalendar.to_ical().decode()
            if event.remote_href:
                caldav.Event(
                    client=calendar.client, url=event.remote_href, data=data, parent=calendar
                ).save()
            else:
                event.remote_href = str(calendar.save_event(data).url)
        event.pushed_etag = event.etag
    return {e.remote_href for e in waiting if e.remote_href}


def request_due(now) -> int:
    """The minute tick: a sync job for each calendar of the current agency that is due
    one (every 15 minutes, or the next try after a failure)."""
    found = db.session.scalars(
        select(CalendarConnection).where(
            (CalendarConnection.next_sync_at.is_(None)) | (CalendarConnection.next_sync_at <= now)
        )
    ).all()
    for connection in found:
        request_sync(connection)
    db.session.commit()
    return len(found)
