"""A client's day over the API: the agenda (calendar, bills due, calls to return) and
whether it is emailed, at which hour."""

from datetime import date

from flask import request
from flask_babel import gettext as _
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from agency.domains.accounts.models import Role
from agency.domains.agenda import contact_log, daily
from agency.domains.clients.access import client_for
from agency.kernel.errors import NotAllowed, ValidationError
from agency.surfaces.api.base import api_user, json_body, json_payload, token_required

bp = Blueprint(
    "api_agenda",
    __name__,
    url_prefix="/api/v1/clients",
    description="A client's day: the agenda, and when it is emailed",
)
blueprints = (bp,)


class AgendaEventSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    title = fields.String()
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    location = fields.String(allow_none=True)


class AgendaBillSchema(Schema):
    id = fields.Integer()
    supplier = fields.String()
    amount_minor = fields.Integer()
    currency = fields.String()
    due_on = fields.Date()
    status = fields.String()


class AgendaCallSchema(Schema):
    id = fields.Integer()
    caller_name = fields.String(allow_none=True)
    number = fields.String(allow_none=True)
    reason = fields.String()
    created_at = fields.DateTime()


class AgendaViewSchema(Schema):
    day = fields.Date()
    events = fields.List(fields.Nested(AgendaEventSchema))
    bills = fields.List(fields.Nested(AgendaBillSchema))
    calls = fields.List(fields.Nested(AgendaCallSchema))


class SettingsViewSchema(Schema):
    enabled = fields.Boolean()
    hour = fields.Integer()


@bp.get("/<int:client_id>/agenda")
@bp.doc(parameters=[{"name": "day", "in": "query", "schema": {"type": "string", "format": "date"}}])
@bp.response(200, AgendaViewSchema)
@token_required()
def get_agenda(client_id):
    """The client's ``day`` (today on their clock when not given)."""
    client = client_for(api_user(), client_id)
    raw = request.args.get("day")
    try:
        day = date.fromisoformat(raw) if raw else daily.today_of(client)
    except ValueError as exc:
        raise ValidationError.on("day", _("Give a date as YYYY-MM-DD.")) from exc
    return daily.agenda(client, day)


@bp.get("/<int:client_id>/agenda-settings")
@bp.response(200, SettingsViewSchema)
@token_required()
def get_agenda_settings(client_id):
    return daily.settings_view(client_for(api_user(), client_id))


@bp.put("/<int:client_id>/agenda-settings")
@json_body(bp, daily.SettingsSchema)
@bp.response(200, SettingsViewSchema)
@token_required()
def put_agenda_settings(client_id):
    """Email the agenda each day (``enabled``) from ``hour`` on the client's clock."""
    client = client_for(api_user(), client_id)
    daily.save_settings(client, json_payload())
    return daily.settings_view(client)


class LogEntrySchema(Schema):
    at = fields.DateTime()
    kind = fields.String()
    text = fields.String()
    item_id = fields.Integer()
    email_id = fields.Integer()
    event_id = fields.Integer()
    status = fields.String()


class NoteViewSchema(Schema):
    id = fields.Integer()
    contact_id = fields.Integer()
    text = fields.String()
    created_at = fields.DateTime()


@bp.get("/<int:client_id>/contacts/<int:contact_id>/log")
@bp.response(200, LogEntrySchema(many=True))
@token_required()
def contact_log_of(client_id, contact_id):
    """Every call, message, email, meeting, note and piece of work with the contact,
    newest first."""
    client = client_for(api_user(), client_id)
    return contact_log.log(contact_log.contact_of(client, contact_id))


@bp.post("/<int:client_id>/contacts/<int:contact_id>/notes")
@json_body(bp, contact_log.NoteSchema)
@bp.response(201, NoteViewSchema)
@token_required()
def add_contact_note(client_id, contact_id):
    client = client_for(api_user(), client_id)
    if api_user().role == Role.client:
        raise NotAllowed(_("The office keeps the contacts' notes."))
    person = contact_log.contact_of(client, contact_id)
    return contact_log.add_note(person, json_payload(), api_user())
