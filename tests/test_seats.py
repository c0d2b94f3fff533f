"""The agencies' own seat subscription on the platform's Stripe account (localstripe)."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from agency.domains.billing import seats
from agency.domains.billing.models import SeatSubscription, StripeEvent
from agency.domains.staff.models import Secretary
from agency.kernel import clock
from agency.kernel.database import db
from tenants import directory, use_agency
from tests.billing_seed import post_platform_hook, seat_event, sync_seats_of
from tests.conftest import rows, sign_in


def test_the_subscription_starts_in_trial_and_follows_active_secretaries(
    platform, agency, other_agency
):
    now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    clock.freeze(now)
    try:
        subscription_id, quantity, _status = sync_seats_of(agency.agency.id)
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
    assert sync_seats_of(agency.agency.id)[1] == 3
    assert platform.v1.subscriptions.retrieve(subscription_id)["items"].data[0].quantity == 3
    assert sync_seats_of(agency.agency.id)[0] == subscription_id  # nothing new on a second sync
    assert rows(SeatSubscription, other_agency.agency.id) == []


def test_a_failed_payment_shows_the_banner_and_unpaid_suspends_the_agency(
    app, client, platform, agency, other_agency
):
    subscription_id = sync_seats_of(agency.agency.id)[0]
    past_due = seat_event("evt_s1", "past_due", subscription_id, agency.agency.id)
    assert post_platform_hook(client, past_due).json["outcome"] == "past_due"
    assert post_platform_hook(client, past_due).json["outcome"] == "duplicate"
    sign_in(client, agency.manager)
    assert "payment for your Secretariat subscription failed" in client.get("/console/").get_data(
        as_text=True
    )
    bravo = app.test_client()
    sign_in(bravo, other_agency.manager)
    assert "subscription failed" not in bravo.get("/console/").get_data(as_text=True)

    stale = seat_event("evt_s0", "active", subscription_id, agency.agency.id, created=1780000000)
    assert post_platform_hook(client, stale).json["outcome"] == "stale"
    unpaid = seat_event("evt_s2", "unpaid", subscription_id, agency.agency.id, created=1790000100)
    assert post_platform_hook(client, unpaid).json["outcome"] == "unpaid"
    db.session.expire_all()
    assert directory.agency(agency.agency.id).is_suspended
    assert directory.agency(other_agency.agency.id).is_suspended is False
    with use_agency(agency.agency.id):
        assert db.session.scalar(select(Secretary.id)) is not None  # suspended, not deleted


def test_a_bad_platform_signature_is_refused_and_changes_nothing(client, platform, agency):
    subscription_id = sync_seats_of(agency.agency.id)[0]
    payload = seat_event("evt_s3", "unpaid", subscription_id, agency.agency.id)
    assert post_platform_hook(client, payload, secret="whsec_wrong").status_code == 400
    assert client.post("/hooks/stripe", data=payload).status_code == 400
    assert directory.agency(agency.agency.id).is_suspended is False
    assert rows(StripeEvent, agency.agency.id) == []
