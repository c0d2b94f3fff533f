"""Console pages for plan templates and contracts."""

from flask import redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from agency.domains.clients.models import Client
from agency.domains.contracts import services as contracts
from agency.domains.contracts.models import Contract, ContractStatus, Plan
from agency.domains.sla import services as sla
from agency.kernel import labels, records
from agency.kernel import plaintext as text
from agency.kernel.database import db
from agency.surfaces.console.blueprint import bp
from agency.surfaces.console.forms import ContractForm, PlanForm
from agency.surfaces.console.pages import form_page, saved
from agency.surfaces.web.access import managers_only
from agency.surfaces.web.forms import ConfirmForm


def _terms_data(form) -> dict:
    currency = (form.currency.data or "").strip().upper()
    return {
        "included_minutes": text.minutes_from_hours(form.included_hours.data, "included_hours"),
        "hourly_rate_minor": text.minor_units(form.hourly_rate.data, currency, "hourly_rate"),
        "overage_rate_minor": text.minor_units(form.overage_rate.data, currency, "overage_rate"),
        "currency": currency,
        "rounding_minutes": form.rounding_minutes.data,
        "minimum_minutes": form.minimum_minutes.data,
        "approval_required": form.approval_required.data,
        "rollover_periods": (form.rollover_periods.data or "").strip() or 0,
        "overage_needs_approval": form.overage_needs_approval.data,
        "itemise_time": form.itemise_time.data,
    }


def _fill_terms(form, terms) -> None:
    form.included_hours.data = f"{terms.included_hours.normalize():f}"
    form.hourly_rate.data = text.show_major_units(terms.hourly_rate_minor, terms.currency)
    form.overage_rate.data = text.show_major_units(terms.overage_rate_minor, terms.currency)
    form.currency.data = terms.currency
    form.rounding_minutes.data = str(terms.rounding_minutes)
    form.minimum_minutes.data = str(terms.minimum_minutes)
    form.approval_required.data = terms.approval_required
    form.rollover_periods.data = str(terms.rollover_periods)
    form.overage_needs_approval.data = terms.overage_needs_approval
    form.itemise_time.data = terms.itemise_time


# --- plan templates -------------------------------------------------------------------


def _plan_data(form: PlanForm) -> dict:
    return {
        "name": form.name.data,
        "description": form.description.data or None,
        **_terms_data(form),
    }


@bp.route("/plans", methods=["GET", "POST"])
@managers_only
def plans():
    form = PlanForm()
    if request.method == "GET":
        form.currency.data = current_user.agency.currency
    return form_page(
        form,
        "console/plans.html",
        _plan_data,
        contracts.create_plan,
        lambda p: saved(_("The plan %(name)s is ready.", name=p.name), url_for("console.plans")),
        plans=contracts.plans(),
    )


@bp.route("/plans/<int:plan_id>", methods=["GET", "POST"])
@managers_only
def edit_plan(plan_id):
    plan = db.get_or_404(Plan, plan_id)
    form = PlanForm()
    if request.method == "GET":
        form.name.data, form.description.data = plan.name, plan.description
        _fill_terms(form, plan)
    return form_page(
        form,
        "console/plan_form.html",
        _plan_data,
        lambda data: contracts.update_plan(plan, data),
        lambda _p: saved(_("Saved."), url_for("console.plans")),
        plan=plan,
    )


@bp.post("/plans/<int:plan_id>/archive")
@managers_only
def archive_plan(plan_id):
    plan = db.get_or_404(Plan, plan_id)
    if ConfirmForm().validate_on_submit():
        records.archive(plan)
    return redirect(url_for("console.plans"))


# --- contracts --------------------------------------------------------------------------


def _contract_form() -> ContractForm:
    form = ContractForm()
    form.plan_id.choices = [SelectChoice("", "—")] + [
        SelectChoice(str(p.id), p.name) for p in contracts.plans()
    ]
    form.status.choices = [
        SelectChoice(s.value, labels.label("contract_status", s)) for s in ContractStatus
    ]
    return form


def _contract_data(client_id: int):
    def to_data(form: ContractForm) -> dict:
        return {
            "client_id": client_id,
            "plan_id": form.plan_id.data or None,
            "plan_name": form.plan_name.data,
            "starts_on": form.starts_on.data,
            "ends_on": form.ends_on.data or None,
            "billing_day": form.billing_day.data,
            "status": form.status.data,
            **_terms_data(form),
        }

    return to_data


@bp.route("/clients/<int:client_id>/contracts/new", methods=["GET", "POST"])
@managers_only
def new_contract(client_id):
    client = db.get_or_404(Client, client_id)
    form = _contract_form()
    plan_id = request.args.get("plan_id", type=int)
    if request.method == "GET" and plan_id:
        plan = db.get_or_404(Plan, plan_id)
        form.plan_id.data, form.plan_name.data = str(plan.id), plan.name
        _fill_terms(form, plan)
    return form_page(
        form,
        "console/contract_form.html",
        _contract_data(client.id),
        lambda data: contracts.create_contract(data, current_user.id),
        lambda _c: saved(
            _("The contract is saved."), url_for("console.edit_client", client_id=client.id)
        ),
        client=client,
        contract=None,
    )


@bp.route("/contracts/<int:contract_id>", methods=["GET", "POST"])
@managers_only
def edit_contract(contract_id):
    contract = db.get_or_404(Contract, contract_id)
    form = _contract_form()
    if request.method == "GET":
        form.plan_id.data = str(contract.plan_id or "")
        form.plan_name.data, form.status.data = contract.plan_name, contract.status
        form.starts_on.data = contract.starts_on.isoformat()
        form.ends_on.data = contract.ends_on.isoformat() if contract.ends_on else ""
        form.billing_day.data = str(contract.billing_day)
        _fill_terms(form, contract)
    return form_page(
        form,
        "console/contract_form.html",
        _contract_data(contract.client_id),
        lambda data: contracts.update_contract(contract, data, current_user.id),
        lambda c: saved(_("Saved."), url_for("console.edit_client", client_id=c.client_id)),
        client=contract.client,
        contract=contract,
        sla_overrides=sla.targets(contract.id),
    )
