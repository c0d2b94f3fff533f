"""The agency's own Stripe account: its client, customers, and invoices pushed to it.

An issued invoice becomes a one-off Stripe invoice the way Stripe documents it: a draft
for the client's customer, each of our lines added to that draft as an invoice item, then
finalized with automatic collection, so Stripe charges the saved card (or emails the
invoice when there is none). Every POST carries an idempotency key derived from our own
ids, and every Stripe id is stored as soon as it exists, so a retried push creates
nothing twice.
"""

import secrets
from contextlib import contextmanager

import stripe
from flask import current_app
from sqlalchemy import select

from agency.domains.billing import reviews
from agency.domains.billing.models import (
    BillingAccount,
    Invoice,
    InvoiceStatus,
    StripeCustomer,
)
from agency.domains.clients.models import Client
from agency.kernel.database import db
from agency.kernel.queue import redis_connection


def account() -> BillingAccount | None:
    return db.session.scalar(select(BillingAccount))


def client_for(secret_key: str) -> stripe.StripeClient:
    base = current_app.config.get("STRIPE_API_BASE") or None
    return stripe.StripeClient(
        secret_key,
        base_addresses={"api": base} if base else None,
        max_network_retries=2,
    )


STRIPE_JS = "https://js.stripe.com/v3/"


def stripe_js_url() -> str:
    """Stripe.js, from Stripe or from STRIPE_API_BASE's stand-in (localstripe)."""
    base = current_app.config.get("STRIPE_API_BASE")
    return f"{base.rstrip('/')}/js.stripe.com/v3/" if base else STRIPE_JS


def _key(*parts) -> str:
    return "secretariat-" + "-".join(str(p) for p in parts)


def customer_for(api: stripe.StripeClient, client: Client) -> StripeCustomer:
    """The client's Stripe customer, made once."""
    found = db.session.scalar(select(StripeCustomer).where(StripeCustomer.client_id == client.id))
    if found is not None:
        return found
    customer = api.v1.customers.create(
        {
            "name": client.name,
            "email": client.email or "",
            "metadata": {"secretariat_client_id": str(client.id)},
        },
        {"idempotency_key": _key("customer", client.agency_id, client.id)},
    )
    found = StripeCustomer(client_id=client.id, stripe_customer_id=customer.id)
    db.session.add(found)
    db.session.commit()
    return found


# Days a client without a saved card has to pay an invoice Stripe emails them.
DAYS_UNTIL_DUE = 14
# How long one push or void of an invoice may hold the invoice's lock (seconds).
LOCK_SECONDS = 300


@contextmanager
def _invoice_lock(invoice: Invoice):
    """One push or void of an invoice at a time; a second one waits for a retry."""

    redis = redis_connection()
    key = f"secretariat:stripe-invoice:{invoice.agency_id}:{invoice.id}"
    token = secrets.token_hex(8)
    if not redis.set(key, token, nx=True, ex=LOCK_SECONDS):
        raise TimeoutError(f"invoice {invoice.id} is being sent to Stripe by another job")
    try:
        yield
    finally:
        if (redis.get(key) or b"").decode() == token:
            redis.delete(key)


def _collection(api, customer: StripeCustomer) -> dict:
    """Charge the saved card when the customer has one; else Stripe emails the invoice."""
    remote = api.v1.customers.retrieve(customer.stripe_customer_id)
    settings = getattr(remote, "invoice_settings", None)
    if getattr(settings, "default_payment_method", None) or getattr(remote, "default_source", None):
        return {"collection_method": "charge_automatically"}
    settings = account()
    days = settings.payment_terms_days if settings is not None else DAYS_UNTIL_DUE
    return {"collection_method": "send_invoice", "days_until_due": max(days, 1)}


def _remote_invoice(api, customer: StripeCustomer, invoice: Invoice):
    """The invoice's Stripe invoice: made once, as a draft of its own (the customer's
    other pending items stay out of it), its id stored at once. It does not advance on
    its own until it is finalized, so Stripe never finalizes it with lines missing (a
    push that failed half-way and waits for its retry)."""
    if invoice.stripe_invoice_id:
        return api.v1.invoices.retrieve(invoice.stripe_invoice_id)
    created = api.v1.invoices.create(
        {
            "customer": customer.stripe_customer_id,
            "currency": invoice.currency.lower(),
            "auto_advance": False,
            "pending_invoice_items_behavior": "exclude",
            "description": invoice.number,
            "metadata": {"secretariat_invoice_id": str(invoice.id), "number": invoice.number},
            **_collection(api, customer),
        },
        {"idempotency_key": _key("invoice", invoice.agency_id, invoice.id)},
    )
    invoice.stripe_invoice_id = created.id
    db.session.commit()
    return created


