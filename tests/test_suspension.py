"""A suspended agency is read-only, never locked out or deleted: its people read
everything with a banner, every change is refused with a reason, its webhooks answer
sensibly, and its owner can pay what is due, which resumes it."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from agency.domains.billing import seats
from agency.domains.billing.models import BillingAccount, Invoice
from agency.domains.hours.models import TimeEntry
from agency.domains.work.models import WorkItem
from agency.kernel.database import db
from tenants import directory, lifecycle, use_agency
from tests.billing_seed import (
    api_as,
    invoice_event,
    post_hook,
    post_platform_hook,
    seat_event,
    sync_seats_of,
    work,
)
from tests.conftest import csrf_from, post_form, rows, sign_in

CARD = {"number": "4242424242424242", "exp_month": "12", "exp_year": "2030", "cvc": "123"}


def _suspend(agency, for_billing=False):
    lifecycle.suspend(directory.agency(agency.agency.id), "Unpaid invoice", for_billing)


def _is_suspended(agency) -> bool:
    db.session.expire_all()
    return directory.agency(agency.agency.id).is_suspended


@pytest.mark.parametrize(
    "who, page",
    [
        ("owner", "/console/"),
        ("manager", "/console/hours"),
        ("secretary", "/desk/"),
        ("client_user", "/portal/"),
        ("client_user", "/portal/invoices"),
    ],
)
def test_a_suspended_agencys_people_still_read_everything_with_a_banner(
    client, agency, other_agency, who, page
):
    sign_in(client, getattr(agency, who))
    _suspend(agency)
    response = client.get(page)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert 'id="agency-suspended"' in text and "nothing can be changed" in text
    assert "Unpaid invoice" in text
    bravo = client.application.test_client()
    sign_in(bravo, getattr(other_agency, who))
    assert 'id="agency-suspended"' not in bravo.get(page).get_data(as_text=True)


def test_every_change_on_the_surfaces_is_refused_with_the_reason(client, agency):
    sign_in(client, agency.manager)
    page = f"/console/hours/{agency.client.id}"
    form = {"started_at": "2026-11-03 09:00", "minutes": "30", "reason": "phone call"}
    html = client.get(page).get_data(as_text=True)
    _suspend(agency)
    refused = client.post(page, data={**form, "csrf_token": csrf_from(html)})
    assert refused.status_code == 403
    text = refused.get_data(as_text=True)
    assert "Nothing can be changed while Alpha is suspended" in text
    assert "Unpaid invoice" in text
    assert rows(TimeEntry, agency.agency.id) == []
    desk = client.application.test_client()
    sign_in(desk, agency.secretary)
    desk_token = csrf_from(desk.get("/desk/").get_data(as_text=True))
    assert desk.post("/desk/next", data={"csrf_token": desk_token}).status_code == 403
    portal = client.application.test_client()
    sign_in(portal, agency.client_user)
    portal_token = csrf_from(portal.get("/portal/").get_data(as_text=True))
    approve = portal.post("/portal/hours/extra", data={"csrf_token": portal_token})
    assert approve.status_code == 403
    assert post_form(client, "/logout", {}, page="/console/").status_code == 302


def test_the_api_reads_but_refuses_every_change(client, agency):
    api = api_as(client, agency.owner)
    _suspend(agency)
    assert api("GET", "/api/v1/clients/").status_code == 200
    assert api("GET", f"/api/v1/clients/{agency.client.id}/hours").status_code == 200
    for method, url, body in [
        ("POST", "/api/v1/work-items/", {"client_id": agency.client.id, "title": "x"}),
        ("PATCH", f"/api/v1/clients/{agency.client.id}", {"name": "Renamed"}),
        ("DELETE", f"/api/v1/clients/{agency.client.id}", None),
        ("POST", "/api/v1/invoices/run", {}),
    ]:
        response = api(method, url, body)
        assert response.status_code == 403, (method, url)
        assert response.json["error"]["code"] == "agency_suspended"
        assert "nothing can be changed" in response.json["error"]["message"]
    assert rows(WorkItem, agency.agency.id) == []
    assert rows(Invoice, agency.agency.id) == []


def test_a_suspended_agencys_stripe_events_are_still_applied(client, agency, stripe_alpha):
    work(agency.agency.id, agency.client.id, datetime(2026, 10, 6, 9, tzinfo=UTC), 60)
    from agency.domains.billing import invoicing

    with use_agency(agency.agency.id):
        [invoice_id] = invoicing.run(on=datetime(2026, 11, 2).date())
        invoice = db.session.get(Invoice, invoice_id)
        invoice.status, invoice.stripe_invoice_id = "open", "in_paid_while_suspended"
        db.session.commit()
    _suspend(agency)
    answer = post_hook(client, invoice_event("evt_s", "invoice.paid", "in_paid_while_suspended"))
    assert answer.status_code == 200 and answer.json["outcome"] == "paid"


def test_a_suspended_agencys_line_answers_politely_and_records_nothing(client, agency, redis_url):
    from agency.domains.calls import services
    from agency.domains.calls.models import Call
    from tests.test_voice_hooks import LINE, TOKEN, call, twiml

    with use_agency(agency.agency.id):
        services.save_voice_settings({"account_sid": "AC123", "auth_token": TOKEN})
        services.add_number({"number": LINE, "client_id": agency.client.id})
    _suspend(agency)
    for path in ("/hooks/voice", "/hooks/voice/next?step=1"):
        root = twiml(call(client, path))
        assert "cannot take your call right now" in root.find("Say").text
        assert root.find("Hangup") is not None and root.find("Dial") is None
    assert rows(Call, agency.agency.id) == []
    assert client.application.extensions["redis"].keys("secretariat:calls:*") == []


def test_a_suspended_agencys_mail_is_left_with_the_provider_to_retry(client, agency):
    from agency.domains.mail import settings as mail_settings
    from agency.domains.mail.models import InboundEmail
    from tests.test_mail import deliver, message

    with use_agency(agency.agency.id):
        key = mail_settings.agency_settings().inbound_secret
        db.session.commit()
    _suspend(agency)
    response = deliver(client, key, message("anyone@example.com"))
    assert response.status_code == 503 and response.headers["Retry-After"] == "3600"
    assert response.json["error"]["code"] == "agency_suspended"
    assert rows(InboundEmail, agency.agency.id) == []
    assert deliver(client, "wrong-key", message("x@example.com")).status_code == 401


# --- the subscription: suspended for it, resumed by it ----------------------------------------


def _unpaid(client, agency, status="unpaid", event_type="customer.subscription.updated"):
    subscription_id = sync_seats_of(agency.agency.id)[0]
    payload = seat_event(
        "evt_" + status, status, subscription_id, agency.agency.id, 1790000100, event_type
    )
    assert post_platform_hook(client, payload).json["outcome"] == status
    return subscription_id


def test_a_cancelled_subscription_suspends_the_agency(client, platform, agency):
    _unpaid(client, agency, "canceled", "customer.subscription.deleted")
    assert _is_suspended(agency)
    assert directory.agency(agency.agency.id).suspended_for_billing


def test_an_active_subscription_resumes_an_agency_suspended_for_it(client, platform, agency):
    subscription_id = _unpaid(client, agency)
    assert _is_suspended(agency)
    active = seat_event("evt_back", "active", subscription_id, agency.agency.id, 1790000200)
    assert post_platform_hook(client, active).json["outcome"] == "active"
    assert not _is_suspended(agency)


def test_a_suspension_by_the_operator_is_not_lifted_by_the_subscription(client, platform, agency):
    subscription_id = sync_seats_of(agency.agency.id)[0]
    _suspend(agency)  # by the operator
    active = seat_event("evt_active", "active", subscription_id, agency.agency.id, 1790000200)
    assert post_platform_hook(client, active).json["outcome"] == "active"
    assert _is_suspended(agency)


def test_the_owner_of_a_suspended_agency_updates_the_card_and_it_resumes(
    app, client, platform, agency, stripe_server
):
    app.config["STRIPE_PUBLISHABLE_KEY"] = "pk_test_platform"
    subscription_id = _unpaid(client, agency)
    sign_in(client, agency.owner)
    page = client.get("/console/subscription")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-status="unpaid"' in html and "Save the card and pay what is due" in html
    token = csrf_from(html)
    setup = client.post("/console/subscription/card-setup", headers={"X-CSRFToken": token})
    assert setup.status_code == 200
    intent_id = setup.json["client_secret"].split("_secret_")[0]
    platform.v1.setup_intents.confirm(
        intent_id, {"payment_method_data": {"type": "card", "card": CARD}}
    )
    saved = client.post(
        "/console/subscription/card", data={"csrf_token": token, "setup_intent": intent_id}
    )
    assert saved.status_code == 302
    with use_agency(agency.agency.id):
        customer_id = seats.subscription().stripe_customer_id
    customer = platform.v1.customers.retrieve(customer_id)
    method = platform.v1.payment_methods.retrieve(customer.invoice_settings.default_payment_method)
    assert method.card.last4 == "4242" and method.customer == customer_id
    assert _is_suspended(agency)  # until Stripe says the subscription is paid
    paid = seat_event("evt_paid_seats", "active", subscription_id, agency.agency.id, 1790000300)
    assert post_platform_hook(client, paid).json["outcome"] == "active"
    assert not _is_suspended(agency)


def test_only_the_owner_updates_the_card_and_only_with_a_saved_card(
    app, client, platform, agency, stripe_server
):
    _unpaid(client, agency)
    sign_in(client, agency.manager)
    html = client.get("/console/subscription").get_data(as_text=True)
    assert "Only the agency's owner can update the card." in html
    token = csrf_from(html)
    assert (
        client.post("/console/subscription/card-setup", headers={"X-CSRFToken": token})
    ).status_code == 403
    owner = app.test_client()
    sign_in(owner, agency.owner)
    token = csrf_from(owner.get("/console/subscription").get_data(as_text=True))
    unconfirmed = (
        owner.post("/console/subscription/card-setup", headers={"X-CSRFToken": token})
        .json["client_secret"]
        .split("_secret_")[0]
    )
    for setup_intent in ("", "seti_madeup", unconfirmed):
        answer = owner.post(
            "/console/subscription/card", data={"csrf_token": token, "setup_intent": setup_intent}
        )
        assert answer.status_code == 302
        assert "not saved yet" in owner.get("/console/subscription").get_data(as_text=True)
    assert _is_suspended(agency)
    with use_agency(agency.agency.id):
        assert db.session.scalar(select(BillingAccount)) is None


def test_a_suspended_agencys_calendar_feed_is_still_read(client, agency):
    from agency.domains.calendar.services import ensure_feed
    from agency.domains.clients.models import Client

    with use_agency(agency.agency.id):
        token = ensure_feed(db.session.get(Client, agency.client.id)).token
        db.session.commit()
    _suspend(agency)
    feed = client.get(f"/feeds/{token}.ics")
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
