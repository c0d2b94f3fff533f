"""Console pages for SLA targets (the agency's and each contract's), holidays and the report."""

import csv
import io

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from agency.domains.clients import services as clients
from agency.domains.contracts.models import Contract
from agency.domains.sla import report, services
from agency.domains.sla.models import Holiday
from agency.domains.work.models import Kind, Priority
from agency.kernel.database import db
from agency.kernel.errors import ValidationError
from agency.surfaces.console.blueprint import bp
from agency.surfaces.console.forms import HolidayForm, SlaGridForm
from agency.surfaces.console.pages import form_page, saved
from agency.surfaces.web.access import managers_only
from agency.surfaces.web.forms import ConfirmForm

KINDS = (None, *Kind)


# --- target grids ----------------------------------------------------------------------------


def _by_cell(targets) -> dict:
    return {(t.kind, t.priority): t for t in targets}


def _fallbacks(contract_id: int | None) -> dict[str, int]:
    """For each cell, the minutes that apply while it is blank (shown as a placeholder)."""
    agency = _by_cell(services.targets(agency_only=True))
    contract = _by_cell(services.targets(contract_id)) if contract_id else {}
    shown = {}
    for kind in KINDS:
        for priority in Priority:
            chain = []
            if contract_id and kind:
                chain += [contract.get((None, priority)), agency.get((kind, priority))]
            if contract_id or kind:
                chain.append(agency.get((None, priority)))
            found = next((t for t in chain if t is not None), None)
            minutes = found.minutes if found else services.DEFAULT_SLA_MINUTES[priority]
            shown[services.cell_key(kind, priority)] = minutes
    return shown


def _grid_form(contract_id: int | None):
    form = SlaGridForm()
    if request.method == "GET":
        current = _by_cell(services.targets(contract_id, agency_only=contract_id is None))
        for (kind, priority), target in current.items():
            key = services.cell_key(kind, priority)
            form[key].data = str(target.minutes)
            form[f"{key}_business"].data = target.business_hours_only
    return form


def _minutes(text: str):
    """Whole minutes as a number; anything else goes to the schema as typed, to be refused."""
    text = (text or "").strip()
    return int(text) if text.isdigit() else text


def _cells(form) -> dict:
    cells = {}
    for kind in KINDS:
        for priority in Priority:
            key = services.cell_key(kind, priority)
            typed = (form[key].data or "").strip()
            cells[(kind.value if kind else None, priority.value)] = (
                {"minutes": _minutes(typed), "business_hours_only": form[f"{key}_business"].data}
                if typed
                else None
            )
    return cells


def _grid_page(contract: Contract | None, done_url: str):
    contract_id = contract.id if contract else None
    return form_page(
        _grid_form(contract_id),
        "console/sla_targets.html",
        _cells,
        lambda cells: services.save_grid(contract_id, cells),
        lambda _targets: saved(_("The SLA targets are saved."), done_url),
        contract=contract,
        heading=_(
            "SLA overrides of %(client)s's contract %(plan)s",
            client=contract.client.name,
            plan=contract.plan_name,
        )
        if contract
        else _("SLA targets"),
        kinds=KINDS,
        priorities=list(Priority),
        cell_key=services.cell_key,
        fallbacks=_fallbacks(contract_id),
    )


@bp.route("/sla", methods=["GET", "POST"])
@managers_only
def sla_targets():
    return _grid_page(None, url_for("console.sla_targets"))


@bp.route("/contracts/<int:contract_id>/sla", methods=["GET", "POST"])
@managers_only
def contract_sla_targets(contract_id):
    contract = db.get_or_404(Contract, contract_id)
    return _grid_page(contract, url_for("console.edit_contract", contract_id=contract.id))


# --- holidays --------------------------------------------------------------------------------


def _holiday_form() -> HolidayForm:
    form = HolidayForm()
    form.client_id.choices = [SelectChoice("", _("The whole agency"))] + [
        SelectChoice(str(c.id), c.name) for c in clients.search()
    ]
    return form


def _holiday_data(form: HolidayForm) -> dict:
    return {
        "date": (form.date.data or "").strip(),
        "name": (form.name.data or "").strip(),
        "client_id": form.client_id.data or None,
    }


@bp.route("/sla/holidays", methods=["GET", "POST"])
@managers_only
def holidays():
    return form_page(
        _holiday_form(),
        "console/holidays.html",
        _holiday_data,
        services.add_holiday,
        lambda h: saved(
            _("%(date)s is a holiday now.", date=h.day.isoformat()), url_for("console.holidays")
        ),
        holidays=services.holidays(),
    )


@bp.post("/sla/holidays/<int:holiday_id>/remove")
@managers_only
def remove_holiday(holiday_id):
    holiday = db.get_or_404(Holiday, holiday_id)
    if ConfirmForm().validate_on_submit():
        services.remove_holiday(holiday)
        flash(_("The holiday is removed."), "success")
    return redirect(url_for("console.holidays"))


# --- the report ------------------------------------------------------------------------------


@bp.get("/sla/report")
@managers_only
def sla_report():
    typed = {"from": request.args.get("from", ""), "to": request.args.get("to", "")}
    try:
        span = report.period(typed["from"], typed["to"])
    except ValidationError as exc:
        return render_template(
            "console/sla_report.html", typed=typed, errors=exc.fields, span=None
        ), exc.status_code
    tables = {by: report.sla_report(span, by) for by in report.GROUPINGS}
    return render_template(
        "console/sla_report.html",
        typed={"from": span.start.isoformat(), "to": span.end.isoformat()},
        errors={},
        span=span,
        tables=tables,
        total=report.total(tables["client"]),
    )


def _cell(text: str) -> str:
    """A name a spreadsheet would run as a formula is kept as text."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


@bp.get("/sla/report.csv")
@managers_only
def sla_report_csv():
    by = report.grouping(request.args.get("by"))
    span = report.period(request.args.get("from"), request.args.get("to"))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([by, "name", "met", "missed", "pending", "total", "percent"])
    rows = report.sla_report(span, by)
    for row in [*rows, report.total(rows)]:
        percent = "" if row.percent is None else str(row.percent)
        writer.writerow(
            [row.key or "", _cell(row.name), row.met, row.missed, row.pending, row.total, percent]
        )
    filename = f"sla-{by}-{span.start.isoformat()}-{span.end.isoformat()}.csv"
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
