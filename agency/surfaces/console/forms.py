from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, EmailField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from agency.domains.accounts.models import ClientAccess
from agency.domains.sla.services import cell_key
from agency.domains.work.models import Kind, Priority
from agency.kernel import labels


class InviteForm(FlaskForm):
    name = StringField(_l("Name"), validators=[InputRequired()])
    email = EmailField(_l("Email"), validators=[InputRequired()])
    role = SelectField(_l("Role"))
    client_id = SelectField(_l("Client (for client logins)"), validate_choice=False)
    client_access = SelectField(
        _l("Access to the portal (for client logins)"),
        choices=lambda: [
            SelectChoice(a.value, labels.label("client_access", a)) for a in ClientAccess
        ],
        default=ClientAccess.full.value,
    )


class SecretaryForm(FlaskForm):
    name = StringField(_l("Name"), validators=[InputRequired()])
    email = EmailField(_l("Email"), validators=[InputRequired()])
    phone = StringField(_l("Phone (international form)"))
    timezone = StringField(_l("Time zone"), default="Europe/Lisbon")
    languages = StringField(_l("Languages with CEFR level (pt C2, en B2)"))
    specialities = StringField(_l("Specialities and training (medical: terminology course)"))
    skills = StringField(_l("Skills, each a name and a level"))
    schedule = TextAreaField(_l("Working hours, a line per day or range (mon-fri 09:00-17:00)"))
    capacity_clients = StringField(_l("Clients at most"), default="5")
    capacity_items = StringField(_l("Open items at most"), default="10")
    cost_rate = StringField(_l("Cost per hour"), default="0")
    team_lead_id = SelectField(_l("Team lead"), validate_choice=False)


ABSENCE_KIND_LABELS = {
    "leave": _l("Leave"),
    "sick": _l("Sick days"),
    "training": _l("Training"),
    "other": _l("Other"),
}


class AbsenceForm(FlaskForm):
    """Shown below the secretary form, so its fields are prefixed; CSRFProtect checks the post."""

    class Meta:
        csrf = False

    starts_on = StringField(_l("First day"), render_kw={"type": "date"})
    ends_on = StringField(_l("Last day"), render_kw={"type": "date"})
    kind = SelectField(_l("Kind"), validate_choice=False)
    note = StringField(_l("Note"))


class ShiftOverrideForm(FlaskForm):
    """Shown below the secretary form, so its fields are prefixed; CSRFProtect checks the post."""

    class Meta:
        csrf = False

    day = StringField(_l("Day"), render_kw={"type": "date"})
    spans = StringField(_l("Hours that day (10:00-13:00 14:00-18:00; empty: a day off)"))
    note = StringField(_l("Note"))


class ClientForm(FlaskForm):
    name = StringField(_l("Name"), validators=[InputRequired()])
    email = EmailField(_l("Email"))
    phone = StringField(_l("Phone (international form)"))
    address = TextAreaField(_l("Postal address, as invoices show it"))
    timezone = StringField(_l("Time zone"), default="Europe/Lisbon")
    languages = StringField(_l("Languages the callers speak (pt, en)"))
    required_skills = StringField(_l("Skills its secretaries need, each a name and a lowest level"))
    industry = StringField(_l("Industry"))
    required_specialities = StringField(_l("Required specialities (medical, legal)"))
    greeting = StringField(_l("Greeting script"))
    instructions = TextAreaField(_l("Instructions for secretaries"))
    press_instructions = TextAreaField(_l("What to say to the press"))
    business_hours = TextAreaField(
        _l("Business hours, a line per day or range (mon-fri 09:00-17:00)")
    )


class ContactForm(FlaskForm):
    """Shown beside the client form, so its fields are prefixed; CSRFProtect checks the post."""

    class Meta:
        csrf = False

    name = StringField(_l("Name"), validators=[InputRequired()])
    company = StringField(_l("Company"))
    kind = SelectField(_l("Kind"))
    email = EmailField(_l("Email"))
    phone = StringField(_l("Phone (international form)"))
    vip = BooleanField(_l("VIP: always put through"))
    marketing_consent = BooleanField(_l("Agreed to marketing email"))
    tags = StringField(_l("Tags, comma separated"))
    language = StringField(_l("Language to write in (code, e.g. pt)"))
    orders = StringField(_l("A supplier's: what is ordered from them"))
    account_number = StringField(_l("A supplier's: the client's account number"))
    outlet = StringField(_l("A journalist's: outlet"))
    beat = StringField(_l("A journalist's: subjects covered"))


