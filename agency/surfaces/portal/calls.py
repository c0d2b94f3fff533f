"""The client's calls and messages in the portal: status, rules, simulator, messages."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from agency.domains.calls import history, messages, services
from agency.domains.calls.forms import StatusForm, status_data
from agency.domains.calls.models import Message
from agency.kernel.database import db
from agency.kernel.errors import ValidationError
from agency.surfaces.web.access import full_client_access, own_client, roles_required
from agency.surfaces.web.call_rules import rules_page
from agency.surfaces.web.forms import ConfirmForm, show_errors

bp = Blueprint("portal_calls", __name__, url_prefix="/portal/calls")


def _own_message(message_id: int) -> Message:
    message = db.get_or_404(Message, message_id)
    if message.client_id != current_user.client_id:
        abort(404)
    return message


@bp.route("/", methods=["GET", "POST"])
@roles_required("client")
def home():
    client = own_client()
    form, status = StatusForm(), 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                services.set_status(client, status_data(form, client.timezone))
                flash(_("Status saved."), "success")
                return redirect(url_for(".home"))
            except ValidationError as exc:
                db.session.rollback()
                show_errors(form, exc.fields)
                status = exc.status_code
        else:
            status = 400
    elif client.status_text:
        form.status_text.data = client.status_text
    shown = messages.messages(client.id)
    page = render_template(
        "calls/portal.html",
        client=client,
        form=form,
        status=services.status_now(client),
        templates=services.rules_for(client).status_templates or [],
        number=services.number_of(client.id),
        messages=shown,
        calls=history.calls(client.id, limit=50),
        message_actions=True,
        client_only=True,
        confirm_form=ConfirmForm(),
    )
    messages.mark_read(shown)
    return page, status


@bp.route("/rules", methods=["GET", "POST"])
@roles_required("client")
@full_client_access
def rules():
    return rules_page(own_client(), {"back_url": url_for(".home")})


@bp.post("/messages/<int:message_id>/handled")
@roles_required("client")
def handled(message_id):
    message = _own_message(message_id)
    if ConfirmForm().validate_on_submit():
        messages.mark_handled(message)
        flash(_("Marked as handled."), "success")
    return redirect(url_for(".home"))


@bp.post("/messages/<int:message_id>/block")
@roles_required("client")
def block(message_id):
    message = _own_message(message_id)
    if ConfirmForm().validate_on_submit():
        try:
            messages.block_caller(message)
            flash(_("This caller is blocked."), "success")
        except ValidationError as exc:
            db.session.rollback()
            flash(exc.message, "error")
    return redirect(url_for(".home"))
