"""Console pages for calls: the telephony account, the pool of numbers, each client's call
rules and simulator, and the calls and messages of every client."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice

from agency.domains.calls import history, messages, services
from agency.domains.calls.forms import (
    CallRulesForm,
    StatusForm,
    fill_rules_form,
    fill_status_form,
    status_data,
)
from agency.domains.calls.models import PhoneNumber
from agency.domains.clients.models import Client
from agency.kernel.database import db
from agency.kernel.errors import ValidationError
from agency.surfaces.web.access import managers_only
from agency.surfaces.web.call_rules import rules_page, rules_template
from agency.surfaces.web.forms import ConfirmForm, show_errors

bp = Blueprint("console_calls", __name__, url_prefix="/console/calls")


class VoiceSettingsForm(FlaskForm):
    account_sid = StringField(_l("Account SID"))
    auth_token = PasswordField(_l("Auth token (empty: keep the saved one)"))
    api_key_sid = StringField(_l("API key SID (for answering in the browser)"))
    api_key_secret = PasswordField(_l("API key secret (empty: keep the saved one)"))
    sms_from = StringField(_l("Send text messages from (empty: no SMS)"))


class NumberForm(FlaskForm):
    number = StringField(_l("Number (international form)"))
    label = StringField(_l("Label"))
    client_id = SelectField(_l("Client"), validate_choice=False)


def _client_choices():
    clients = db.session.scalars(
        db.select(Client).where(Client.archived_at.is_(None)).order_by(Client.name)
    ).all()
    return [SelectChoice("", _("Nobody yet"))] + [SelectChoice(str(c.id), c.name) for c in clients]


def _client_id(raw: str | None):
    raw = (raw or "").strip()
    if not raw:
        return None
    return int(raw) if raw.isdigit() and len(raw) < 10 else -1


@bp.route("/", methods=["GET", "POST"])
@managers_only
def home():
    settings_form, number_form = VoiceSettingsForm(), NumberForm()
    number_form.client_id.choices = _client_choices()
    status = 200
    if request.method == "GET":
        settings = services.voice_settings()
        if settings:
            settings_form.account_sid.data = settings.account_sid
            settings_form.api_key_sid.data = settings.api_key_sid
            settings_form.sms_from.data = settings.sms_from
    elif "number" not in request.form and settings_form.validate_on_submit():
        try:
            services.save_voice_settings(
                {
                    "account_sid": settings_form.account_sid.data or None,
                    "auth_token": settings_form.auth_token.data or None,
                    "api_key_sid": (settings_form.api_key_sid.data or "").strip() or None,
                    "api_key_secret": settings_form.api_key_secret.data or None,
                    "sms_from": (settings_form.sms_from.data or "").strip() or None,
                }
            )
            flash(_("Telephony account saved."), "success")
            return redirect(url_for(".home"))
        except ValidationError as exc:
            db.session.rollback()
            show_errors(settings_form, exc.fields)
            status = exc.status_code
    elif "number" in request.form and number_form.validate_on_submit():
        try:
            services.add_number(
                {
                    "number": number_form.number.data or "",
                    "label": number_form.label.data or None,
                    "client_id": _client_id(number_form.client_id.data),
                }
            )
            flash(_("Number added."), "success")
            return redirect(url_for(".home"))
        except ValidationError as exc:
            db.session.rollback()
            show_errors(number_form, exc.fields)
            status = exc.status_code
    else:
        status = 400
    return render_template(
        "calls/console_home.html",
        settings_form=settings_form,
        number_form=number_form,
        numbers=services.numbers(),
        client_choices=_client_choices(),
        calls=history.calls(limit=50),
        messages=messages.messages(limit=50),
        confirm_form=ConfirmForm(),
    ), status


@bp.post("/numbers/<int:number_id>")
@managers_only
def assign_number(number_id):
    number = db.get_or_404(PhoneNumber, number_id)
    if ConfirmForm().validate_on_submit():
        try:
            services.update_number(number, {"client_id": _client_id(request.form.get("client_id"))})
            flash(_("Number saved."), "success")
        except ValidationError as exc:
            db.session.rollback()
            flash(exc.message, "error")
    return redirect(url_for(".home"))


@bp.post("/numbers/<int:number_id>/remove")
@managers_only
def remove_number(number_id):
    number = db.get_or_404(PhoneNumber, number_id)
    if ConfirmForm().validate_on_submit():
        services.remove_number(number)
        flash(_("Number removed from the pool."), "success")
    return redirect(url_for(".home"))


def _console_context(client: Client, status_form: StatusForm | None = None) -> dict:
    """The console's rules page also sets the client's status, as the portal does."""
    if status_form is None:
        status_form = StatusForm(formdata=None)
        fill_status_form(status_form, client)
    return {
        "back_url": url_for("console.edit_client", client_id=client.id),
        "status_form": status_form,
        "status_url": url_for(".client_status", client_id=client.id),
    }


@bp.route("/clients/<int:client_id>", methods=["GET", "POST"])
@managers_only
def client_rules(client_id):
    client = db.get_or_404(Client, client_id)
    return rules_page(client, _console_context(client))


@bp.post("/clients/<int:client_id>/status")
@managers_only
def client_status(client_id):
    """The client's status now ("in a meeting until 15:00"), set by their agency."""
    client = db.get_or_404(Client, client_id)
    form = StatusForm()
    status = 400
    if form.validate_on_submit():
        try:
            services.set_status(client, status_data(form, client.timezone))
            flash(_("Status saved."), "success")
            return redirect(url_for(".client_rules", client_id=client.id))
        except ValidationError as exc:
            db.session.rollback()
            show_errors(form, exc.fields)
            status = exc.status_code
    rules_form = CallRulesForm(formdata=None)
    fill_rules_form(rules_form, services.rules_view(client), client.timezone)
    return rules_template(client, rules_form, _console_context(client, form)), status