class AssignForm(FlaskForm):
    secretary_id = HiddenField()
    role = HiddenField(default="primary")


class ImportForm(FlaskForm):
    kind = SelectField(_l("What the file holds"))
    file = FileField(_l("CSV file"), validators=[FileRequired()])
    dry_run = BooleanField(_l("Only check the file (dry run)"), default=True)


class TermsForm(FlaskForm):
    included_hours = StringField(_l("Hours included a month"), default="10")
    hourly_rate = StringField(_l("Price per included hour"), default="0")
    overage_rate = StringField(_l("Price per extra hour"), default="0")
    currency = StringField(_l("Currency"), default="EUR")
    rounding_minutes = SelectField(
        _l("Round time up to"),
        choices=[SelectChoice(str(m), f"{m} min") for m in (1, 6, 15)],
        default="6",
    )
    minimum_minutes = StringField(_l("Minimum minutes per item"), default="0")
    approval_required = BooleanField(_l("Outgoing mail needs the client's approval"))
    rollover_periods = StringField(
        _l("Unused hours roll over for (periods, 0 for none)"), default="0"
    )
    overage_needs_approval = BooleanField(
        _l("Extra hours need the client's approval once the available hours are used")
    )
    itemise_time = BooleanField(_l("Invoices list the time entries"), default=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.rounding_minutes.choices = [SelectChoice(str(m), f"{m} min") for m in (1, 6, 15)]


class PlanForm(TermsForm):
    name = StringField(_l("Plan name"), validators=[InputRequired()])
    description = StringField(_l("Description"))


class ContractForm(TermsForm):
    plan_id = SelectField(_l("From plan template"), validate_choice=False)
    plan_name = StringField(_l("Plan name"), validators=[InputRequired()])
    starts_on = StringField(_l("Starts on (YYYY-MM-DD)"), validators=[InputRequired()])
    ends_on = StringField(_l("Ends on (YYYY-MM-DD, optional)"))
    billing_day = StringField(_l("Billing day of the month"), default="1")
    status = SelectField(_l("Status"))


class RecurringRuleForm(FlaskForm):
    title = StringField(_l("Title"), validators=[InputRequired()])
    kind = SelectField(_l("Kind"))
    priority = SelectField(_l("Priority"))
    body = TextAreaField(_l("Details for the secretary"))
    frequency = SelectField(_l("Repeats"))
    time_of_day = StringField(_l("At (HH:MM, local time)"), default="09:00")
    weekdays = StringField(_l("Weekdays, for weekly rules (mon, thu)"))
    day_of_month = StringField(_l("Day of the month, for monthly rules (1-31)"))
    rrule = StringField(_l("RRULE, for custom rules (FREQ=MONTHLY;BYDAY=1MO)"))
    timezone = StringField(_l("Time zone (the client's when empty)"))
    starts_on = StringField(_l("Starts on (YYYY-MM-DD, today when empty)"))
    ends_on = StringField(_l("Ends on (YYYY-MM-DD, optional)"))


def _sla_grid_form() -> type[FlaskForm]:
    """One minutes field and one business-hours box per (kind, priority) cell; the "any"
    row holds the targets for every kind. Field names are the services' cell keys."""

    fields = {}
    for kind in (None, *Kind):
        for priority in Priority:
            key = cell_key(kind, priority)
            what = {
                "kind": labels.lazy("work_kind", kind) if kind else _l("any kind"),
                "priority": labels.lazy("work_priority", priority),
            }
            fields[key] = StringField(_l("Minutes for %(kind)s, %(priority)s", **what))
            fields[f"{key}_business"] = BooleanField(
                _l("Business hours only for %(kind)s, %(priority)s", **what)
            )
    return type("SlaGridForm", (FlaskForm,), fields)


SlaGridForm = _sla_grid_form()


class HolidayForm(FlaskForm):
    date = StringField(_l("Date (YYYY-MM-DD)"), validators=[InputRequired()])
    name = StringField(_l("Name"), validators=[InputRequired()])
    client_id = SelectField(_l("For"), validate_choice=False)
