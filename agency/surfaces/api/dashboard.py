"""The manager's dashboard over the API: the same figures as the console's home page."""

from flask_smorest import Blueprint

from agency.domains.reports import services as reports
from agency.domains.reports.schemas import DashboardSchema
from agency.surfaces.api.base import token_required

dashboard_bp = Blueprint(
    "api_dashboard", __name__, url_prefix="/api/v1/dashboard", description="Dashboard"
)
blueprints = (dashboard_bp,)


@dashboard_bp.route("", methods=["GET"])
@dashboard_bp.response(200, DashboardSchema)
@token_required(managers=True)
def dashboard():
    """Open items per client and per secretary (null: the agency pool), open items past
    their SLA (the 100 longest overdue, with the total), each secretary's hours logged
    against hours scheduled this week in their own zone, and each client's billable hours
    this month in the client's zone against its active contract's included hours."""
    return reports.dashboard()
