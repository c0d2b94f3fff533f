"""A client's calendar over the API: its feed (for the agency's managers), its events,
its meeting rules and free times for a meeting (for whoever may see the client)."""

from datetime import date

from flask import Response, request
from flask_babel import gettext as _
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from agency.domains.calendar import (
    booking,
    caldav_sync,
    events,
    imports,
    meeting_requests,
    meetings,
    slots,
)
from agency.domains.calendar import services as feeds
from agency.domains.calendar.schemas import (
    CalendarFeedSchema,
    ConnectionViewSchema,
    EventSchema,
    ImportResultSchema,
    MeetingRequestViewSchema,
    MeetingRulesSchema,
    SlotSchema,
)
from agency.domains.clients.access import client_for
from agency.domains.clients.models import Client
from agency.kernel.database import db
from agency.kernel.errors import NotFound, ValidationError
from agency.surfaces.api.base import api_user, json_body, json_payload, token_required

feed_bp = Blueprint(
    "api_calendar_feed",
    __name__,
    url_prefix="/api/v1/clients",
    description="A client's calendar feed",
)


@feed_bp.get("/<int:client_id>/calendar-feed")
@feed_bp.response(200, CalendarFeedSchema)
@token_required(managers=True)
def get_feed(client_id):
    """The address of the client's iCalendar feed (made on first request), as https://
    and webcal://, and when a calendar app first and last read it."""
    return feeds.view(feeds.ensure_feed(db.get_or_404(Client, client_id)))


@feed_bp.post("/<int:client_id>/calendar-feed/reset")
@feed_bp.response(200, CalendarFeedSchema)
@token_required(managers=True)
def reset_feed(client_id):
    """A new address for the feed; the old one answers 404 from now on."""
    return feeds.view(feeds.reset(db.get_or_404(Client, client_id)))


events_bp = Blueprint(
    "api_client_calendar",
    __name__,
    url_prefix="/api/v1/clients",
    description="A client's calendar: events, meeting rules and free times",
)
blueprints = (feed_bp, events_bp)


def _client(client_id):
    """A client whose calendar the API user may see (the client's own people, their
    secretaries, the managers), or 404."""
    return client_for(api_user(), client_id)


def _day(name: str):
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise ValidationError.on(name, _("Give a date as YYYY-MM-DD.")) from exc


@events_bp.get("/<int:client_id>/events")
@events_bp.doc(
    parameters=[
        {"in": "query", "name": "from", "schema": {"type": "string", "format": "date"}},
        {"in": "query", "name": "to", "schema": {"type": "string", "format": "date"}},
    ]
)
@events_bp.response(200, EventSchema(many=True))
@token_required()
def list_events(client_id):
    """The client's events from ``from`` to ``to`` (the client's days, both included; a
    week back to three months ahead by default), cancelled ones included."""
    client = _client(client_id)
    starts, ends = events.listing_range(_day("from"), _day("to"), client.timezone)
    return events.between(client, starts, ends, cancelled=True)


@events_bp.post("/<int:client_id>/events")
@json_body(events_bp, EventSchema)
@events_bp.response(201, EventSchema)
@token_required()
def create_event(client_id):
    """A meeting, busy time or travel in the client's calendar."""
    return events.create(_client(client_id), json_payload())


@events_bp.get("/<int:client_id>/events/<int:event_id>")
@events_bp.response(200, EventSchema)
@token_required()
def get_event(client_id, event_id):
    return events.event_of(_client(client_id), event_id)


@events_bp.patch("/<int:client_id>/events/<int:event_id>")
@json_body(events_bp, EventSchema)
@events_bp.response(200, EventSchema)
@token_required()
def update_event(client_id, event_id):
    """Change an event made here (its SEQUENCE rises when calendar apps must notice)."""
    event = events.event_of(_client(client_id), event_id)
    return events.update(event, json_payload())


@events_bp.delete("/<int:client_id>/events/<int:event_id>")
@events_bp.response(200, EventSchema)
@token_required()
def cancel_event(client_id, event_id):
    """Cancel an event: it stays, marked cancelled, so calendars that copied it see it go."""
    return events.cancel(events.event_of(_client(client_id), event_id))


@events_bp.post("/<int:client_id>/events/import")
@events_bp.doc(
    requestBody={"required": True, "content": {"text/calendar": {"schema": {"type": "string"}}}}
)
@events_bp.response(200, ImportResultSchema)
@token_required()
def import_events(client_id):
    """Read an iCalendar (.ics) file, sent as the body, into the client's calendar: its
    events, and the occurrences of recurring ones from 90 days back to two years ahead.
    The same file twice changes nothing."""
    client = _client(client_id)
    if request.content_length and request.content_length > imports.MAX_BYTES:
        raise ValidationError.on("file", _("The file is larger than 2 MB."))
    return imports.import_ics(client, request.get_data())


@events_bp.get("/<int:client_id>/meeting-rules")
@events_bp.response(200, MeetingRulesSchema)
@token_required()
def get_meeting_rules(client_id):
    """The meeting part of the client's instruction sheet, with the hours in use."""
    return slots.rules_view(_client(client_id))


@events_bp.put("/<int:client_id>/meeting-rules")
@json_body(events_bp, MeetingRulesSchema)
@events_bp.response(200, MeetingRulesSchema)
@token_required()
def put_meeting_rules(client_id):
    """Replace the meeting rules; no ``working_hours`` means the client's business hours."""
    client = _client(client_id)
    slots.save_rules(client, json_payload())
    return slots.rules_view(client)


