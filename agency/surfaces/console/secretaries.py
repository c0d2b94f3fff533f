"""Console pages for the agency's secretaries: their profiles, shifts, absences and
days that differ from their weekly hours.
"""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from agency.domains.staff import services as staff
from agency.domains.staff.models import Secretary
from agency.domains.work import shifts
from agency.kernel import plaintext as text
from agency.kernel.database import db
from agency.kernel.errors import ValidationError
from agency.surfaces.console.blueprint import bp
from agency.surfaces.console.forms import (
    ABSENCE_KIND_LABELS,
    AbsenceForm,
    SecretaryForm,
    ShiftOverrideForm,
)
from agency.surfaces.console.pages import form_page, render_form, saved
from agency.surfaces.web.access import managers_only
from agency.surfaces.web.forms import ConfirmForm, refused


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
    refused(form, exc)
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
