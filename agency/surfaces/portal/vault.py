"""The client's vault in the portal: their entries (never a secret shown back), one
added, a secret replaced, and who read one, when and why."""

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from agency.domains.clients.models import Client
from agency.domains.vault import entries
from agency.domains.vault.forms import EntryForm
from agency.extensions import limiter
from agency.kernel.database import db
from agency.kernel.errors import ValidationError
from agency.surfaces.portal.blueprint import bp
from agency.surfaces.web.access import full_client_access, own_client, roles_required
from agency.surfaces.web.forms import ConfirmForm, refusal_text, refused


def _page(client: Client, form=None, status: int = 200, revealed=None):
    return (
        render_template(
            "portal/vault.html",
            client=client,
            entries=[entries.view(e) for e in entries.entries_of(client)],
            form=form or EntryForm(formdata=None),
            confirm_form=ConfirmForm(),
            reveals=entries.reveals_of(client),
            may_reveal=entries.may_read(current_user, client),
            revealed=revealed,
        ),
        status,
        {"Cache-Control": "no-store"},
    )


@bp.post("/vault/<int:vault_entry_id>/reveal")
@limiter.limit(lambda: current_app.config["VAULT_REVEAL_RATE_LIMIT"])
@roles_required("client")
@full_client_access
def reveal_vault_secret(vault_entry_id):
    """The client reads back one of their passwords, where the agency allows it."""
    client = own_client()
    entry = entries.entry_of(client, vault_entry_id)
    if not ConfirmForm().validate_on_submit():
        return _page(client, status=422)
    try:
        secret = entries.reveal(
            client, entry, {"reason": request.form.get("reason", "")}, current_user,
            request.remote_addr,
        )  # fmt: skip
    except ValidationError as exc:
        db.session.rollback()
        flash(refusal_text(exc), "error")
        return _page(client, status=exc.status_code)
    return _page(client, revealed={"id": entry.id, "label": entry.label, "secret": secret})


@bp.get("/vault")
@roles_required("client")
@full_client_access
def vault_page():
    return _page(own_client())


@bp.post("/vault")
@roles_required("client")
@full_client_access
def add_vault_entry():
    client = own_client()
    form = EntryForm()
    if not form.validate_on_submit():
        return _page(client, form, 422)
    try:
        entries.create(client, form.payload())
    except ValidationError as exc:
        refused(form, exc)
        return _page(client, form, exc.status_code)
    flash(_("The entry is in your vault."), "success")
    return redirect(url_for(".vault_page"))


@bp.post("/vault/<int:vault_entry_id>/secret")
@roles_required("client")
@full_client_access
def replace_vault_secret(vault_entry_id):
    """A new password for the entry; the old one is gone, and neither is shown."""
    client = own_client()
    entry = entries.entry_of(client, vault_entry_id)
    secret = (request.form.get("secret") or "").strip()
    if not ConfirmForm().validate_on_submit() or not secret:
        flash(_("Type the new password."), "error")
        return redirect(url_for(".vault_page"))
    try:
        entries.update(entry, {"secret": secret})
    except ValidationError as exc:
        db.session.rollback()
        flash(refusal_text(exc), "error")
        return redirect(url_for(".vault_page"))
    flash(_("The new password is kept."), "success")
    return redirect(url_for(".vault_page"))
