from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from agency.domains.agenda import daily
from agency.domains.billing.ledger import hours
from agency.domains.calls import services as calls
from agency.domains.clients.models import Client
from agency.kernel.database import db
from agency.kernel.errors import ValidationError
from agency.surfaces.portal.blueprint import bp
from agency.surfaces.portal.forms import ExtraHoursForm
from agency.surfaces.web.access import roles_required
from agency.surfaces.web.forms import ConfirmForm, refusal_text


@bp.get("/")
@roles_required("client")
def home():
    client = db.session.get(Client, current_user.client_id) if current_user.client_id else None
    if client is None:
        abort(404)
    return render_template(
        "portal/home.html",
        client=client,
        contract=client.active_contract,
        status=calls.status_now(client),
        summary=hours(client),
        extra_form=ExtraHoursForm(),
        today=daily.agenda(client, daily.today_of(client)),
        agenda_settings=daily.settings_view(client),
        agenda_form=ConfirmForm(),
    )


@bp.post("/agenda-settings")
@roles_required("client")
def agenda_settings():
    """Whether the client gets their day by email, and from which hour."""
    client = db.session.get(Client, current_user.client_id) if current_user.client_id else None
    if client is None:
        abort(404)
    if ConfirmForm().validate_on_submit():
        try:
            daily.save_settings(
                client,
                {"enabled": request.form.get("enabled") == "y",
                 "hour": request.form.get("hour", "7")},
            )  # fmt: skip
        except ValidationError as exc:
            db.session.rollback()
            flash(refusal_text(exc), "error")
            return redirect(url_for(".home") + "#today")
        flash(_("Your daily agenda is set."), "success")
    return redirect(url_for(".home") + "#today")
