"""New work by hand, the same form on the console (any client) and the desk (a client
the secretary serves): client, kind, priority, title, notes and, if it matters, when it
is due (on the client's wall clock; else the SLA says)."""

from flask import flash
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from agency.domains.work.creation import create_item
from agency.domains.work.models import Kind, Priority, WorkItem
from agency.kernel import labels
from agency.kernel.database import db
from agency.kernel.errors import ValidationError
from agency.surfaces.web.forms import show_errors, wall_clock


class NewWorkForm(FlaskForm):
    client_id = SelectField(_l("Client"), validate_choice=False)
    kind = SelectField(_l("Kind"), validate_choice=False)
    priority = SelectField(_l("Priority"), validate_choice=False, default="normal")
    title = StringField(_l("Title"))
    body = TextAreaField(_l("Notes"))
    due_at = StringField(_l("Due (YYYY-MM-DD HH:MM, the client's time; empty: as the SLA says)"))


def new_work_form(clients) -> NewWorkForm:
    form = NewWorkForm()
    form.client_id.choices = [SelectChoice(str(c.id), c.name) for c in clients]
    form.kind.choices = [SelectChoice(k.value, labels.label("work_kind", k)) for k in Kind]
    form.priority.choices = [
        SelectChoice(p.value, labels.label("work_priority", p)) for p in Priority
    ]
    return form


def new_work_data(form: NewWorkForm, source: str) -> dict:
    """The form in the API's shape."""
    return {
        "client_id": form.client_id.data or None,
        "kind": form.kind.data or "",
        "priority": form.priority.data or "normal",
        "title": (form.title.data or "").strip(),
        "body": (form.body.data or "").strip() or None,
        "due_at": wall_clock(form.due_at.data, "due_at"),
        "source": source,
    }


def create_from(
    form: NewWorkForm, source: str, served_only: bool = False
) -> tuple[WorkItem | None, int]:
    """The posted form's work item, made by the signed-in person; or None, with the
    form's errors in place and the status to answer with. ``served_only``: the form's
    clients (those the secretary serves) are the only ones allowed."""
    if not form.validate_on_submit():
        form.form_errors.append(_("The form expired: send it again."))
        return None, 400
    if served_only and form.client_id.data not in {c.value for c in form.client_id.choices}:
        show_errors(form, {"client_id": [_("Choose one of the clients you serve.")]})
        return None, 422
    try:
        item, _new = create_item(new_work_data(form, source), current_user.id)
    except ValidationError as exc:
        db.session.rollback()
        show_errors(form, exc.fields or {"title": [exc.message]})
        return None, exc.status_code
    flash(_("The work is created; it is routed like any other."), "success")
    return item, 200
