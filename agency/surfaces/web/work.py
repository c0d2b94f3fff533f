"""New work by hand, the same form on the console (any client) and the desk (a client
the secretary serves): client, kind, priority, title, notes and, if it matters, when it
is due (on the client's wall clock; else the SLA says)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from agency.domains.work.models import Kind, Priority
from agency.kernel import labels
from agency.surfaces.web.forms import wall_clock


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
