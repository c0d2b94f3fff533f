"""Client self-service signup on the agency's page, with the card saved through localstripe."""

import re
from datetime import UTC, datetime

import pytest
import stripe
from sqlalchemy import select

from agency.domains.accounts.models import User
from agency.domains.billing.models import BillingAccount, StripeCustomer
from agency.domains.calls import services as calls
from agency.domains.calls.models import Call
from agency.domains.clients.models import Client
from agency.domains.contracts.models import Contract
from agency.domains.contracts.services import create_plan
from agency.domains.mail.models import ClientMailRules
from agency.kernel.database import db
from tenants import use_agency
from tests.conftest import csrf_from, rows, sign_in

SECRET = "sk_test_alpha_signup"
TERMS = "1. The agency answers your calls in your name.\n2. Hours are billed monthly."
CARD = {"number": "4242424242424242", "exp_month": "12", "exp_year": "2030", "cvc": "123"}


@pytest.fixture
def open_signup(app, agency, stripe_server):
    app.config["STRIPE_API_BASE"] = stripe_server
    with use_agency(agency.agency.id):
        db.session.add(
            BillingAccount(
                stripe_secret_key=SECRET,
                stripe_publishable_key="pk_test_alpha",
                terms_text=TERMS,
                terms_version=3,
                terms_updated_at=datetime(2026, 11, 1, 9, tzinfo=UTC),
            )
        )
        plan = create_plan(
            {
                "name": "Front desk 20",
                "included_minutes": 1200,
                "hourly_rate_minor": 2500,
                "overage_rate_minor": 3500,
                "currency": "EUR",
                "rounding_minutes": 15,
            }
        )
        db.session.commit()
        return stripe.StripeClient(SECRET, base_addresses={"api": stripe_server}), plan.id


def _card_step(client, html):
    """What the page's script does when the form is sent: ask for the SetupIntent."""
    return client.post("/a/alpha/signup/card", headers={"X-CSRFToken": csrf_from(html)})


def _page(client):
    html = client.get("/a/alpha/signup").get_data(as_text=True)
    secret = _card_step(client, html).json["client_secret"]
    return html, secret, secret.split("_secret_")[0]


def _confirm_card(api, setup_intent_id):
    """What Stripe.js does in the browser: the card goes to Stripe, never to us."""
    api.v1.setup_intents.confirm(
        setup_intent_id, {"payment_method_data": {"type": "card", "card": CARD}}
    )


