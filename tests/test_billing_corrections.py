"""Correcting a period after its invoice is made: discard a draft, void an issued
invoice (in Stripe too, on localstripe), invoice the period again."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from agency.domains.billing import invoicing, reviews
from agency.domains.billing.models import Invoice, InvoiceEvent, StripeCustomer
from agency.domains.hours.models import TimeEntry
from agency.kernel import clock
from agency.kernel.database import db
from tenants import use_agency
from tests.billing_seed import api_as, invoice_event, post_hook, work
from tests.conftest import post_form, rows, sign_in

OCTOBER_RUN = {"on": "2026-11-05"}


@pytest.fixture
def api(client, agency):
    return api_as(client, agency.owner)


@pytest.fixture
def october(agency):
    """120 minutes worked in October 2026 (600 included at 30.00/h)."""
    return work(agency.agency.id, agency.client.id, datetime(2026, 10, 6, 9, tzinfo=UTC), 120)


def _draft(api) -> dict:
    [invoice] = api("POST", "/api/v1/invoices/run", OCTOBER_RUN).json
    return invoice


def _events(agency) -> list[tuple]:
    return [(e.action, e.number, e.reason) for e in rows(InvoiceEvent, agency.agency.id)]


def test_a_discarded_draft_reopens_its_period_and_a_run_drafts_it_again(
    api, agency, other_agency, october
):
    invoice = _draft(api)
    locked = api("PATCH", f"/api/v1/time-entries/{october}", {"minutes": 90, "reason": "typo"})
    assert locked.status_code == 409
    discarded = api(
        "POST", f"/api/v1/invoices/{invoice['id']}/discard", {"reason": "wrong minutes"}
    )
    assert discarded.status_code == 200, discarded.json
    assert discarded.json["action"] == "discarded" and discarded.json["invoice_id"] is None
    assert discarded.json["held_until"]
    assert rows(Invoice, agency.agency.id) == []
    fixed = api("PATCH", f"/api/v1/time-entries/{october}", {"minutes": 90, "reason": "typo"})
    assert fixed.status_code == 200
    [again] = api("POST", "/api/v1/invoices/run", OCTOBER_RUN).json
    assert (again["number"], again["used_minutes"]) == (invoice["number"], 90)
    history = api("GET", f"/api/v1/invoices/events?client_id={agency.client.id}").json
    assert [(e["action"], e["reason"]) for e in history] == [("discarded", "wrong minutes")]
    assert rows(InvoiceEvent, other_agency.agency.id) == []


def test_the_scheduled_run_leaves_a_reopened_period_to_the_manager_for_a_day(api, agency, october):
    from agency.domains.billing.services import run_for_agency

    discarded_at = datetime(2026, 11, 5, 10, tzinfo=UTC)
    clock.freeze(discarded_at)
    try:
        invoice = _draft(api)
        api("POST", f"/api/v1/invoices/{invoice['id']}/discard", {"reason": "wrong minutes"})
    finally:
        clock.freeze(None)
    soon = discarded_at + timedelta(hours=1)
    assert run_for_agency(agency.agency.id, soon)["invoices"] == 0
    later = discarded_at + timedelta(hours=25)
    assert run_for_agency(agency.agency.id, later)["invoices"] == 1
    [redrafted] = rows(Invoice, agency.agency.id)
    assert redrafted.period_start == date(2026, 10, 1)


@pytest.mark.parametrize(
    "action, body, status",
    [
        ("discard", {}, 422),
        ("discard", {"reason": "x"}, 422),
        ("void", {"reason": "not yet issued"}, 409),
    ],
)
def test_a_draft_is_only_discarded_with_a_reason(api, agency, october, action, body, status):
    invoice = _draft(api)
    response = api("POST", f"/api/v1/invoices/{invoice['id']}/{action}", body)
    assert response.status_code == status
    assert [i.status for i in rows(Invoice, agency.agency.id)] == ["draft"]
    assert rows(InvoiceEvent, agency.agency.id) == []


def _issue(api, drain, invoice) -> dict:
    assert api("POST", f"/api/v1/invoices/{invoice['id']}/issue").status_code == 200
    drain()
    return api("GET", f"/api/v1/invoices/{invoice['id']}").json


def test_an_issued_invoice_is_voided_in_stripe_and_its_period_invoiced_again(
    api, agency, october, stripe_alpha, drain
):
    issued = _issue(api, drain, _draft(api))
    assert stripe_alpha.v1.invoices.retrieve(issued["stripe_invoice_id"]).status == "open"
    assert (
        api(
            "POST", f"/api/v1/invoices/{issued['id']}/discard", {"reason": "not a draft"}
        ).status_code
        == 409
    )
    voided = api("POST", f"/api/v1/invoices/{issued['id']}/void", {"reason": "client left early"})
    assert voided.status_code == 200 and voided.json["status"] == "void"
    drain()
    assert stripe_alpha.v1.invoices.retrieve(issued["stripe_invoice_id"]).status == "void"
    again = api("POST", f"/api/v1/invoices/{issued['id']}/void", {"reason": "twice"})
    assert again.status_code == 409

    fixed = api("PATCH", f"/api/v1/time-entries/{october}", {"minutes": 60, "reason": "typo"})
    assert fixed.status_code == 200
    [second] = api("POST", "/api/v1/invoices/run", OCTOBER_RUN).json
    assert second["number"] == f"{issued['number']}-2" and second["used_minutes"] == 60
    reissued = _issue(api, drain, second)
    assert reissued["stripe_invoice_id"] != issued["stripe_invoice_id"]
    with use_agency(agency.agency.id):
        customer = db.session.scalar(select(StripeCustomer)).stripe_customer_id
    remote = stripe_alpha.v1.invoices.list({"customer": customer, "limit": 10}).data
    assert sorted(i.status for i in remote) == ["open", "void"]
    assert [a for a, _n, _r in _events(agency)] == ["issued", "voided", "issued"]


def test_a_void_before_the_push_ran_sends_nothing_to_stripe(
    api, agency, october, stripe_alpha, drain
):
    invoice = _draft(api)
    api("POST", f"/api/v1/invoices/{invoice['id']}/issue")
    api("POST", f"/api/v1/invoices/{invoice['id']}/void", {"reason": "issued by mistake"})
    drain()
    assert api("GET", f"/api/v1/invoices/{invoice['id']}").json["stripe_invoice_id"] is None
    assert rows(StripeCustomer, agency.agency.id) == []


def test_a_paid_invoice_cannot_be_voided(client, api, agency, october, stripe_alpha, drain):
    issued = _issue(api, drain, _draft(api))
    post_hook(client, invoice_event("evt_paid", "invoice.paid", issued["stripe_invoice_id"]))
    response = api("POST", f"/api/v1/invoices/{issued['id']}/void", {"reason": "refund"})
    assert response.status_code == 409
    assert api("GET", f"/api/v1/invoices/{issued['id']}").json["status"] == "paid"


def test_an_invoice_voided_in_stripe_reopens_its_period(
    client, api, agency, october, stripe_alpha, drain
):
    issued = _issue(api, drain, _draft(api))
    post_hook(client, invoice_event("evt_void", "invoice.voided", issued["stripe_invoice_id"]))
    assert api("GET", f"/api/v1/invoices/{issued['id']}").json["status"] == "void"
    assert ("voided", issued["number"], "Voided in Stripe.") in _events(agency)
    fixed = api("PATCH", f"/api/v1/time-entries/{october}", {"minutes": 60, "reason": "typo"})
    assert fixed.status_code == 200


def test_the_console_discards_and_voids_with_a_reason_and_shows_the_history(
    app, client, agency, october, drain
):
    sign_in(client, agency.manager)
    with use_agency(agency.agency.id):
        [invoice_id] = invoicing.run(on=date(2026, 11, 5))
    page = f"/console/invoices/{invoice_id}"
    assert "Discard this draft" in client.get(page).get_data(as_text=True)
    refused = post_form(client, f"/console/invoices/{invoice_id}/discard", {}, page=page)
    assert refused.status_code == 302 and len(rows(Invoice, agency.agency.id)) == 1
    done = post_form(
        client, f"/console/invoices/{invoice_id}/discard", {"reason": "wrong hours"}, page=page
    )
    assert done.headers["Location"].endswith(f"/console/hours/{agency.client.id}")
    ledger = client.get(f"/console/hours/{agency.client.id}").get_data(as_text=True)
    assert "Draft discarded" in ledger and "wrong hours" in ledger
    assert rows(Invoice, agency.agency.id) == []

    with use_agency(agency.agency.id):
        [invoice_id] = invoicing.run(on=date(2026, 11, 5))
        reviews.issue(db.session.get(Invoice, invoice_id), agency.manager.id)
    page = f"/console/invoices/{invoice_id}"
    assert "Void this invoice" in client.get(page).get_data(as_text=True)
    post_form(client, f"/console/invoices/{invoice_id}/void", {"reason": "sent twice"}, page=page)
    drain()
    shown = client.get(page).get_data(as_text=True)
    assert "sent twice" in shown and "voided" in shown
    assert [i.status for i in rows(Invoice, agency.agency.id)] == ["void"]
    with use_agency(agency.agency.id):
        assert db.session.get(TimeEntry, october).raw_minutes == 120
