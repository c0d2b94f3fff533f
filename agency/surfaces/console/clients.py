"""Console pages for the agency's clients, their contacts, and matching secretaries to
them.
"""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from agency.domains.calendar import caldav_sync
from agency.domains.calendar import services as feeds
from agency.domains.clients import services as clients
from agency.domains.clients.models import Client, Contact, ContactKind
from agency.domains.matching import services as matching
from agency.domains.promotions import consent
from agency.kernel import labels, records
from agency.kernel import plaintext as text
from agency.kernel.database import db
from agency.kernel.errors import ValidationError
from agency.surfaces.console.blueprint import bp
from agency.surfaces.console.forms import (
    AssignForm,
    ClientForm,
    ContactForm,
)
from agency.surfaces.console.pages import form_page, render_form, saved
from agency.surfaces.web.access import managers_only
from agency.surfaces.web.forms import ConfirmForm, show_errors


def _client_data(form: ClientForm) -> dict:
    return {
        "name": form.name.data,
        "email": form.email.data or None,
        "phone": form.phone.data or None,
        "address": (form.address.data or "").strip() or None,
        "timezone": form.timezone.data,
        "languages": text.codes(form.languages.data),
        "industry": form.industry.data or None,
        "required_specialities": text.codes(form.required_specialities.data),
        "required_skills": text.skills(form.required_skills.data, "required_skills"),
        "greeting": form.greeting.data or None,
        "instructions": form.instructions.data or None,
        "press_instructions": form.press_instructions.data or None,
        "business_hours": text.weekly_hours(form.business_hours.data, "business_hours"),
    }


def _client_form(client: Client | None = None, stored: bool = False) -> ClientForm:
    """The client form: what was posted, or the client as stored (on GET, or with
    ``stored`` when another form of the page was posted)."""
    form = ClientForm(formdata=None) if stored else ClientForm()
    if client is not None and (stored or request.method == "GET"):
        for name in (
            "name",
            "email",
            "phone",
            "address",
            "timezone",
            "industry",
            "greeting",
            "instructions",
            "press_instructions",
        ):
            getattr(form, name).data = getattr(client, name)
        form.languages.data = ", ".join(client.languages)
        form.required_specialities.data = ", ".join(client.required_specialities)
        form.required_skills.data = text.show_skills(client.required_skills or {})
        form.business_hours.data = text.show_weekly_hours(client.business_hours)
    return form


def _contact_form() -> ContactForm:
    form = ContactForm(prefix="contact")
    form.kind.choices = [
        SelectChoice(k.value, labels.label("contact_kind", k)) for k in ContactKind
    ]
    return form


def _client_context(client: Client) -> dict:
    return {
        "client": client,
        "contacts": clients.contacts_of(client),
        "assignments": clients.current_assignments(client),
        "history": clients.assignment_history(client),
        "contact_form": _contact_form(),
        "calendar_feed": _calendar_feed(client),
        "calendar_connection": caldav_sync.connection_of(client),
    }


def _calendar_feed(client: Client) -> dict | None:
    """The client's calendar feed address, once it exists (the portal makes it)."""

    feed = feeds.feed_of(client)
    return feeds.view(feed) if feed else None


@bp.get("/clients")
@managers_only
def clients_list():
    return render_template(
        "console/clients.html",
        clients=clients.search(request.args.get("q")),
        query=request.args.get("q", ""),
    )


@bp.route("/clients/new", methods=["GET", "POST"])
@managers_only
def new_client():
    return form_page(
        _client_form(),
        "console/client_form.html",
        _client_data,
        clients.create_client,
        lambda c: saved(
            _("%(name)s is a client now. Here are the best secretaries for them.", name=c.name),
            url_for("console.client_matches", client_id=c.id),
        ),
        client=None,
    )


@bp.route("/clients/<int:client_id>", methods=["GET", "POST"])
@managers_only
def edit_client(client_id):
    client = db.get_or_404(Client, client_id)
    return form_page(
        _client_form(client),
        "console/client_form.html",
        _client_data,
        lambda data: clients.update_client(client, data),
        lambda c: saved(_("Saved."), url_for("console.edit_client", client_id=c.id)),
        **_client_context(client),
    )


@bp.post("/clients/<int:client_id>/archive")
@managers_only
def archive_client(client_id):
    client = db.get_or_404(Client, client_id)
    if ConfirmForm().validate_on_submit():
        records.archive(client)
        flash(_("%(name)s is archived.", name=client.name), "success")
    return redirect(url_for("console.clients_list"))


@bp.post("/clients/<int:client_id>/contacts")
@managers_only
def add_contact(client_id):
    client = db.get_or_404(Client, client_id)
    form = _contact_form()
    data = {
        "name": form.name.data,
        "company": form.company.data or None,
        "kind": form.kind.data,
        "email": form.email.data or None,
        "phone": form.phone.data or None,
        "vip": form.vip.data,
        "marketing_consent": form.marketing_consent.data,
        "tags": [t for t in (form.tags.data or "").split(",") if t.strip()],
        "language": (form.language.data or "").strip() or None,
        **{name: (getattr(form, name).data or "").strip() or None
           for name in ("orders", "account_number", "outlet", "beat")},
    }  # fmt: skip
    if form.validate_on_submit():
        try:
            contact = clients.create_contact(client, data)
            if contact.marketing_consent and contact.email:  # a record, with who took it
                consent.record(contact, {"given": True, "method": "office",
                                         "source": current_user.name})  # fmt: skip
            flash(_("%(name)s is in the address book.", name=form.name.data), "success")
            return redirect(url_for("console.edit_client", client_id=client.id))
        except ValidationError as exc:
            db.session.rollback()
            show_errors(form, exc.fields)
    context = {**_client_context(client), "contact_form": form}
    return render_form(
        "console/client_form.html", _client_form(client, stored=True), 422, **context
    )


@bp.post("/clients/<int:client_id>/contacts/<int:contact_id>/archive")
@managers_only
def archive_contact(client_id, contact_id):
    contact = db.get_or_404(Contact, contact_id)
    if contact.client_id != client_id:
        abort(404)
    if ConfirmForm().validate_on_submit():
        records.archive(contact)
    return redirect(url_for("console.edit_client", client_id=client_id))


@bp.get("/clients/<int:client_id>/matches")
@managers_only
def client_matches(client_id):
    client = db.get_or_404(Client, client_id)
    return render_template(
        "console/matches.html",
        client=client,
        matches=matching.rank(client),
        assignments=clients.current_assignments(client),
        form=AssignForm(),
    )


@bp.post("/clients/<int:client_id>/assign")
@managers_only
def assign(client_id):
    client = db.get_or_404(Client, client_id)
    form = AssignForm()
    if form.validate_on_submit():
        data = {
            "client_id": client.id,
            "secretary_id": form.secretary_id.data,
            "role": form.role.data or "primary",
        }
        assignment = clients.assign(data, current_user.id)
        flash(
            _(
                "%(secretary)s now serves %(client)s.",
                secretary=assignment.secretary.name,
                client=client.name,
            ),
            "success",
        )
    return redirect(url_for("console.client_matches", client_id=client.id))