def _form(plan, **changes):
    data = {
        "plan_id": str(plan),
        "business_name": "Oliveira Dental",
        "name": "Ana Oliveira",
        "email": "ana@oliveira-dental.example",
        "languages": "pt, en",
        "password": "a-long-enough-password",
        "accept_terms": "y",
        "terms_version": "3",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_signup_makes_a_client_with_a_contract_and_a_stripe_customer_with_the_card(
    client, agency, other_agency, open_signup, mail, drain
):
    api, plan_id = open_signup
    html, _secret, intent = _page(client)
    assert "Front desk 20" in html and "€500.00" in html
    _confirm_card(api, intent)
    response = client.post(
        "/a/alpha/signup",
        data={**_form(plan_id, setup_intent=intent), "csrf_token": csrf_from(html)},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"].endswith("/portal/onboarding")
    with use_agency(agency.agency.id):
        new = db.session.scalar(select(Client).where(Client.name == "Oliveira Dental"))
        assert new.languages == ["pt", "en"]
        contract = db.session.scalar(select(Contract).where(Contract.client_id == new.id))
        assert (contract.status, contract.plan_name, contract.included_minutes) == (
            "active",
            "Front desk 20",
            1200,
        )
        assert contract.terms_version == 3 and contract.terms_accepted_at is not None
        assert contract.rounding_minutes == 15
        user = db.session.scalar(select(User).where(User.email == "ana@oliveira-dental.example"))
        assert (user.role, user.client_id) == ("client", new.id)
        customer_id = db.session.scalar(
            select(StripeCustomer.stripe_customer_id).where(StripeCustomer.client_id == new.id)
        )
    customer = api.v1.customers.retrieve(customer_id)
    methods = api.v1.payment_methods.list({"customer": customer_id, "type": "card"})
    assert [m.card.last4 for m in methods.data] == ["4242"]
    assert customer.invoice_settings.default_payment_method == methods.data[0].id

    checklist = client.get("/portal/onboarding").get_data(as_text=True)
    assert 'data-step="plan" class="done"' in checklist
    assert 'data-step="card" class="done"' in checklist
    assert 'data-step="vips" class="todo"' in checklist
    drain()
    told = mail.to("manager@alpha.example")
    assert told and "Oliveira Dental" in told[0]["Subject"]
    assert f"/console/clients/{new.id}/matches" in told[0].get_payload()
    assert rows(Client, other_agency.agency.id)[0].name == "Bravo Client"


@pytest.mark.parametrize(
    "change, field",
    [
        ({"accept_terms": None}, "Accept the terms"),
        ({"email": "not-an-email"}, "email"),
        ({"password": "short"}, "password"),
        ({"plan_id": "999999"}, "Choose one of the plans"),
        ({"plan_id": "cheap"}, "Choose one of the plans"),
        ({"languages": "klingon"}, "language"),
    ],
)
def test_bad_signup_input_is_refused_and_writes_nothing(client, agency, open_signup, change, field):
    api, plan_id = open_signup
    html, _secret, intent = _page(client)
    _confirm_card(api, intent)
    data = _form(plan_id, setup_intent=intent, **change)
    response = client.post("/a/alpha/signup", data={**data, "csrf_token": csrf_from(html)})
    assert response.status_code in (400, 422)
    assert field.lower() in response.get_data(as_text=True).lower()
    assert len(rows(Client, agency.agency.id)) == 1
    assert rows(StripeCustomer, agency.agency.id) == []


def test_a_card_not_confirmed_with_stripe_is_refused(client, agency, open_signup):
    _api, plan_id = open_signup
    html, _secret, intent = _page(client)
    for setup_intent in ("", intent, "seti_doesnotexist", "pm_123"):
        response = client.post(
            "/a/alpha/signup",
            data={**_form(plan_id, setup_intent=setup_intent), "csrf_token": csrf_from(html)},
        )
        assert response.status_code == 422
        assert "card" in response.get_data(as_text=True).lower()
    assert len(rows(Client, agency.agency.id)) == 1


def test_an_email_with_a_login_here_is_a_conflict(client, agency, open_signup):
    api, plan_id = open_signup
    html, _secret, intent = _page(client)
    _confirm_card(api, intent)
    data = _form(plan_id, setup_intent=intent, email="client@alpha.example")
    response = client.post("/a/alpha/signup", data={**data, "csrf_token": csrf_from(html)})
    assert response.status_code == 409
    assert len(rows(Client, agency.agency.id)) == 1


def test_signup_is_closed_without_the_agencys_stripe_keys(client, agency):
    page = client.get("/a/alpha/signup")
    assert page.status_code == 200
    assert "not open" in page.get_data(as_text=True)
    assert client.get("/a/nobody/signup").status_code == 404


def test_the_checklist_gives_the_number_and_address_to_forward_to(client, agency, login_as):
    with use_agency(agency.agency.id):
        calls.add_number({"number": "+351210000123", "client_id": agency.client.id})
    login_as(agency.client_user)
    page = client.get("/portal/onboarding").get_data(as_text=True)
    assert "Forward your phone line to +351210000123" in page
    assert 'data-step="phone" class="todo"' in page
    with use_agency(agency.agency.id):
        alias = db.session.scalar(
            select(ClientMailRules.alias).where(ClientMailRules.client_id == agency.client.id)
        )
        db.session.add(
            Call(
                call_sid="CA-onboarding",
                client_id=agency.client.id,
                from_number="+351910000000",
                to_number="+351210000123",
                action="ring",
                rule="default",
            )
        )
        db.session.commit()
    assert f"Forward your email to {alias}@" in page
    page = client.get("/portal/onboarding").get_data(as_text=True)
    assert 'data-step="phone" class="done"' in page
    assert 'data-step="email" class="todo"' in page


def test_the_plans_show_their_rollover_and_approval_of_extra_hours(client, agency, open_signup):
    from agency.domains.contracts.models import Plan

    _api, plan_id = open_signup
    with use_agency(agency.agency.id):
        plan = db.session.get(Plan, plan_id)
        plan.rollover_periods, plan.overage_needs_approval = 2, True
        db.session.commit()
    html, _secret, _intent = _page(client)
    assert "Unused hours roll over for 2 periods." in html
    assert "Extra hours only with your approval." in html


def test_showing_the_signup_page_makes_no_setup_intent(client, agency, open_signup, stripe_server):
    from tests.stripe_server import requests_sent

    before = len(requests_sent(stripe_server))
    html = client.get("/a/alpha/signup").get_data(as_text=True)
    client.get("/a/alpha/signup")
    assert "data-client-secret" not in html and "seti_" not in html
    assert [r for r in requests_sent(stripe_server)[before:] if "setup_intents" in r["path"]] == []


def test_the_card_step_makes_one_setup_intent_per_session_with_our_key(
    client, agency, open_signup, stripe_server
):
    from tests.stripe_server import requests_sent

    api, _plan_id = open_signup
    before = len(requests_sent(stripe_server))
    html = client.get("/a/alpha/signup").get_data(as_text=True)
    first = _card_step(client, html).json["client_secret"]
    assert _card_step(client, html).json["client_secret"] == first
    made = [
        r
        for r in requests_sent(stripe_server)[before:]
        if r["method"] == "POST" and r["path"] == "/v1/setup_intents"
    ]
    assert len(made) == 1 and made[0]["idempotency_key"].startswith("secretariat-signup-card-")
    intent = api.v1.setup_intents.retrieve(first.split("_secret_")[0])
    assert intent.metadata["secretariat_agency_id"] == str(agency.agency.id)
    _confirm_card(api, intent.id)  # used: the next card step makes a new one
    assert _card_step(client, html).json["client_secret"] != first
    other = client.application.test_client()
    other_html = other.get("/a/alpha/signup").get_data(as_text=True)
    assert _card_step(other, other_html).json["client_secret"] != first
    assert client.post("/a/alpha/signup/card").status_code == 400  # no CSRF token


def test_a_card_used_for_one_signup_cannot_sign_up_another_client(client, agency, open_signup):
    api, plan_id = open_signup
    html, _secret, intent = _page(client)
    _confirm_card(api, intent)
    first = client.post(
        "/a/alpha/signup",
        data={**_form(plan_id, setup_intent=intent), "csrf_token": csrf_from(html)},
    )
    assert first.status_code == 302
    again = client.application.test_client()
    html = again.get("/a/alpha/signup").get_data(as_text=True)
    second = again.post(
        "/a/alpha/signup",
        data={
            **_form(plan_id, setup_intent=intent, email="someone@else.example"),
            "csrf_token": csrf_from(html),
        },
    )
    assert second.status_code == 409
    assert "already used" in second.get_data(as_text=True)
    assert len(rows(Client, agency.agency.id)) == 2
    assert len(rows(StripeCustomer, agency.agency.id)) == 1


def test_the_terms_are_linked_and_a_change_meanwhile_is_caught(client, agency, open_signup):
    api, plan_id = open_signup
    html, _secret, intent = _page(client)
    assert "/a/alpha/terms" in html and "version 3" in html
    terms = client.get("/a/alpha/terms")
    assert terms.status_code == 200
    assert "Hours are billed monthly." in terms.get_data(as_text=True)
    _confirm_card(api, intent)
    stale = client.post(
        "/a/alpha/signup",
        data={
            **_form(plan_id, setup_intent=intent, terms_version="2"),
            "csrf_token": csrf_from(html),
        },
    )
    assert stale.status_code == 409
    assert "terms changed" in stale.get_data(as_text=True)
    assert len(rows(Client, agency.agency.id)) == 1


def test_signup_is_closed_until_the_agency_writes_its_terms(client, agency, open_signup):
    with use_agency(agency.agency.id):
        db.session.scalar(select(BillingAccount)).terms_text = None
        db.session.commit()
    page = client.get("/a/alpha/signup").get_data(as_text=True)
    assert "not open" in page
    assert client.get("/a/alpha/terms").status_code == 404
    card = client.post("/a/alpha/signup/card", headers={"X-CSRFToken": csrf_from(page)})
    assert card.status_code == 409


def test_someone_signed_in_elsewhere_sees_an_agencys_public_pages_as_any_visitor(
    app, agency, other_agency, open_signup
):
    elsewhere = app.test_client()
    sign_in(elsewhere, other_agency.owner)
    terms = elsewhere.get("/a/alpha/terms")
    assert terms.status_code == 200 and "Hours are billed monthly." in terms.get_data(as_text=True)
    assert "Bravo" not in elsewhere.get("/a/alpha/").get_data(as_text=True)
    with use_agency(agency.agency.id):
        db.session.scalar(select(BillingAccount)).terms_text = None
        db.session.commit()
    assert elsewhere.get("/a/alpha/terms").status_code == 404
    assert app.test_client().get("/a/alpha/terms").status_code == 404
    assert elsewhere.get("/console/").status_code == 200  # still signed in to Bravo


def _steps(page: str) -> dict[str, tuple]:
    """Each checklist step: (done or todo, the link it gives, if any)."""
    found = re.findall(
        r'<li data-step="(\w+)" class="(done|todo)">\s*\S+\s*(?:<a href="([^"]+)">)?', page
    )
    return {key: (state, link) for key, state, link in found}


def test_every_step_the_client_takes_links_to_where_it_is_done(client, agency, login_as):
    login_as(agency.client_user)
    steps = _steps(client.get("/portal/onboarding").get_data(as_text=True))
    assert steps["hours"] == ("todo", "/portal/calls/rules")
    assert steps["vips"] == ("todo", "/portal/calls/rules")
    assert steps["rules"][1] == "/portal/calls/rules"
    assert steps["calendar"] == ("todo", "/portal/calendar")
    assert steps["phone"][1] == "/portal/calls/" and steps["email"][1] == "/portal/mail/"
    assert steps["secretary"] == ("done", "")  # the agency's step: no link for the client
    for link in {link for _state, link in steps.values() if link}:
        assert client.get(link).status_code == 200, link


def test_vips_saved_in_the_portals_call_rules_tick_the_vip_step(client, agency, login_as):
    from agency.domains.calls import services as call_services

    login_as(agency.client_user)
    assert _steps(client.get("/portal/onboarding").get_data(as_text=True))["vips"][0] == "todo"
    with use_agency(agency.agency.id):
        client_row = db.session.get(Client, agency.client.id)
        call_services.save_rules(client_row, {"vip_numbers": ["+351912345678"]})
    steps = _steps(client.get("/portal/onboarding").get_data(as_text=True))
    assert steps["vips"][0] == "done" and steps["rules"][0] == "done"


def test_the_hours_step_needs_hours_on_at_least_one_day(client, agency, login_as):
    login_as(agency.client_user)
    with use_agency(agency.agency.id):
        db.session.get(Client, agency.client.id).business_hours = {"mon": []}
        db.session.commit()
    assert _steps(client.get("/portal/onboarding").get_data(as_text=True))["hours"][0] == "todo"
    with use_agency(agency.agency.id):
        db.session.get(Client, agency.client.id).business_hours = {"mon": [["09:00", "17:00"]]}
        db.session.commit()
    assert _steps(client.get("/portal/onboarding").get_data(as_text=True))["hours"][0] == "done"


def test_a_closed_signup_says_why_to_the_manager_and_politely_to_the_visitor(client, agency):
    """No plan and no terms: the visitor reads that signup is not open; the agency's own
    manager reads why, with where to fix it."""
    visitor = client.get("/a/alpha/signup").get_data(as_text=True)
    assert 'id="signup-closed"' in visitor and 'id="signup-closed-why"' not in visitor
    sign_in(client, agency.manager)
    manager = client.get("/a/alpha/signup").get_data(as_text=True)
    assert "There is no plan to choose." in manager
    assert "There are no terms for new clients to accept." in manager
