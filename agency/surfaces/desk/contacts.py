"""A contact of a client on the desk: who they are (a supplier's orders and account, a
journalist's outlet and beat), their log (calls, messages, emails, meetings, notes and
work), a note added, and work about them ("contact supplier X about Y by Friday")."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired

from agency.domains.agenda import contact_log
from agency.domains.clients.access import client_for
from agency.domains.promotions import consent
from agency.domains.promotions.forms import ConsentForm
from agency.domains.work.creation import create_item
from agency.domains.work.models import Kind
from agency.kernel import labels
from agency.kernel.errors import ValidationError
from agency.surfaces.web.access import roles_required
from agency.surfaces.web.forms import refused, wall_clock

bp = Blueprint("desk_contacts", __name__, url_prefix="/desk/contacts")
PEOPLE = ("secretary", "owner", "manager")


class NoteForm(FlaskForm):
    text = TextAreaField(_l("Note"), validators=[InputRequired()])


class TaskForm(FlaskForm):
    title = StringField(_l("What to do"), validators=[InputRequired()])
    kind = SelectField(_l("Kind"), choices=[])
    due = StringField(_l("Due by (YYYY-MM-DD HH:MM on the client's clock; else as the SLA says)"))


def _task_form(form: TaskForm | None, contact) -> TaskForm:
    form = form or TaskForm(formdata=None)
    form.kind.choices = [
        (k.value, labels.label("work_kind", k))
        for k in (Kind.supplier, Kind.press, Kind.task, Kind.call, Kind.email)
    ]
    if form.kind.data is None:
        form.kind.data = contact.kind if contact.kind in ("supplier", "press") else "task"
    return form


def _page(client, contact, note_form=None, task_form=None, consent_form=None, status=200):
    return render_template(
        "desk/contact.html",
        client=client,
        contact=contact,
        entries=contact_log.log(contact),
        note_form=note_form or NoteForm(formdata=None),
        task_form=_task_form(task_form, contact),
        consents=consent.history(contact),
        consent_form=consent_form or ConsentForm(formdata=None),
    ), status


@bp.post("/<int:client_id>/<int:contact_id>/consents")
@roles_required(*PEOPLE)
def record_consent(client_id, contact_id):
    """Consent to the client's marketing email, given or withdrawn, as a record."""
    found = client_for(current_user, client_id)
    person = contact_log.contact_of(found, contact_id)
    form = ConsentForm()
    if not form.validate_on_submit():
        return _page(found, person, consent_form=form, status=422)
    try:
        consent.record(person, form.payload(), current_user)
    except ValidationError as exc:
        refused(form, exc)
        return _page(found, person, consent_form=form, status=exc.status_code)
    flash(_("The consent is recorded."), "success")
    return redirect(url_for(".contact", client_id=found.id, contact_id=person.id))


@bp.get("/<int:client_id>/<int:contact_id>")
@roles_required(*PEOPLE)
def contact(client_id, contact_id):
    found = client_for(current_user, client_id)
    return _page(found, contact_log.contact_of(found, contact_id))


@bp.post("/<int:client_id>/<int:contact_id>/notes")
@roles_required(*PEOPLE)
def add_note(client_id, contact_id):
    found = client_for(current_user, client_id)
    person = contact_log.contact_of(found, contact_id)
    form = NoteForm()
    if not form.validate_on_submit():
        return _page(found, person, note_form=form, status=422)
    try:
        contact_log.add_note(person, {"text": form.text.data}, current_user)
    except ValidationError as exc:
        refused(form, exc)
        return _page(found, person, note_form=form, status=exc.status_code)
    flash(_("The note is in the contact's log."), "success")
    return redirect(url_for(".contact", client_id=found.id, contact_id=person.id))


@bp.post("/<int:client_id>/<int:contact_id>/work")
@roles_required(*PEOPLE)
def add_work(client_id, contact_id):
    found = client_for(current_user, client_id)
    person = contact_log.contact_of(found, contact_id)
    form = _task_form(TaskForm(), person)
    if not form.validate_on_submit():
        return _page(found, person, task_form=form, status=422)
    try:
        item, _new = create_item(
            {"client_id": found.id, "contact_id": person.id, "kind": form.kind.data,
             "title": form.title.data, "source": "desk",
             "due_at": wall_clock(form.due.data, "due")},
            current_user.id,
        )  # fmt: skip
    except ValidationError as exc:
        refused(form, exc)
        if "due_at" in exc.fields:
            form.due.errors = list(exc.fields["due_at"])
        return _page(found, person, task_form=form, status=exc.status_code)
    flash(_("The work is on the desk, due as it says."), "success")
    return redirect(url_for(".contact", client_id=found.id, contact_id=person.id))
