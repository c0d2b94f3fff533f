"""A new client signs up on the agency's page, saves a card in the Stripe Elements stand-in
of localstripe, and lands on the portal's onboarding checklist."""

import re
from datetime import UTC, datetime

from sqlalchemy import select

from agency.domains.billing.models import BillingAccount, StripeCustomer
from agency.domains.contracts.services import create_plan
from agency.kernel.database import db
from tenants import use_agency
from tests.browser.conftest import shoot

SECRET = "sk_test_alpha_browser"


def test_a_client_signs_up_with_a_card_and_sees_the_onboarding_checklist(
    app, agency, stripe_server, live_server, browser_page
):
    app.config["STRIPE_API_BASE"] = stripe_server
    with use_agency(agency.agency.id):
        db.session.add(
            BillingAccount(
                stripe_secret_key=SECRET,
                stripe_publishable_key="pk_test_alpha",
                terms_text="The agency answers your calls in your name.",
                terms_version=1,
                terms_updated_at=datetime(2026, 11, 1, 9, tzinfo=UTC),
            )
        )
        create_plan(
            {
                "name": "Front desk 20",
                "included_minutes": 1200,
                "hourly_rate_minor": 2500,
                "overage_rate_minor": 3500,
                "currency": "EUR",
            }
        )
        db.session.commit()

    page = browser_page
    page.goto(f"{live_server}/a/alpha/signup")
    page.get_by_label(re.compile("Front desk 20")).check()
    page.fill("[name=business_name]", "Oliveira Dental")
    page.fill("[name=languages]", "pt, en")
    page.fill("[name=name]", "Ana Oliveira")
    page.fill("[name=email]", "ana@oliveira-dental.example")
    page.fill("[name=password]", "a-long-enough-password")
    page.check("[name=accept_terms]")
    card = page.locator("#card-element")
    card.locator("input[placeholder=number]").fill("4242424242424242")
    card.locator("input[placeholder=exp_month]").fill("12")
    card.locator("input[placeholder=exp_year]").fill("30")
    card.locator("input[placeholder=cvc]").fill("123")
    card.locator("input[placeholder=postal_code]").fill("1000")
    shoot(page, "client-signup")
    page.get_by_role("button", name="Start my plan").click()
    page.wait_for_url(re.compile(r"/portal/onboarding$"))
    checklist = page.locator("#onboarding-checklist")
    assert "Your plan has started: Front desk 20" in checklist.inner_text()
    assert page.locator('[data-step="card"].done').count() == 1
    shoot(page, "client-onboarding")
    with use_agency(agency.agency.id):
        assert db.session.scalar(select(StripeCustomer.stripe_customer_id)).startswith("cus_")


def test_a_client_signs_up_with_the_demo_agency_without_a_card(app, live_server, browser_page):
    from agency.demo import DEMO_SLUG, load
    from agency.domains.accounts.models import User
    from agency.domains.clients.models import Client
    from agency.domains.contracts.models import Contract
    from tenants import directory

    assert load()
    agency_id = directory.agency_of_slug(DEMO_SLUG)
    db.session.remove()

    page = browser_page
    page.goto(f"{live_server}/a/{DEMO_SLUG}/signup")
    assert page.locator("#card-element").count() == 0
    assert "No card is needed" in page.inner_text("#no-card")
    page.get_by_label(re.compile("Professional")).check()
    page.fill("[name=business_name]", "Costa Architects")
    page.fill("[name=name]", "Rui Costa")
    page.fill("[name=email]", "rui@costa-architects.example")
    page.fill("[name=password]", "a-long-enough-password")
    page.check("[name=accept_terms]")
    page.get_by_role("button", name="Start my plan").click()
    page.wait_for_url(re.compile(r"/portal/onboarding$"))
    assert "No card was needed" in page.inner_text("main")

    db.session.remove()
    with use_agency(agency_id):
        client = db.session.scalar(select(Client).where(Client.name == "Costa Architects"))
        contract = db.session.scalar(select(Contract).where(Contract.client_id == client.id))
        user = db.session.scalar(select(User).where(User.client_id == client.id))
        assert contract.plan_name == "Professional" and contract.status == "active"
        assert contract.terms_version == 1
        assert user.email == "rui@costa-architects.example"
        assert (
            db.session.scalar(select(StripeCustomer).where(StripeCustomer.client_id == client.id))
            is None
        )
