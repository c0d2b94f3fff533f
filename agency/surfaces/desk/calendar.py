"""The calendars of the clients a secretary serves (every client, for a manager): what is
coming, free times for a meeting, events to add, a calendar file to import, and the
meeting rules of the client's instruction sheet."""

from flask import Blueprint, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from agency.domains.clients.access import client_for, visible_clients
from agency.domains.clients.models import Client
from agency.kernel.database import db
from agency.surfaces.web import client_calendar
from agency.surfaces.web.access import roles_required

bp = Blueprint("desk_calendar", __name__, url_prefix="/desk/calendar")
TEMPLATE = "desk/calendar.html"
PEOPLE = ("secretary", "owner", "manager")


def _urls(client_id: int) -> dict:
    return {
        "page": url_for(".client", client_id=client_id),
        "add": url_for(".add_event", client_id=client_id),
        "import_file": url_for(".import_file", client_id=client_id),
        "rules": url_for(".rules", client_id=client_id),
        "cancel": lambda event_id: url_for(".cancel", client_id=client_id, event_id=event_id),
        "arrange": url_for(".arrange", client_id=client_id),
        "connect": url_for(".connect", client_id=client_id),
        "booking": url_for(".booking_page", client_id=client_id),
        "reschedule": lambda request_id: url_for(
            ".reschedule", client_id=client_id, request_id=request_id
        ),
        "connection_action": lambda action: url_for(f".{action}", client_id=client_id),
        "cancel_request": lambda request_id: url_for(
            ".cancel_request", client_id=client_id, request_id=request_id
        ),
    }


@bp.get("/")
@roles_required(*PEOPLE)
def home():
    clients = db.session.scalars(
        select(Client)
        .where(Client.id.in_(visible_clients(current_user)), Client.archived_at.is_(None))
        .order_by(Client.name)
    ).all()
    return render_template("desk/calendars.html", clients=clients)


@bp.get("/<int:client_id>")
@roles_required(*PEOPLE)
def client(client_id):
    found = client_for(current_user, client_id)
    return client_calendar.page(found, _urls(found.id), TEMPLATE, {})


@bp.post("/<int:client_id>/events")
@roles_required(*PEOPLE)
def add_event(client_id):
    found = client_for(current_user, client_id)
    return client_calendar.add_event(found, _urls(found.id), TEMPLATE, {})


@bp.post("/<int:client_id>/events/<int:event_id>/cancel")
@roles_required(*PEOPLE)
def cancel(client_id, event_id):
    found = client_for(current_user, client_id)
    return client_calendar.cancel_event(found, event_id, _urls(found.id))


@bp.post("/<int:client_id>/import")
@roles_required(*PEOPLE)
def import_file(client_id):
    found = client_for(current_user, client_id)
    return client_calendar.import_file(found, _urls(found.id), TEMPLATE, {})


@bp.post("/<int:client_id>/rules")
@roles_required(*PEOPLE)
def rules(client_id):
    found = client_for(current_user, client_id)
    return client_calendar.save_rules(found, _urls(found.id), TEMPLATE, {})


@bp.post("/<int:client_id>/meetings")
@roles_required(*PEOPLE)
def arrange(client_id):
    found = client_for(current_user, client_id)
    return client_calendar.arrange(found, _urls(found.id), TEMPLATE, {}, current_user)


@bp.post("/<int:client_id>/meetings/<int:request_id>/cancel")
@roles_required(*PEOPLE)
def cancel_request(client_id, request_id):
    found = client_for(current_user, client_id)
    return client_calendar.cancel_request(found, request_id, _urls(found.id))


@bp.post("/<int:client_id>/connection")
@roles_required(*PEOPLE)
def connect(client_id):
    found = client_for(current_user, client_id)
    return client_calendar.connect(found, _urls(found.id), TEMPLATE, {})


@bp.post("/<int:client_id>/connection/sync")
@roles_required(*PEOPLE)
def sync(client_id):
    found = client_for(current_user, client_id)
    return client_calendar.connection_action(found, "sync", _urls(found.id))


@bp.post("/<int:client_id>/connection/disconnect")
@roles_required(*PEOPLE)
def disconnect(client_id):
    found = client_for(current_user, client_id)
    return client_calendar.connection_action(found, "disconnect", _urls(found.id))


@bp.post("/<int:client_id>/meetings/<int:request_id>/reschedule")
@roles_required(*PEOPLE)
def reschedule(client_id, request_id):
    found = client_for(current_user, client_id)
    return client_calendar.reschedule(found, request_id, _urls(found.id), TEMPLATE, {})


@bp.post("/<int:client_id>/booking")
@roles_required(*PEOPLE)
def booking_page(client_id):
    found = client_for(current_user, client_id)
    return client_calendar.save_booking(found, _urls(found.id), TEMPLATE, {})
