"""The agencies' own subscription to the platform, on the platform's Stripe account.

Quantity follows the agency's active secretaries (at least one seat); a new agency starts
with a trial. Stripe's events set the status: "past_due" shows a banner in the console,
"unpaid" suspends the agency (read-only, never deleted).
"""

from datetime import timedelta

import stripe
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from agency import clock
from agency.billing.models import SeatSubscription, StripeEvent
from agency.billing.stripe_account import client_for
from agency.billing.webhooks import BadSignature
from agency.extensions import db
from agency.staff.models import Secretary
from tenants import Agency, AgencyStatus, current_agency_id, use_agency
from tenants.lifecycle import suspend

PAST_DUE = "past_due"
UNPAID = "unpaid"
SUBSCRIPTION_EVENTS = {"customer.subscription.updated", "customer.subscription.deleted"}


def platform_api() -> stripe.StripeClient | None:
    key = current_app.config.get("STRIPE_API_KEY")
    return client_for(key) if key else None


def active_seats() -> int:
    return db.session.scalar(
        select(func.count(Secretary.id)).where(Secretary.archived_at.is_(None))
    )


def subscription() -> SeatSubscription | None:
    return db.session.scalar(select(SeatSubscription))


def _seat_plan(api) -> str:
    """The platform's seat price as a Stripe plan with an id of our own, made once."""
    amount = current_app.config["SEAT_PRICE_MINOR"]
    currency = current_app.config["SEAT_CURRENCY"].lower()
    plan_id = f"secretariat-seat-{amount}-{currency}"
    try:
        return api.v1.plans.retrieve(plan_id).id
    except stripe.InvalidRequestError:
        product = api.v1.products.create(
            {"name": "Secretariat seat"}, {"idempotency_key": f"secretariat-{plan_id}-product"}
        )
        return api.v1.plans.create(
            {
                "id": plan_id,
                "amount": amount,
                "currency": currency,
                "interval": "month",
                "product": product.id,
            },
            {"idempotency_key": f"secretariat-{plan_id}"},
        ).id


def sync_seats() -> SeatSubscription | None:
    """Start the current agency's subscription, or set its quantity to the active seats."""
    api = platform_api()
    if api is None:
        return None
    agency = db.session.get(Agency, current_agency_id())
    seats = max(active_seats(), 1)
    found = subscription()
    if found is None:
        trial_ends_at = clock.now().replace(microsecond=0) + timedelta(
            days=current_app.config["SEAT_TRIAL_DAYS"]
        )
        customer = api.v1.customers.create(
            {"name": agency.name, "metadata": {"secretariat_agency_id": str(agency.id)}},
            {"idempotency_key": f"secretariat-seat-customer-{agency.id}"},
        )
        created = api.v1.subscriptions.create(
            {
                "customer": customer.id,
                "items": [{"plan": _seat_plan(api), "quantity": seats}],
                "trial_end": int(trial_ends_at.timestamp()),
                "metadata": {"secretariat_agency_id": str(agency.id)},
            },
            {"idempotency_key": f"secretariat-seat-subscription-{agency.id}"},
        )
        found = SeatSubscription(
            stripe_customer_id=customer.id,
            stripe_subscription_id=created.id,
            stripe_item_id=created["items"].data[0].id,
            status=created.status,
            quantity=seats,
            trial_ends_at=trial_ends_at,
        )
        db.session.add(found)
    elif found.quantity != seats:
        api.v1.subscriptions.update(
            found.stripe_subscription_id,
            {"items": [{"id": found.stripe_item_id, "quantity": seats}]},
            {
                "idempotency_key": f"secretariat-seats-{agency.id}-{found.quantity}-{seats}-"
                f"{int(found.updated_at.timestamp())}"
            },
        )
        found.quantity = seats
    else:
        return found
    found.updated_at = clock.now()
    db.session.commit()
    return found


def receive_platform_event(payload: bytes, signature: str) -> str:
    """A verified event of the platform's account, applied once to the agency it names."""
    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET")
    if not secret:
        raise BadSignature(_("Stripe webhooks are not set up."))
    try:
        event = stripe.Webhook.construct_event(payload, signature or "", secret)
    except (ValueError, stripe.SignatureVerificationError) as exc:
        raise BadSignature(_("The Stripe signature does not match.")) from exc
    if event.type not in SUBSCRIPTION_EVENTS:
        return "ignored"
    metadata = event.data.object.to_dict().get("metadata") or {}
    raw_agency = str(metadata.get("secretariat_agency_id", ""))
    if not raw_agency.isdigit():
        return "unknown agency"
    agency = db.session.get(Agency, int(raw_agency))
    if agency is None:
        return "unknown agency"
    with use_agency(agency.id):
        return _apply(agency, event)


def _apply(agency: Agency, event) -> str:
    found = subscription()
    data = event.data.object
    if found is None or found.stripe_subscription_id != data.id:
        return "unknown subscription"
    db.session.add(StripeEvent(event_id=event.id, type=event.type, outcome="received"))
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return "duplicate"
    if event.created < found.last_event_created:
        outcome = "stale"
    else:
        found.last_event_created = event.created
        found.status = data.status
        found.updated_at = clock.now()
        outcome = found.status
    db.session.commit()
    if outcome == UNPAID and agency.status == AgencyStatus.active:
        suspend(agency, _("The subscription is unpaid."))
    return outcome


def payment_failed() -> bool:
    """For the console's banner: the last payment of the agency's subscription failed."""
    found = subscription()
    return found is not None and found.status == PAST_DUE
