"""The agencies' own seat subscription on the platform's Stripe account (localstripe)."""

import json
from datetime import UTC, datetime, timedelta

import pytest
import stripe
from sqlalchemy import select

from agency import clock
from agency.billing import seats
from agency.billing.models import SeatSubscription, StripeEvent
from agency.extensions import db
from agency.staff.models import Secretary
from tenants import Agency, use_agency
from tests.conftest import rows, sign_in
from tests.stripe_server import sign

PLATFORM_KEY = "sk_test_platform"
HOOK_SECRET = "whsec_platform"


@pytest.fixture
def platform(app, stripe_server):
    app.config.update(
        STRIPE_API_BASE=stripe_server,
        STRIPE_API_KEY=PLATFORM_KEY,
        STRIPE_WEBHOOK_SECRET=HOOK_SECRET,
    )
    return stripe.StripeClient(PLATFORM_KEY, base_addresses={"api": stripe_server})


def _sync(agency_id):
    with use_agency(agency_id):
        found = seats.sync_seats()
        return found.stripe_subscription_id, found.quantity, found.status


def test_the_subscription_starts_in_trial_and_follows_active_secretaries(
    platform, agency, other_agency
):
    now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    clock.freeze(now)
    try:
        subscription_id, quantity, _status = _sync(agency.agency.id)
    finally:
        clock.freeze(None)
    assert quantity == 1
    remote = platform.v1.subscriptions.retrieve(subscription_id)
    assert remote["items"].data[0].quantity == 1
    assert remote.trial_end == int((now + timedelta(days=14)).timestamp())
    with use_agency(agency.agency.id):
        assert seats.subscription().trial_ends_at == now + timedelta(days=14)
    with use_agency(agency.agency.id):
        db.session.add_all(
            Secretary(name=f"Seat {n}", email=f"seat{n}@alpha.example") for n in range(2)
        )
        db.session.commit()
    assert _sync(agency.agency.id)[1] == 3
    assert platform.v1.subscriptions.retrieve(subscription_id)["items"].data[0].quantity == 3
    assert _sync(agency.agency.id)[0] == subscription_id  # nothing new on a second sync
    assert rows(SeatSubscription, other_agency.agency.id) == []


def _event(event_id, status, subscription_id, agency_id, created=1790000000):
    return json.dumps(
        {
            "id": event_id,
            "object": "event",
            "type": "customer.subscription.updated",
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


def _post(client, payload, secret=HOOK_SECRET):
    return client.post(
        "/hooks/stripe",
        data=payload,
        headers={"Stripe-Signature": sign(payload, secret), "Content-Type": "application/json"},
    )


def test_a_failed_payment_shows_the_banner_and_unpaid_suspends_the_agency(
    app, client, platform, agency, other_agency
):
    subscription_id = _sync(agency.agency.id)[0]
    past_due = _event("evt_s1", "past_due", subscription_id, agency.agency.id)
    assert _post(client, past_due).json["outcome"] == "past_due"
    assert _post(client, past_due).json["outcome"] == "duplicate"
    sign_in(client, agency.manager)
    assert "payment for your Secretariat subscription failed" in client.get("/console/").get_data(
        as_text=True
    )
    bravo = app.test_client()
    sign_in(bravo, other_agency.manager)
    assert "subscription failed" not in bravo.get("/console/").get_data(as_text=True)

    stale = _event("evt_s0", "active", subscription_id, agency.agency.id, created=1780000000)
    assert _post(client, stale).json["outcome"] == "stale"
    unpaid = _event("evt_s2", "unpaid", subscription_id, agency.agency.id, created=1790000100)
    assert _post(client, unpaid).json["outcome"] == "unpaid"
    db.session.expire_all()
    assert db.session.get(Agency, agency.agency.id).is_suspended
    assert db.session.get(Agency, other_agency.agency.id).is_suspended is False
    with use_agency(agency.agency.id):
        assert db.session.scalar(select(Secretary.id)) is not None  # suspended, not deleted


def test_a_bad_platform_signature_is_refused_and_changes_nothing(client, platform, agency):
    subscription_id = _sync(agency.agency.id)[0]
    payload = _event("evt_s3", "unpaid", subscription_id, agency.agency.id)
    assert _post(client, payload, secret="whsec_wrong").status_code == 400
    assert client.post("/hooks/stripe", data=payload).status_code == 400
    assert db.session.get(Agency, agency.agency.id).is_suspended is False
    assert rows(StripeEvent, agency.agency.id) == []
