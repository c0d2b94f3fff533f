"""POST /hooks/stripe/<agency-slug>: events from the agency's own Stripe account."""

from flask import Blueprint, abort, jsonify, request

from agency.domains.billing import seats, webhooks
from agency.kernel.database import db
from agency.kernel.errors import BadInput
from tenants import directory, use_agency

bp = Blueprint("stripe_hooks", __name__, url_prefix="/hooks/stripe")


@bp.post("/<agency_slug>")
def agency_event(agency_slug):
    """A suspended agency's events are still applied: its clients' payments are facts in
    its Stripe account, not changes by its people."""
    agency = directory.agency_at(agency_slug)
    if agency is None:
        abort(404)
    with use_agency(agency.id):
        try:
            outcome = webhooks.receive(request.get_data(), request.headers.get("Stripe-Signature"))
        except BadInput as exc:
            db.session.rollback()
            return jsonify({"error": {"code": exc.code, "message": exc.message}}), 400
    return jsonify({"received": True, "outcome": outcome})


@bp.post("")
def platform_event():
    """Events of the platform's own account: the agencies' seat subscriptions."""
    try:
        outcome = seats.receive_platform_event(
            request.get_data(), request.headers.get("Stripe-Signature")
        )
    except BadInput as exc:
        db.session.rollback()
        return jsonify({"error": {"code": exc.code, "message": exc.message}}), 400
    return jsonify({"received": True, "outcome": outcome})
