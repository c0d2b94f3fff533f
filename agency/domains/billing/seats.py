"""The agencies' own subscription to the platform, on the platform's Stripe account.

Quantity follows the agency's active secretaries (at least one seat); a new agency starts
with a trial. Stripe's events set the status: "past_due" shows a banner in the console;
"unpaid", and a subscription cancelled (deleted), suspend the agency (read-only, never
deleted); "active" or "trialing" again resume an agency suspended for it. The owner
updates the card from the console's subscription page, which then pays what is due.
"""

import secrets
from datetime import timedelta

import stripe
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from agency.domains.billing import webhooks
from agency.domains.billing.models import SeatSubscription, StripeEvent
from agency.domains.billing.signup import SETUP_INTENT
from agency.domains.billing.stripe_account import client_for
from agency.domains.billing.webhooks import BadSignature
from agency.domains.staff.models import Secretary
from agency.kernel import clock
from agency.kernel.database import db
from agency.kernel.errors import Conflict, ValidationError
from tenants import Agency, AgencyStatus, current_agency_id, directory, use_agency
from tenants.lifecycle import resume, suspend

PAST_DUE = "past_due"
UNPAID = "unpaid"
DELETED = "customer.subscription.deleted"
SUBSCRIPTION_EVENTS = {"customer.subscription.updated", DELETED}
SUSPENDING = {UNPAID, "canceled", "incomplete_expired"}
IN_GOOD_STANDING = {"active", "trialing"}


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
    event = webhooks.construct(payload, signature, secret)
    if event.type not in SUBSCRIPTION_EVENTS:
        return "ignored"
    metadata = event.data.object.to_dict().get("metadata") or {}
    raw_agency = str(metadata.get("secretariat_agency_id", ""))
    if not raw_agency.isdigit():
        return "unknown agency"
    agency = directory.agency(int(raw_agency))
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
        found.status = "canceled" if event.type == DELETED else data.status
        found.updated_at = clock.now()
        outcome = found.status
    db.session.commit()
    _follow(agency, outcome)
    return outcome


def _follow(agency: Agency, status: str) -> None:
    """Suspend for an unpaid or cancelled subscription; resume once it is paid again (an
    agency the operator suspended stays so)."""
    if status in SUSPENDING and agency.status == AgencyStatus.active:
        reason = (
            _("The subscription is cancelled.")
            if status == "canceled"
            else _("The subscription is unpaid.")
        )
        suspend(agency, reason, for_billing=True)
    elif status in IN_GOOD_STANDING and agency.is_suspended and agency.suspended_for_billing:
        resume(agency)


def status_words() -> dict[str, str]:
    """The subscription's Stripe statuses in the reader's words."""
    return {
        "trialing": _("trial"),
        "active": _("active"),
        PAST_DUE: _("payment failed, being retried"),
        UNPAID: _("unpaid"),
        "canceled": _("cancelled"),
        "incomplete": _("waiting for the first payment"),
        "incomplete_expired": _("first payment failed"),
    }


def payment_failed() -> bool:
    """For the console's banner: the last payment of the agency's subscription failed."""
    found = subscription()
    return found is not None and found.status == PAST_DUE


class CardNotSaved(ValidationError):
    """The SetupIntent posted back is not a saved card of this agency's subscription."""

    def __init__(self):
        super().__init__(_("The card is not saved yet: enter it again."), code="card_not_saved")


def start_card_update() -> dict:
    """A SetupIntent on the platform's account for the owner to save a new card with
    Stripe.js (the card goes to Stripe, never to us); its client secret."""
    api = platform_api()
    found = subscription()
    if api is None or found is None:
        raise Conflict(_("The agency has no subscription to update."))
    agency_id = current_agency_id()
    intent = api.v1.setup_intents.create(
        {
            "customer": found.stripe_customer_id,
            "usage": "off_session",
            "metadata": {"secretariat_agency_id": str(agency_id), "purpose": "seats"},
        },
        {"idempotency_key": f"secretariat-seat-card-{agency_id}-{secrets.token_hex(12)}"},
    )
    return {
        "client_secret": intent.client_secret,
        "publishable_key": current_app.config.get("STRIPE_PUBLISHABLE_KEY", ""),
    }


def update_card(setup_intent_id: str) -> list[str]:
    """The card saved with ``setup_intent_id`` becomes the one the seats are charged to,
    and what is due is paid with it; the ids of the invoices Stripe was asked to pay.
    Stripe's event for the subscription then resumes a suspended agency."""
    api = platform_api()
    found = subscription()
    if api is None or found is None:
        raise Conflict(_("The agency has no subscription to update."))
    if not SETUP_INTENT.fullmatch(setup_intent_id or ""):
        raise CardNotSaved()
    try:
        intent = api.v1.setup_intents.retrieve(setup_intent_id)
    except stripe.InvalidRequestError as exc:
        raise CardNotSaved() from exc
    metadata = intent.metadata.to_dict() if intent.metadata else {}
    if (
        intent.status != "succeeded"
        or not intent.payment_method
        or metadata.get("secretariat_agency_id") != str(current_agency_id())
        or intent.customer != found.stripe_customer_id
    ):
        raise CardNotSaved()
    method = intent.payment_method
    method = method if isinstance(method, str) else method.id
    key = f"secretariat-seat-card-{found.stripe_customer_id}-{method}"
    if not getattr(api.v1.payment_methods.retrieve(method), "customer", None):
        api.v1.payment_methods.attach(
            method, {"customer": found.stripe_customer_id}, {"idempotency_key": f"{key}-attach"}
        )
    api.v1.customers.update(
        found.stripe_customer_id,
        {"invoice_settings": {"default_payment_method": method}},
        {"idempotency_key": f"{key}-default"},
    )
    return _pay_what_is_due(api, found, key)


def _pay_what_is_due(api, found: SeatSubscription, key: str) -> list[str]:
    invoices = api.v1.invoices.list(
        {"subscription": found.stripe_subscription_id, "limit": 10}
    ).data
    paid = []
    for invoice in invoices:
        if invoice.status != "open":
            continue
        try:
            api.v1.invoices.pay(invoice.id, options={"idempotency_key": f"{key}-pay-{invoice.id}"})
        except stripe.CardError as exc:
            raise ValidationError(
                _("Stripe could not charge the card: %(reason)s", reason=exc.user_message or "")
            ) from exc
        paid.append(invoice.id)
    return paid
