"""Console pages for secretaries, clients, their contacts, and matching."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from agency.domains.calendar import services as feeds
from agency.domains.clients import services as clients
from agency.domains.clients.models import Client, Contact, ContactKind
from agency.domains.matching import services as matching
from agency.domains.staff import services as staff
from agency.domains.staff.models import Secretary
from agency.domains.work import shifts
from agency.kernel import plaintext as text
from agency.kernel import records
from agency.kernel.database import db
from agency.kernel.errors import ValidationError
from agency.surfaces.console.blueprint import bp
from agency.surfaces.console.forms import (
    ABSENCE_KIND_LABELS,
    AbsenceForm,
    AssignForm,
    ClientForm,
    ContactForm,
    SecretaryForm,
    ShiftOverrideForm,
)
from agency.surfaces.console.pages import form_page, render_form, saved
from agency.surfaces.web.access import managers_only
from agency.surfaces.web.forms import ConfirmForm, show_errors

# --- secretaries ---------------------------------------------------------------------


def _secretary_data(form: SecretaryForm) -> dict:
    agency_currency = current_user.agency.currency
    return {
        "name": form.name.data,
        "email": form.email.data,
        "phone": form.phone.data or None,
        "timezone": form.timezone.data,
        "languages": text.languages(form.languages.data, "languages"),
        "specialities": text.specialities(form.specialities.data),
        "skills": text.skills(form.skills.data, "skills"),
        "schedule": text.weekly_hours(form.schedule.data, "schedule"),
        "capacity_clients": form.capacity_clients.data,
        "capacity_items": form.capacity_items.data,
        "cost_rate_minor": text.minor_units(form.cost_rate.data, agency_currency, "cost_rate"),
        "team_lead_id": form.team_lead_id.data or None,
    }


def _secretary_form(secretary: Secretary | None = None, fill: bool | None = None) -> SecretaryForm:
    """The form, filled from the record on a GET (or when ``fill``), else from the post."""
    form = SecretaryForm()
    if fill is None:
        fill = request.method == "GET"
    if secretary is not None and fill:
        form.name.data, form.email.data = secretary.name, secretary.email
        form.phone.data, form.timezone.data = secretary.phone, secretary.timezone
        form.languages.data = text.show_languages(secretary.languages)
        form.specialities.data = text.show_specialities(secretary.specialities)
        form.skills.data = text.show_skills(secretary.skills)
        form.schedule.data = text.show_weekly_hours(secretary.schedule)
        form.capacity_clients.data = str(secretary.capacity_clients)
        form.capacity_items.data = str(secretary.capacity_items)
        form.cost_rate.data = text.show_major_units(
            secretary.cost_rate_minor, current_user.agency.currency
        )
        form.team_lead_id.data = str(secretary.team_lead_id or "")
    others = [s for s in staff.search() if secretary is None or s.id != secretary.id]
    form.team_lead_id.choices = [SelectChoice("", "—")] + [
        SelectChoice(str(s.id), s.name) for s in others
    ]
    return form


@bp.get("/secretaries")
@managers_only
def secretaries():
    return render_template(
        "console/secretaries.html",
        secretaries=staff.search(request.args.get("q")),
        shift_labels=shifts.labels(),
        query=request.args.get("q", ""),
    )


@bp.route("/secretaries/new", methods=["GET", "POST"])
@managers_only
def new_secretary():
    return form_page(
        _secretary_form(),
        "console/secretary_form.html",
        _secretary_data,
        staff.create_secretary,
        lambda s: saved(_("%(name)s is on the team.", name=s.name), url_for("console.secretaries")),
        secretary=None,
    )


@bp.route("/secretaries/<int:secretary_id>", methods=["GET", "POST"])
@managers_only
def edit_secretary(secretary_id):
    secretary = db.get_or_404(Secretary, secretary_id)
    return form_page(
        _secretary_form(secretary),
        "console/secretary_form.html",
        _secretary_data,
        lambda data: staff.update_secretary(secretary, data),
        lambda _s: saved(_("Saved."), url_for("console.secretaries")),
        **_exceptions_context(secretary),
    )


@bp.post("/secretaries/<int:secretary_id>/shift")
@managers_only
def set_secretary_shift(secretary_id):
    """Put a secretary on shift, on a break or off (when they cannot from their desk)."""
    secretary = db.get_or_404(Secretary, secretary_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("console.edit_secretary", secretary_id=secretary.id))
    try:
        shifts.set_shift(
            secretary, {"shift_status": request.form.get("shift_status")}, current_user
        )
    except ValidationError as exc:
        db.session.rollback()
        flash(exc.fields and _("Choose on shift, on a break or off.") or exc.message, "error")
        return render_form(
            "console/secretary_form.html",
            _secretary_form(secretary, fill=True),
            exc.status_code,
            **_exceptions_context(secretary),
        )
    label = shifts.labels()[secretary.shift_status]
    flash(_("%(name)s: %(status)s.", name=secretary.name, status=label), "success")
    return redirect(url_for("console.edit_secretary", secretary_id=secretary.id))


@bp.post("/secretaries/<int:secretary_id>/archive")
@managers_only
def archive_secretary(secretary_id):
    secretary = db.get_or_404(Secretary, secretary_id)
    if ConfirmForm().validate_on_submit():
        shifts.archive_secretary(secretary)
        flash(_("%(name)s is archived.", name=secretary.name), "success")
    return redirect(url_for("console.secretaries"))


def _absence_form() -> AbsenceForm:
    form = AbsenceForm(prefix="absence")
    form.kind.choices = [SelectChoice(k, label) for k, label in ABSENCE_KIND_LABELS.items()]
    return form


def _exceptions_context(
    secretary: Secretary,
    absence_form: AbsenceForm | None = None,
    override_form: ShiftOverrideForm | None = None,
) -> dict:
    """The secretary's absences and date overrides, with the forms that add them."""
    return {
        "secretary": secretary,
        "shift_labels": shifts.labels(),
        "absences": secretary.absences,
        "absence_form": absence_form or _absence_form(),
        "kind_labels": ABSENCE_KIND_LABELS,
        "shift_overrides": secretary.shift_overrides,
        "override_form": override_form or ShiftOverrideForm(prefix="override"),
    }


