"""The client's calendar in the portal: the feed to subscribe to, what is coming, free
times for a meeting, events to add, a calendar file to import, and the meeting rules."""

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from agency.domains.calendar import services as feeds
from agency.domains.clients.models import Client
from agency.surfaces.portal.blueprint import bp
from agency.surfaces.web import client_calendar
from agency.surfaces.web.access import own_client, roles_required
from agency.surfaces.web.forms import ConfirmForm

TEMPLATE = "portal/calendar.html"


def _urls() -> dict:
    return {
        "page": url_for(".calendar"),
        "add": url_for(".add_calendar_event"),
        "import_file": url_for(".import_calendar"),
        "rules": url_for(".meeting_rules"),
        "cancel": lambda event_id: url_for(".cancel_calendar_event", event_id=event_id),
        "cancel_request": lambda request_id: url_for(".cancel_meeting", request_id=request_id),
        "connect": url_for(".connect_calendar"),
        "booking": url_for(".booking_page"),
        "ask_to_move": lambda request_id: url_for(".move_meeting", request_id=request_id),
        "connection_action": lambda action: url_for(f".{action}_calendar"),
    }


def _context(client: Client) -> dict:
    feed = feeds.ensure_feed(client)
    return {"feed": feed, "addresses": feeds.addresses(feed)}


@bp.get("/calendar")
@roles_required("client")
def calendar():
    client = own_client()
    return client_calendar.page(client, _urls(), TEMPLATE, _context(client))


@bp.post("/calendar/events")
@roles_required("client")
def add_calendar_event():
    client = own_client()
    return client_calendar.add_event(client, _urls(), TEMPLATE, _context(client))


@bp.post("/calendar/events/<int:event_id>/cancel")
@roles_required("client")
def cancel_calendar_event(event_id):
    return client_calendar.cancel_event(own_client(), event_id, _urls())


@bp.post("/calendar/meetings/<int:request_id>/cancel")
@roles_required("client")
def cancel_meeting(request_id):
    return client_calendar.cancel_request(own_client(), request_id, _urls())


@bp.post("/calendar/connection")
@roles_required("client")
def connect_calendar():
    client = own_client()
    return client_calendar.connect(client, _urls(), TEMPLATE, _context(client))


@bp.post("/calendar/connection/sync")
@roles_required("client")
def sync_calendar():
    return client_calendar.connection_action(own_client(), "sync", _urls())


@bp.post("/calendar/connection/disconnect")
@roles_required("client")
def disconnect_calendar():
    return client_calendar.connection_action(own_client(), "disconnect", _urls())


@bp.post("/calendar/meetings/<int:request_id>/move")
@roles_required("client")
def move_meeting(request_id):
    return client_calendar.ask_to_move(own_client(), request_id, _urls(), current_user)


@bp.post("/calendar/booking")
@roles_required("client")
def booking_page():
    client = own_client()
    return client_calendar.save_booking(client, _urls(), TEMPLATE, _context(client))


@bp.post("/calendar/import")
@roles_required("client")
def import_calendar():
    client = own_client()
    return client_calendar.import_file(client, _urls(), TEMPLATE, _context(client))


@bp.post("/calendar/rules")
@roles_required("client")
def meeting_rules():
    client = own_client()
    return client_calendar.save_rules(client, _urls(), TEMPLATE, _context(client))


@bp.post("/calendar/reset")
@roles_required("client")
def reset_calendar():
    client = own_client()
    if ConfirmForm().validate_on_submit():
        feeds.reset(client)
        flash(
            _("Your calendar has a new address. The old one no longer works: subscribe again."),
            "success",
        )
    return redirect(url_for(".calendar"))
