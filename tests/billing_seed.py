"""What the billing tests share: an API caller, time worked, Stripe events and hooks."""

import json
from datetime import date, datetime, timedelta

from agency.domains.clients.models import Client
from agency.domains.contracts.models import Contract
from agency.domains.hours.services import record_time
from agency.kernel.database import db
from tenants import use_agency
from tests.conftest import PASSWORD
from tests.stripe_server import sign

WEBHOOK_SECRET = "whsec_test_alpha"
ALPHA_STRIPE_KEY = "sk_test_alpha_own_account"
PLATFORM_KEY = "sk_test_platform"
PLATFORM_HOOK_SECRET = "whsec_platform"


def api_as(client, user):
    """Calls to the API with a bearer token of ``user``: ``call(method, url, json)``."""
    token = client.post(
        "/api/v1/auth/token", json={"email": user.email, "password": PASSWORD}
    ).json["token"]
    headers = {"Authorization": f"Bearer {token}"}

    def call(method, url, json=None, data=None, content_type=None):
        if data is not None:  # a body that is not JSON
            sent = {**headers, "Content-Type": content_type}
            return client.open(url, method=method, data=data, headers=sent)
        return client.open(url, method=method, json=json, headers=headers)

    return call


def client_on_contract(name: str, **terms) -> int:
    """A new client of the current agency on an active contract (EUR, 10 hours included at
    30.00/h, overage 40.00/h, from 1 January 2026, unless ``terms`` say otherwise), not
    committed yet; its id."""
    client = Client(name=name)
    db.session.add(client)
    db.session.flush()
    contract = {
        "plan_name": "Plan",
        "included_minutes": 600,
        "hourly_rate_minor": 3000,
        "overage_rate_minor": 4000,
        "currency": "EUR",
        "starts_on": date(2026, 1, 1),
        "status": "active",
    }
    db.session.add(Contract(client_id=client.id, **(contract | terms)))
    db.session.flush()
    return client.id


def work(agency_id, client_id, start: datetime, minutes: int, seconds: int = 0) -> int:
    """A time entry of ``minutes`` from ``start``; its id."""
    with use_agency(agency_id):
        entry = record_time(client_id, start, start + timedelta(minutes=minutes, seconds=seconds))
        db.session.commit()
        return entry.id


def invoice_event(event_id, event_type, stripe_invoice_id, created=1790000000) -> bytes:
    return json.dumps(
        {
            "id": event_id,
            "object": "event",
            "type": event_type,
            "created": created,
            "data": {"object": {"id": stripe_invoice_id, "object": "invoice"}},
        }
    ).encode()


def post_hook(client, payload, secret=WEBHOOK_SECRET, slug="alpha"):
    """The agency's Stripe webhook, signed the way Stripe signs it."""
    return client.post(
        f"/hooks/stripe/{slug}",
        data=payload,
        headers={"Stripe-Signature": sign(payload, secret), "Content-Type": "application/json"},
    )


def sync_seats_of(agency_id) -> tuple:
    """The agency's seat subscription, started or brought up to date: (id, seats, status)."""
    from agency.domains.billing import seats

    with use_agency(agency_id):
        found = seats.sync_seats()
        return found.stripe_subscription_id, found.quantity, found.status


def seat_event(
    event_id,
    status,
    subscription_id,
    agency_id,
    created=1790000000,
    event_type="customer.subscription.updated",
) -> bytes:
    return json.dumps(
        {
            "id": event_id,
            "object": "event",
            "type": event_type,
            "created": created,
            "data": {
                "object": {
                    "id": subscription_id,
                    "object": "subscription",
                    "status": status,
                    "metadata": {"secretariat_agency_id": str(agency_id)},
                }
            },
        }
    ).encode()


def post_platform_hook(client, payload, secret=PLATFORM_HOOK_SECRET):
    return client.post(
        "/hooks/stripe",
        data=payload,
        headers={"Stripe-Signature": sign(payload, secret), "Content-Type": "application/json"},
    )