def _add_lines(api, customer: StripeCustomer, invoice: Invoice, remote_id: str) -> None:
    """Each of our lines as an invoice item on the Stripe draft, stored as it is made."""
    for line in invoice.lines:
        if line.stripe_item_id:
            continue
        item = api.v1.invoice_items.create(
            {
                "customer": customer.stripe_customer_id,
                "invoice": remote_id,
                "amount": line.amount_minor,
                "currency": invoice.currency.lower(),
                "description": line.description,
                "metadata": {"secretariat_invoice_id": str(invoice.id), "kind": line.kind},
            },
            {"idempotency_key": _key("line", invoice.agency_id, line.id)},
        )
        line.stripe_item_id = item.id
        db.session.commit()


def push_invoice(invoice: Invoice) -> str | None:
    """Send an issued invoice to the agency's Stripe account: a draft with our lines,
    finalized, so Stripe collects it. Its Stripe id, or None when the agency keeps its
    invoices in Secretariat only. A push of an invoice Stripe has finalized changes nothing."""
    if invoice.status in (InvoiceStatus.draft.value, InvoiceStatus.void.value):
        return invoice.stripe_invoice_id
    settings = account()
    if settings is None or not settings.stripe_enabled:
        return None
    api = client_for(settings.stripe_secret_key)
    customer = customer_for(api, db.session.get(Client, invoice.client_id))
    remote = _remote_invoice(api, customer, invoice)
    if remote.status == "draft":
        _add_lines(api, customer, invoice, remote.id)
        remote = api.v1.invoices.finalize_invoice(
            remote.id,
            {"auto_advance": True},  # from now on Stripe collects it, and retries
            {"idempotency_key": _key("finalize", invoice.agency_id, invoice.id)},
        )
    return remote.id


def void_remote(invoice: Invoice) -> str | None:
    """A voided invoice voided in Stripe too (a draft Stripe never finalized is deleted,
    as Stripe voids only finalized invoices); what Stripe holds now, or None."""
    settings = account()
    if not invoice.stripe_invoice_id or settings is None or not settings.stripe_enabled:
        return None
    api = client_for(settings.stripe_secret_key)
    try:
        remote = api.v1.invoices.retrieve(invoice.stripe_invoice_id)
    except stripe.InvalidRequestError as exc:
        if exc.code == "resource_missing" or exc.http_status == 404:
            return "deleted"
        raise
    if remote.status == "draft":
        api.v1.invoices.delete(remote.id)
        return "deleted"
    if remote.status in ("open", "uncollectible"):
        api.v1.invoices.void_invoice(
            remote.id, options={"idempotency_key": _key("void", invoice.agency_id, invoice.id)}
        )
        return "void"
    if remote.status == "paid":
        reviews.paid_before_void(invoice)
    return remote.status


def sync(invoice_id: int) -> str | None:
    """Bring the agency's Stripe account to the invoice's state: sent once issued, voided
    once void. One job at a time per invoice, so a void never races a push."""
    invoice = db.session.get(Invoice, invoice_id)
    if invoice is None:
        return None
    with _invoice_lock(invoice):
        db.session.refresh(invoice)
        if invoice.status == InvoiceStatus.void.value:
            return void_remote(invoice)
        try:
            pushed = push_invoice(invoice)
        except stripe.StripeError as exc:
            _failed(invoice, exc)
            raise  # retried with back-off; the invoice's page says why meanwhile
        if invoice.stripe_error:
            invoice.stripe_error = None
            db.session.commit()
        return pushed


def _failed(invoice: Invoice, exc: stripe.StripeError) -> None:
    """Keep, on the invoice, why Stripe refused it or could not be reached."""
    db.session.rollback()
    said = getattr(exc, "user_message", None) or str(exc) or type(exc).__name__
    invoice = db.session.get(Invoice, invoice.id)
    invoice.stripe_error = said[:500]
    db.session.commit()


def push(invoice_id: int) -> str | None:
    return sync(invoice_id)
