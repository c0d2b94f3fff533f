"""Console pages for a client's recurring work rules."""

from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from flask import flash, redirect, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from agency.domains.clients.models import Client
from agency.domains.schedules import services as schedules
from agency.domains.schedules.models import Frequency, RecurringRule
from agency.domains.work.models import Kind, Priority
from agency.kernel import labels
from agency.kernel import plaintext as text
from agency.kernel.database import db
from agency.surfaces.console.blueprint import bp
from agency.surfaces.console.forms import RecurringRuleForm
from agency.surfaces.console.pages import form_page, saved
from agency.surfaces.web.access import managers_only
from agency.surfaces.web.forms import ConfirmForm


def frequency_label(value: str) -> str:
    return {
        Frequency.daily: _("Daily"),
        Frequency.weekly: _("Weekly"),
        Frequency.monthly: _("Monthly"),
        Frequency.rrule: _("Custom (RRULE)"),
    }[Frequency(value)]


def _form(rule: RecurringRule | None = None) -> RecurringRuleForm:
    form = RecurringRuleForm()
    form.kind.choices = [SelectChoice(k.value, labels.label("work_kind", k)) for k in Kind]
    form.priority.choices = [
        SelectChoice(p.value, labels.label("work_priority", p)) for p in Priority
    ]
    form.frequency.choices = [SelectChoice(f.value, frequency_label(f.value)) for f in Frequency]
    if request.method == "GET":
        form.kind.data = form.kind.data or Kind.task.value
        form.priority.data = form.priority.data or Priority.normal.value
        form.frequency.data = form.frequency.data or Frequency.weekly.value
    if rule is not None and request.method == "GET":
        for name in ("title", "kind", "priority", "body", "frequency", "time_of_day"):
            getattr(form, name).data = getattr(rule, name)
        form.weekdays.data = ", ".join(rule.weekdays)
        form.day_of_month.data = str(rule.day_of_month or "")
        form.rrule.data, form.timezone.data = rule.rrule or "", rule.timezone
        form.starts_on.data = rule.starts_on.isoformat()
        form.ends_on.data = rule.ends_on.isoformat() if rule.ends_on else ""
    return form


def _data(client_id: int):
    def to_data(form: RecurringRuleForm) -> dict:
        return {
            "client_id": client_id,
            "title": form.title.data,
            "kind": form.kind.data,
            "priority": form.priority.data,
            "body": form.body.data or None,
            "frequency": form.frequency.data,
            "time_of_day": (form.time_of_day.data or "").strip(),
            "weekdays": [code.lower() for code in text.codes(form.weekdays.data)],
            "day_of_month": (form.day_of_month.data or "").strip() or None,
            "rrule": (form.rrule.data or "").strip() or None,
            "timezone": (form.timezone.data or "").strip() or None,
            "starts_on": (form.starts_on.data or "").strip() or None,
            "ends_on": (form.ends_on.data or "").strip() or None,
        }

    return to_data


def occurrences(rule: RecurringRule) -> list[str]:
    """The next occurrences as the client's clock shows them."""
    zone = ZoneInfo(rule.timezone)
    return [
        format_datetime(moment, "EEE d MMM y, HH:mm", tzinfo=zone, locale=get_locale())
        for moment in rule.next_occurrences
    ]


def _rules_url(client_id: int) -> str:
    return url_for("console.recurring_rules", client_id=client_id)


@bp.route("/clients/<int:client_id>/recurring", methods=["GET", "POST"])
@managers_only
def recurring_rules(client_id):
    client = db.get_or_404(Client, client_id)
    form = _form()
    if request.method == "GET":
        form.timezone.data = client.timezone
    return form_page(
        form,
        "console/recurring.html",
        _data(client.id),
        lambda data: schedules.create_rule(data, current_user.id),
        lambda r: saved(_("The rule %(title)s is set.", title=r.title), _rules_url(client.id)),
        client=client,
        rules=schedules.rules(client.id),
        occurrences=occurrences,
        frequency_label=frequency_label,
    )


@bp.route("/recurring/<int:rule_id>", methods=["GET", "POST"])
@managers_only
def edit_recurring_rule(rule_id):
    rule = db.get_or_404(RecurringRule, rule_id)
    return form_page(
        _form(rule),
        "console/recurring_form.html",
        _data(rule.client_id),
        lambda data: schedules.update_rule(rule, data),
        lambda r: saved(_("Saved."), _rules_url(r.client_id)),
        rule=rule,
        client=rule.client,
        occurrences=occurrences,
    )


def _set_active(rule_id: int, active: bool):
    rule = db.get_or_404(RecurringRule, rule_id)
    if ConfirmForm().validate_on_submit():
        schedules.set_active(rule, active)
        message = _("The rule is running again.") if active else _("The rule is paused.")
        flash(message, "success")
    return redirect(_rules_url(rule.client_id))


@bp.post("/recurring/<int:rule_id>/pause")
@managers_only
def pause_recurring_rule(rule_id):
    return _set_active(rule_id, False)


@bp.post("/recurring/<int:rule_id>/resume")
@managers_only
def resume_recurring_rule(rule_id):
    return _set_active(rule_id, True)


@bp.post("/recurring/<int:rule_id>/delete")
@managers_only
def delete_recurring_rule(rule_id):
    rule = db.get_or_404(RecurringRule, rule_id)
    client_id = rule.client_id
    if ConfirmForm().validate_on_submit():
        schedules.delete_rule(rule)
        flash(_("The rule is deleted; the items it made stay."), "success")
    return redirect(_rules_url(client_id))
