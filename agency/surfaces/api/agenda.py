"""A client's day over the API: the agenda (calendar, bills due, calls to return) and
whether it is emailed, at which hour."""

from datetime import date

from flask import request
from flask_babel import gettext as _
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from agency.domains.agenda import daily
from agency.domains.clients.access import client_for
from agency.kernel.errors import ValidationError
from agency.surfaces.api.base import api_user, json_body, json_payload, token_required

bp = Blueprint(
    "api_agenda",
    __name__,
    url_prefix="/api/v1/clients",
    description="A client's day: the agenda, and when it is emailed",
)
blueprints = (bp,)


class AgendaViewSchema(Schema):
    class Event(Schema):
        id = fields.Integer()
        kind = fields.String()
        title = fields.String()
        starts_at = fields.DateTime()
        ends_at = fields.DateTime()
        location = fields.String(allow_none=True)

    class Bill(Schema):
        id = fields.Integer()
        supplier = fields.String()
        amount_minor = fields.Integer()
        currency = fields.String()
        due_on = fields.Date()
        status = fields.String()

    class Call(Schema):
        id = fields.Integer()
        caller_name = fields.String(allow_none=True)
        number = fields.String(allow_none=True)
        reason = fields.String()
        created_at = fields.DateTime()

    day = fields.Date()
    events = fields.List(fields.Nested(Event))
    bills = fields.List(fields.Nested(Bill))
    calls = fields.List(fields.Nested(Call))


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