def _secretary_page_url(secretary: Secretary, anchor: str = "absences") -> str:
    return url_for("console.edit_secretary", secretary_id=secretary.id, _anchor=anchor)


def _refused(secretary: Secretary, form, exc: ValidationError, **forms):
    """The secretary's page again, with ``exc`` beside the fields of ``form``."""
    db.session.rollback()
    show_errors(form, exc.fields)
    if not exc.fields:
        form.form_errors.append(exc.message)
    return render_form(
        "console/secretary_form.html",
        _secretary_form(secretary, fill=True),
        exc.status_code,
        **_exceptions_context(secretary, **forms),
    )


@bp.post("/secretaries/<int:secretary_id>/absences")
@managers_only
def add_absence(secretary_id):
    """Add leave, sick days, training or another absence through the same service as the API."""
    secretary = db.get_or_404(Secretary, secretary_id)
    form = _absence_form()
    data = {
        "starts_on": form.starts_on.data or None,
        "ends_on": form.ends_on.data or None,
        "note": form.note.data or None,
    }
    if form.kind.data:
        data["kind"] = form.kind.data
    try:
        staff.add_absence(secretary, data)
    except ValidationError as exc:
        return _refused(secretary, form, exc, absence_form=form)
    flash(_("The absence of %(name)s is recorded.", name=secretary.name), "success")
    return redirect(_secretary_page_url(secretary))


@bp.post("/secretaries/<int:secretary_id>/absences/<int:absence_id>/remove")
@managers_only
def remove_absence(secretary_id, absence_id):
    secretary = db.get_or_404(Secretary, secretary_id)
    absence = staff.absence_of(secretary, absence_id)
    if ConfirmForm().validate_on_submit():
        staff.remove_absence(absence)
        flash(_("The absence is removed."), "success")
    return redirect(_secretary_page_url(secretary))


@bp.post("/secretaries/<int:secretary_id>/shift-overrides")
@managers_only
def add_shift_override(secretary_id):
    """One day's own hours (or a day off), through the same service as the API."""
    secretary = db.get_or_404(Secretary, secretary_id)
    form = ShiftOverrideForm(prefix="override")
    try:
        data = {
            "day": form.day.data or None,
            "spans": text.day_spans(form.spans.data, "spans"),
            "note": form.note.data or None,
        }
        staff.add_shift_override(secretary, data)
    except ValidationError as exc:
        return _refused(secretary, form, exc, override_form=form)
    flash(_("The hours of %(name)s on that day are recorded.", name=secretary.name), "success")
    return redirect(_secretary_page_url(secretary, "shift-overrides"))


@bp.post("/secretaries/<int:secretary_id>/shift-overrides/<int:override_id>/remove")
@managers_only
def remove_shift_override(secretary_id, override_id):
    secretary = db.get_or_404(Secretary, secretary_id)
    override = staff.shift_override_of(secretary, override_id)
    if ConfirmForm().validate_on_submit():
        staff.remove_shift_override(override)
        flash(_("The date override is removed."), "success")
    return redirect(_secretary_page_url(secretary, "shift-overrides"))


# --- clients ---------------------------------------------------------------------------


def _client_data(form: ClientForm) -> dict:
    return {
        "name": form.name.data,
        "email": form.email.data or None,
        "phone": form.phone.data or None,
        "timezone": form.timezone.data,
        "languages": text.codes(form.languages.data),
        "industry": form.industry.data or None,
        "required_specialities": text.codes(form.required_specialities.data),
        "greeting": form.greeting.data or None,
        "instructions": form.instructions.data or None,
        "business_hours": text.weekly_hours(form.business_hours.data, "business_hours"),
    }


def _client_form(client: Client | None = None, stored: bool = False) -> ClientForm:
    """The client form: what was posted, or the client as stored (on GET, or with
    ``stored`` when another form of the page was posted)."""
    form = ClientForm(formdata=None) if stored else ClientForm()
    if client is not None and (stored or request.method == "GET"):
        for name in ("name", "email", "phone", "timezone", "industry", "greeting", "instructions"):
            getattr(form, name).data = getattr(client, name)
        form.languages.data = ", ".join(client.languages)
        form.required_specialities.data = ", ".join(client.required_specialities)
        form.business_hours.data = text.show_weekly_hours(client.business_hours)
    return form


def _contact_form() -> ContactForm:
    form = ContactForm(prefix="contact")
    form.kind.choices = [SelectChoice(k.value, k.value) for k in ContactKind]
    return form


def _client_context(client: Client) -> dict:
    return {
        "client": client,
        "contacts": clients.contacts_of(client),
        "assignments": clients.current_assignments(client),
        "history": clients.assignment_history(client),
        "contact_form": _contact_form(),
        "calendar_feed": _calendar_feed(client),
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
    }
    if form.validate_on_submit():
        try:
            clients.create_contact(client, data)
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
