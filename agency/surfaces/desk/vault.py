"""A client's vault on the desk: the entries (never their secrets on the page), one
added, a secret read once with a reason (audited, rate-limited), and the audit."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from agency.domains.clients.access import (
    client_for,
    may_read_secrets,
    open_clients,
)
from agency.domains.vault import entries
from agency.domains.vault.forms import EntryForm
from agency.extensions import limiter
from agency.kernel.database import db
from agency.kernel.errors import NotFound, ValidationError
from agency.surfaces.web.access import roles_required
from agency.surfaces.web.forms import ConfirmForm, refusal_text, refused

bp = Blueprint("desk_vault", __name__, url_prefix="/desk/vault")
PEOPLE = ("secretary", "owner", "manager")


@bp.get("/")
@roles_required(*PEOPLE)
def home():
    clients = open_clients(current_user)
    return render_template(
        "desk/vault_clients.html", clients=clients, policy=entries.policy(),
        confirm_form=ConfirmForm(),
    )  # fmt: skip


@bp.post("/policy")
@roles_required("owner", "manager")
def set_policy():
    """Whether the clients' people may read back the passwords they keep."""
    if ConfirmForm().validate_on_submit():
        entries.set_policy({"clients_read_back": request.form.get("clients_read_back") == "y"})
        flash(_("The vault's rule for clients is saved."), "success")
    return redirect(url_for(".home"))


def _page(client, form=None, status: int = 200, revealed=None):
    return (
        render_template(
            "desk/vault.html",
            client=client,
            entries=[entries.view(e) for e in entries.entries_of(client)],
            form=form or EntryForm(formdata=None),
            confirm_form=ConfirmForm(),
            may_reveal=may_read_secrets(current_user, client),
            revealed=revealed,
            reveals=entries.reveals_of(client),
        ),
        status,
        {"Cache-Control": "no-store"},
    )


@bp.get("/<int:client_id>")
@roles_required(*PEOPLE)
def client(client_id):
    return _page(client_for(current_user, client_id))


@bp.post("/<int:client_id>")
@roles_required(*PEOPLE)
def add_entry(client_id):
    found = client_for(current_user, client_id)
    form = EntryForm()
    if not form.validate_on_submit():
        return _page(found, form, 422)
    try:
        entries.create(found, form.payload())
    except ValidationError as exc:
        refused(form, exc)
        return _page(found, form, exc.status_code)
    flash(_("The entry is in the vault."), "success")
    return redirect(url_for(".client", client_id=found.id))


@bp.post("/<int:client_id>/<int:vault_entry_id>/reveal")
@limiter.limit(lambda: current_app.config["VAULT_REVEAL_RATE_LIMIT"])
@roles_required(*PEOPLE)
def reveal(client_id, vault_entry_id):
    """The secret, on this answer only, with the reason kept."""
    try:
        found = client_for(current_user, client_id)
        entry = entries.entry_of(found, vault_entry_id)
    except NotFound:
        entries.refused_elsewhere(current_user, client_id, vault_entry_id, request.remote_addr)
        raise
    if not ConfirmForm().validate_on_submit():
        return _page(found, status=422)
    try:
        secret = entries.reveal(
            found, entry, {"reason": request.form.get("reason", "")}, current_user,
            request.remote_addr,
        )  # fmt: skip
    except ValidationError as exc:
        db.session.rollback()
        flash(refusal_text(exc), "error")
        return _page(found, status=exc.status_code)
    return _page(found, revealed={"id": entry.id, "label": entry.label, "secret": secret})
