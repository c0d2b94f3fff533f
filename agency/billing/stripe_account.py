"""The agency's own Stripe account: its client, customers, and invoices pushed to it.

Every call carries an idempotency key derived from our own ids, and every Stripe id is
stored as soon as it exists, so a retried push creates nothing twice.
"""

import stripe
from flask import current_app
from sqlalchemy import select

from agency.billing.models import (
    BillingAccount,
    Invoice,
    InvoiceStatus,
    StripeCustomer,
)
from agency.clients.models import Client
from agency.extensions import db


def account() -> BillingAccount | None:
    return db.session.scalar(select(BillingAccount))


def client_for(secret_key: str) -> stripe.StripeClient:
    base = current_app.config.get("STRIPE_API_BASE") or None
    return stripe.StripeClient(
        secret_key,
        base_addresses={"api": base} if base else None,
        max_network_retries=2,
    )


def _key(*parts) -> str:
    return "secretariat-" + "-".join(str(p) for p in parts)


def customer_for(api: stripe.StripeClient, client: Client) -> StripeCustomer:
    """The client's Stripe customer, made once, with the hours subscription invoices use."""
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


def _billing_subscription(api, customer: StripeCustomer, invoice: Invoice) -> str:
    """A zero-priced monthly subscription that the period's invoices are issued under.

    Stripe's invoices for a customer are made from its pending items under a subscription;
    the subscription itself costs nothing, so every amount comes from our lines.
    """
    existing = api.v1.subscriptions.list({"customer": customer.stripe_customer_id, "limit": 10})
    for subscription in existing.data:
        if subscription.metadata.to_dict().get("secretariat_hours") == "1":
            return subscription.id
    currency = invoice.currency.lower()
    product = api.v1.products.create(
        {"name": "Secretarial hours"},
        {"idempotency_key": _key("product", customer.id, currency)},
    )
    plan = api.v1.plans.create(
        {"amount": 0, "currency": currency, "interval": "month", "product": product.id},
        {"idempotency_key": _key("plan", customer.id, currency)},
    )
    subscription = api.v1.subscriptions.create(
        {
            "customer": customer.stripe_customer_id,
            "items": [{"plan": plan.id}],
            "metadata": {"secretariat_hours": "1"},
        },
        {"idempotency_key": _key("subscription", customer.id, currency)},
    )
    return subscription.id


def push_invoice(invoice: Invoice) -> str | None:
    """Send an issued invoice to the agency's Stripe account; its Stripe id, or None when
    the agency keeps its invoices in Secretariat only."""
    settings = account()
    if invoice.stripe_invoice_id or invoice.status == InvoiceStatus.draft.value:
        return invoice.stripe_invoice_id
    if settings is None or not settings.stripe_enabled:
        return None
    api = client_for(settings.stripe_secret_key)
    customer = customer_for(api, db.session.get(Client, invoice.client_id))
    subscription_id = _billing_subscription(api, customer, invoice)
    for line in invoice.lines:
        if line.stripe_item_id:
            continue
        item = api.v1.invoice_items.create(
            {
                "customer": customer.stripe_customer_id,
                "subscription": subscription_id,
                "amount": line.amount_minor,
                "currency": invoice.currency.lower(),
                "description": line.description,
                "metadata": {"secretariat_invoice_id": str(invoice.id), "kind": line.kind},
            },
            {"idempotency_key": _key("line", invoice.agency_id, line.id)},
        )
        line.stripe_item_id = item.id
        db.session.commit()
    created = api.v1.invoices.create(
        {
            "customer": customer.stripe_customer_id,
            "subscription": subscription_id,
            "description": invoice.number,
            "metadata": {"secretariat_invoice_id": str(invoice.id)},
        },
        {"idempotency_key": _key("invoice", invoice.agency_id, invoice.id)},
    )
    invoice.stripe_invoice_id = created.id
    db.session.commit()
    return created.id


def push(invoice_id: int) -> str | None:
    invoice = db.session.get(Invoice, invoice_id)
    return push_invoice(invoice) if invoice is not None else None
