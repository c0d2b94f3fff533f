"""Events from an agency's Stripe account: verified, stored once, never moving an invoice
backwards (a late "payment failed" after "paid" changes nothing).

Stripe's states, as Stripe means them: a failed payment leaves the invoice open (Stripe
retries it) and is noted as ``payment_failed_at``; only Stripe marking it uncollectible
makes it uncollectible."""

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


class BadSignature(BadInput):
    """The payload is not signed with the agency's endpoint secret."""


def verify(payload: bytes, signature: str) -> stripe.Event:
    settings = account()
    secret = settings.stripe_webhook_secret if settings else None
    if not secret:
        raise BadSignature(_("Stripe webhooks are not set up for this agency."))
    try:
        return stripe.Webhook.construct_event(payload, signature or "", secret)
    except (ValueError, stripe.SignatureVerificationError) as exc:
        raise BadSignature(_("The Stripe signature does not match.")) from exc


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