@events_bp.get("/<int:client_id>/free-slots")
@events_bp.doc(
    parameters=[
        {"in": "query", "name": "minutes", "required": True, "schema": {"type": "integer"}},
        {
            "in": "query",
            "name": "from",
            "required": True,
            "schema": {"type": "string", "format": "date"},
        },
        {
            "in": "query",
            "name": "to",
            "required": True,
            "schema": {"type": "string", "format": "date"},
        },
    ]  # fmt: skip
)
@events_bp.response(200, SlotSchema(many=True))
@token_required()
def free_slots(client_id):
    """Free times for a meeting of ``minutes`` from ``from`` to ``to`` (the client's
    days), by the client's meeting rules, soonest first."""
    return slots.search(_client(client_id), request.args.to_dict())


@events_bp.get("/<int:client_id>/meeting-requests")
@events_bp.response(200, MeetingRequestViewSchema(many=True))
@token_required()
def list_meeting_requests(client_id):
    """The meetings being arranged for the client (and those arranged), newest first."""
    return [meeting_requests.view(r) for r in meeting_requests.requests_of(_client(client_id))]


@events_bp.post("/<int:client_id>/meeting-requests")
@json_body(events_bp, meetings.RequestSchema)
@events_bp.response(201, MeetingRequestViewSchema)
@token_required()
def propose_meeting(client_id):
    """Offer free times of the client's calendar (``minutes`` long, from ``from`` to
    ``to``) to ``participants``: each gets an email in the client's name with a link
    where they pick one; the first pick arranges the meeting. ``item_id`` names the
    work item it belongs to (it waits meanwhile, and is done at the pick); without it a
    new item is made."""
    request_ = meetings.propose(_client(client_id), json_payload(), api_user(), "api")
    return meeting_requests.view(request_)


@events_bp.get("/<int:client_id>/meeting-requests/<int:request_id>")
@events_bp.response(200, MeetingRequestViewSchema)
@token_required()
def get_meeting_request(client_id, request_id):
    return meeting_requests.view(meeting_requests.request_of(_client(client_id), request_id))


@events_bp.post("/<int:client_id>/meeting-requests/<int:request_id>/cancel")
@events_bp.response(200, MeetingRequestViewSchema)
@token_required()
def cancel_meeting_request(client_id, request_id):
    """Cancel the request, and the meeting if it was arranged: every participant gets
    the calendar's cancellation."""
    found = meeting_requests.request_of(_client(client_id), request_id)
    return meeting_requests.view(meetings.cancel(found))


def _connection(client):
    found = caldav_sync.connection_of(client)
    if found is None:
        raise NotFound()
    return found


@events_bp.get("/<int:client_id>/calendar-connection")
@events_bp.response(200, ConnectionViewSchema)
@token_required()
def get_calendar_connection(client_id):
    """The client's own calendar server (CalDAV) and whether it is in step; 404 if none."""
    return caldav_sync.view(_connection(_client(client_id)))


@events_bp.put("/<int:client_id>/calendar-connection")
@json_body(events_bp, caldav_sync.ConnectionSchema)
@events_bp.response(200, ConnectionViewSchema)
@token_required()
def put_calendar_connection(client_id):
    """Connect the client's own calendar (its CalDAV address, the user name and an app
    password, kept encrypted); a job reads it and keeps both in step from then on."""
    return caldav_sync.view(caldav_sync.connect(_client(client_id), json_payload()))


@events_bp.delete("/<int:client_id>/calendar-connection")
@events_bp.response(204)
@token_required()
def delete_calendar_connection(client_id):
    """Disconnect it: the events read from it go; those made here stay."""
    caldav_sync.disconnect(_client(client_id))
    return Response(status=204)


@events_bp.post("/<int:client_id>/calendar-connection/sync")
@events_bp.response(202, ConnectionViewSchema)
@token_required()
def sync_calendar_now(client_id):
    """Sync now (in a job)."""
    connection = _connection(_client(client_id))
    caldav_sync.request_sync(connection)
    db.session.commit()
    return caldav_sync.view(connection)


class _RescheduleSchema(Schema):
    starts_at = fields.String(required=True)


@events_bp.post("/<int:client_id>/meeting-requests/<int:request_id>/reschedule")
@json_body(events_bp, _RescheduleSchema)
@events_bp.response(200, MeetingRequestViewSchema)
@token_required()
def reschedule_meeting(client_id, request_id):
    """Move an arranged meeting to ``starts_at`` (a free time by the meeting rules): every
    participant gets the changed invitation, with the next SEQUENCE."""
    found = meeting_requests.request_of(_client(client_id), request_id)
    return meeting_requests.view(meetings.reschedule(found, json_payload()))


@events_bp.get("/<int:client_id>/booking-page")
@events_bp.response(200, booking.BookingPageSchema)
@token_required()
def get_booking_page(client_id):
    """The client's public booking page: on or off, its kinds of meeting, the away
    period, and its address once made."""
    return booking.view(booking.page_of(_client(client_id)))


@events_bp.put("/<int:client_id>/booking-page")
@json_body(events_bp, booking.BookingPageSchema)
@events_bp.response(200, booking.BookingPageSchema)
@token_required()
def put_booking_page(client_id):
    """Set the booking page: ``enabled``, ``types`` ([{"name", "minutes", "location"}]),
    ``away_from``/``away_to`` and ``away_message``."""
    return booking.view(booking.save(_client(client_id), json_payload()))
