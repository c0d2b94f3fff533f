"""Events from an agency's Stripe account: verified, stored once, never moving an invoice
backwards (a late "payment failed" after "paid" changes nothing).

Stripe's states, as Stripe means them: a failed payment leaves the invoice open (Stripe
retries it) and is noted as ``payment_failed_at``; only Stripe marking it uncollectible
makes it uncollectible."""

import json
import time

import stripe
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from agency.domains.billing import reviews
from agency.domains.billing.models import (
    STATUS_RANK,
    Invoice,
    InvoiceAction,
    InvoiceStatus,
    StripeEvent,
)
from agency.domains.billing.stripe_account import account
from agency.kernel import clock
from agency.kernel.database import db
from agency.kernel.errors import BadInput

# Stripe event type -> the invoice status it reports.
INVOICE_EVENTS = {
    "invoice.finalized": InvoiceStatus.open,
    "invoice.paid": InvoiceStatus.paid,
    "invoice.payment_succeeded": InvoiceStatus.paid,
    "invoice.marked_uncollectible": InvoiceStatus.uncollectible,
    "invoice.voided": InvoiceStatus.void,
}


PAYMENT_FAILED = "invoice.payment_failed"
OWING = {InvoiceStatus.open.value, InvoiceStatus.uncollectible.value}


# How far a signature's time may lie from ours, either way (Stripe's own default).
TOLERANCE_SECONDS = 300


class BadSignature(BadInput):
    """The payload is not signed with the endpoint's secret, or not lately."""


class NotAnEvent(BadInput):
    """Signed, but not the shape of a Stripe event."""


def _signed_at(signature: str) -> int | None:
    for part in signature.split(","):
        key, _sep, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            return int(value)
    return None


def construct(payload: bytes, signature: str | None, secret: str) -> stripe.Event:
    """The event of a payload signed with ``secret`` within ``TOLERANCE_SECONDS`` of now,
    before or after (Stripe's library checks only before); else ``BadSignature``. A signed
    payload that is not an event object (with its id, type and data) is ``NotAnEvent``."""
    signature = signature or ""
    signed_at = _signed_at(signature)
    if signed_at is None or abs(time.time() - signed_at) > TOLERANCE_SECONDS:
        raise BadSignature(_("The Stripe signature is missing or not recent."))
    try:
        stripe.WebhookSignature.verify_header(payload, signature, secret, TOLERANCE_SECONDS)
    except stripe.SignatureVerificationError as exc:
        raise BadSignature(_("The Stripe signature does not match.")) from exc
    try:
        data = json.loads(payload)
    except ValueError as exc:
        raise NotAnEvent(_("The Stripe event is not JSON.")) from exc
    shaped = (
        isinstance(data, dict)
        and isinstance(data.get("id"), str)
        and isinstance(data.get("type"), str)
        and isinstance(data.get("data"), dict)
        and isinstance(data["data"].get("object"), dict)
    )
    if not shaped:
        raise NotAnEvent(_("The Stripe event has no id, type or data object."))
    return stripe.Event.construct_from(data, stripe.api_key)


def verify(payload: bytes, signature: str) -> stripe.Event:
    settings = account()
    secret = settings.stripe_webhook_secret if settings else None
    if not secret:
        raise BadSignature(_("Stripe webhooks are not set up for this agency."))
    return construct(payload, signature, secret)


def receive(payload: bytes, signature: str) -> str:
    """Verify and apply one event; returns what was done ("duplicate" for a replay)."""
    event = verify(payload, signature)
    record = StripeEvent(event_id=event.id, type=event.type, outcome="received")
    db.session.add(record)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return "duplicate"
    record.outcome = apply(event)
    db.session.commit()
    return record.outcome


def apply(event) -> str:
    status = INVOICE_EVENTS.get(event.type)
    if status is None and event.type != PAYMENT_FAILED:
        return "ignored"
    stripe_invoice_id = getattr(event.data.object, "id", None)
    invoice = db.session.scalar(
        select(Invoice).where(Invoice.stripe_invoice_id == stripe_invoice_id)
    )
    if invoice is None:
        return "unknown invoice"
    if event.type == PAYMENT_FAILED:
        if invoice.status not in OWING:
            return "stale"
        invoice.payment_failed_at = clock.now()
        return "payment_failed"
    if STATUS_RANK[status] <= STATUS_RANK[InvoiceStatus(invoice.status)]:
        return "stale"
    invoice.status = status.value
    if status == InvoiceStatus.paid:
        invoice.paid_at = clock.now()
    if status == InvoiceStatus.void:
        reviews.record(invoice, InvoiceAction.voided, None, _("Voided in Stripe."), hold=True)
    return status.value
