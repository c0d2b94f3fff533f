"""SLA targets, the holiday calendar and the SLA report over the API."""

from flask import request
from flask_babel import gettext as _
from flask_smorest import Blueprint

from agency.domains.sla import report, services
from agency.domains.sla.models import Holiday, SlaTarget
from agency.domains.sla.schemas import HolidaySchema, SlaReportSchema, SlaTargetSchema
from agency.kernel.database import db
from agency.kernel.errors import BadInput
from agency.kernel.validation import MAX_ID
from agency.surfaces.api.base import json_body, json_payload, token_required

targets_bp = Blueprint(
    "api_sla_targets", __name__, url_prefix="/api/v1/sla-targets", description="SLA targets"
)
holidays_bp = Blueprint(
    "api_holidays", __name__, url_prefix="/api/v1/holidays", description="Holiday calendar"
)
reports_bp = Blueprint("api_reports", __name__, url_prefix="/api/v1/reports", description="Reports")
blueprints = (targets_bp, holidays_bp, reports_bp)


def _id_argument(name: str) -> int | None:
    """An optional id in the query string, or a clear 400."""
    text = request.args.get(name)
    if text is None or text == "":
        return None
    if not text.isdigit() or not 1 <= int(text) <= MAX_ID:
        message = _("Give %(name)s as a positive whole number.", name=name)
        raise BadInput(message, {name: [message]})
    return int(text)


def _query(name: str, description: str, schema: dict | None = None) -> dict:
    return {
        "in": "query",
        "name": name,
        "description": description,
        "schema": schema or {"type": "string"},
    }


# --- targets --------------------------------------------------------------------------------


@targets_bp.get("/")
@targets_bp.doc(
    parameters=[_query("contract_id", "Only this contract's overrides.", {"type": "integer"})]
)
@targets_bp.response(200, SlaTargetSchema(many=True))
@token_required(managers=True)
def list_targets():
    """The agency's targets and every contract's overrides (or one contract's)."""
    return services.targets(_id_argument("contract_id"))


@targets_bp.post("/")
@json_body(targets_bp, SlaTargetSchema)
@targets_bp.response(201, SlaTargetSchema)
@targets_bp.alt_response(200, schema=SlaTargetSchema, description="An existing target, updated")
@token_required(managers=True)
def save_target():
    """Set the target for (contract_id, kind, priority): created with 201, or updated with
    200 when it exists. No contract_id: the agency's own; no kind: every kind."""
    target, created = services.save_target(json_payload())
    return target, 201 if created else 200


@targets_bp.get("/<int:target_id>")
@targets_bp.response(200, SlaTargetSchema)
@token_required(managers=True)
def get_target(target_id):
    return db.get_or_404(SlaTarget, target_id)


@targets_bp.delete("/<int:target_id>")
@targets_bp.response(204)
@token_required(managers=True)
def delete_target(target_id):
    """Remove a target: the next one in line (or the built-in default) applies again."""
    services.delete_target(db.get_or_404(SlaTarget, target_id))


# --- holidays -------------------------------------------------------------------------------


@holidays_bp.get("/")
@holidays_bp.doc(
    parameters=[_query("client_id", "Only this client's own closed days.", {"type": "integer"})]
)
@holidays_bp.response(200, HolidaySchema(many=True))
@token_required(managers=True)
def list_holidays():
    """The agency's holidays and the clients' own closed days, by date."""
    return services.holidays(_id_argument("client_id"))


@holidays_bp.post("/")
@json_body(holidays_bp, HolidaySchema)
@holidays_bp.response(201, HolidaySchema)
@token_required(managers=True)
def add_holiday():
    """A holiday for the whole agency, or a client's own closed day with client_id."""
    return services.add_holiday(json_payload())


@holidays_bp.delete("/<int:holiday_id>")
@holidays_bp.response(204)
@token_required(managers=True)
def remove_holiday(holiday_id):
    services.remove_holiday(db.get_or_404(Holiday, holiday_id))


# --- the SLA report -------------------------------------------------------------------------


@reports_bp.get("/sla")
@reports_bp.doc(
    parameters=[
        _query("from", "First day, YYYY-MM-DD (default: 29 days before 'to').", None),
        _query("to", "Last day, included, YYYY-MM-DD (default: today).", None),
        _query("by", "client, secretary or kind (default: client).", None),
    ]
)
@reports_bp.response(200, SlaReportSchema)
@token_required(managers=True)
def sla_report():
    """SLA met, missed and pending per client, secretary or kind, for items created in the
    period (days in the agency's zone). Met: started (or, never started,
    closed) by the due time; missed: later, or still untouched after it; pending: untouched
    and not yet due, left out of the percentage. Bad dates answer 400."""
    by = report.grouping(request.args.get("by"))
    span = report.period(request.args.get("from"), request.args.get("to"))
    rows = report.sla_report(span, by)
    return {
        "from_": span.start,
        "to": span.end,
        "timezone": span.timezone,
        "by": by,
        "rows": rows,
        "total": report.total(rows),
    }
