"""Recurring work rules over the API."""

from flask import Response
from flask_smorest import Blueprint

from agency.domains.schedules import services
from agency.domains.schedules.models import RecurringRule
from agency.domains.schedules.schemas import RecurringRuleSchema
from agency.kernel.database import db
from agency.surfaces.api.base import (
    api_user,
    client_filter,
    json_body,
    json_payload,
    token_required,
)

rules_bp = Blueprint(
    "api_recurring_rules",
    __name__,
    url_prefix="/api/v1/recurring-rules",
    description="Recurring work: rules that make a work item at each occurrence",
)
blueprints = (rules_bp,)


@rules_bp.get("/")
@rules_bp.response(200, RecurringRuleSchema(many=True))
@token_required(managers=True)
def list_rules():
    """The agency's recurring rules; ?client_id= for one client's."""
    return services.rules(client_filter())


@rules_bp.post("/")
@json_body(rules_bp, RecurringRuleSchema)
@rules_bp.response(201, RecurringRuleSchema)
@token_required(managers=True)
def create_rule():
    """Create a rule: daily, weekly or monthly at a local time, or an RFC 5545 RRULE.
    Occurrences are wall-clock times in the rule's zone (the client's by default)."""
    return services.create_rule(json_payload(), api_user().id)


@rules_bp.get("/<int:rule_id>")
@rules_bp.response(200, RecurringRuleSchema)
@token_required(managers=True)
def get_rule(rule_id):
    return db.get_or_404(RecurringRule, rule_id)


@rules_bp.patch("/<int:rule_id>")
@json_body(rules_bp, RecurringRuleSchema)
@rules_bp.response(200, RecurringRuleSchema)
@token_required(managers=True)
def update_rule(rule_id):
    """Change a rule (``"active": false`` pauses it); the new schedule applies from now."""
    return services.update_rule(db.get_or_404(RecurringRule, rule_id), json_payload())


@rules_bp.delete("/<int:rule_id>")
@rules_bp.response(204)
@token_required(managers=True)
def delete_rule(rule_id):
    """Delete the rule; the items it already made stay."""
    services.delete_rule(db.get_or_404(RecurringRule, rule_id))
    return Response(status=204)
