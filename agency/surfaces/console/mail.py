"""The console's mail settings: the inbound hook's key, clients' aliases, urgent words,
and the agency's canned responses and letter templates."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from agency.domains.clients.models import Client
from agency.domains.mail import settings as mail_settings
from agency.domains.mail import writing
from agency.domains.mail.models import MailTemplate
from agency.kernel import clock
from agency.kernel.database import db
from agency.kernel.errors import ValidationError
from agency.kernel.links import external_url
from agency.surfaces.web.access import managers_only
from agency.surfaces.web.forms import ConfirmForm

bp = Blueprint("console_mail", __name__, url_prefix="/console/mail")


def _page(status: int = 200, errors: dict | None = None, values: dict | None = None):
    settings = mail_settings.agency_settings()
    clients = db.session.scalars(
        select(Client).where(Client.archived_at.is_(None)).order_by(Client.name)
    ).all()
    aliases = [(c, mail_settings.alias_address(mail_settings.rules_for(c))) for c in clients]
    db.session.commit()
    templates = db.session.scalars(
        select(MailTemplate)
        .where(MailTemplate.archived_at.is_(None))
        .order_by(MailTemplate.kind, MailTemplate.name)
    ).all()
    return render_template(
        "mail/console.html",
        settings=settings,
        hook_url=external_url("hooks_email.receive"),
        aliases=aliases,
        clients=clients,
        templates=templates,
        errors=errors or {},
        values=values or {},
        confirm_form=ConfirmForm(),
    ), status


@bp.get("/")
@managers_only
def home():
    return _page()


@bp.post("/rotate")
@managers_only
def rotate():
    if ConfirmForm().validate_on_submit():
        mail_settings.rotate_secret()
        flash(_("A new inbound key is in use; update your mail provider."), "success")
    return redirect(url_for("console_mail.home"))


@bp.post("/keywords")
@managers_only
def keywords():
    if ConfirmForm().validate_on_submit():
        words = request.form.get("urgent_keywords", "").split(",")
        words = sorted({w.strip() for w in words if w.strip()})
        if any(len(w) > 60 for w in words) or len(words) > 50:
            return _page(422, {"urgent_keywords": [_("Up to 50 words of up to 60 letters.")]})
        mail_settings.agency_settings().urgent_keywords = words
        db.session.commit()
        flash(_("Saved."), "success")
    return redirect(url_for("console_mail.home"))


@bp.post("/send-rate")
@managers_only
def send_rate():
    if not ConfirmForm().validate_on_submit():
        return _page(400, {"send_per_minute": [_("The form expired.")]})
    try:
        fields = ("send_per_minute", "reopen_days")
        mail_settings.save_settings({f: request.form[f] for f in fields if f in request.form})
    except ValidationError as exc:
        db.session.rollback()
        return _page(exc.status_code, exc.fields or {"send_per_minute": [exc.message]})
    flash(_("Saved."), "success")
    return redirect(url_for("console_mail.home"))


@bp.post("/templates")
@managers_only
def create_template():
    fields = ("kind", "client_id", "name", "subject", "body")
    values = {k: request.form.get(k, "") for k in fields}
    if not ConfirmForm().validate_on_submit():
        return _page(400, {"name": [_("The form expired.")]}, values)
    try:
        writing.create_template({**values, "client_id": values["client_id"] or None})
    except ValidationError as exc:
        db.session.rollback()
        return _page(exc.status_code, exc.fields or {"name": [exc.message]}, values)
    flash(_("Saved."), "success")
    return redirect(url_for("console_mail.home"))


@bp.post("/templates/<int:template_id>/archive")
@managers_only
def archive_template(template_id):
    template = db.get_or_404(MailTemplate, template_id)
    if ConfirmForm().validate_on_submit():
        template.archived_at = template.archived_at or clock.now()
        db.session.commit()
    return redirect(url_for("console_mail.home"))
