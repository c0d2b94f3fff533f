"""Invoices of closed periods: exact amounts, Stripe (localstripe), webhooks, the billed lock."""

import gc
import io
import threading
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import psycopg
import pytest
from babel.dates import format_date
from babel.numbers import format_currency
from pypdf import PdfReader
from sqlalchemy import create_engine, delete, func, select, text

from agency.domains.accounts.models import User
from agency.domains.billing import invoicing
from agency.domains.billing.models import (
    Invoice,
    InvoiceEvent,
    InvoiceLine,
    InvoiceStatus,
    StripeCustomer,
    StripeEvent,
)
from agency.domains.billing.services import save_account
from agency.domains.clients.models import Client
from agency.domains.contracts.models import Contract
from agency.domains.sla.models import Holiday
from agency.kernel import bulk, clock
from agency.kernel.database import db
from agency.kernel.i18n import LANGUAGES
from tenants import use_agency
from tests.billing_seed import (
    ALPHA_STRIPE_KEY,
    PLATFORM_HOOK_SECRET,
    WEBHOOK_SECRET,
    api_as,
    client_on_contract,
    invoice_event,
    post_hook,
    post_platform_hook,
    work,
)
from tests.conftest import post_form, sign_in
from tests.i18n_check import problems
from tests.servers import unreachable_redis
from tests.stripe_server import sign

LISBON = ZoneInfo("Europe/Lisbon")

pytestmark = pytest.mark.sqlite


@pytest.fixture
def api(client, agency):
    return api_as(client, agency.owner)


def count(agency_id, model) -> int:
    with use_agency(agency_id):
        return db.session.scalar(select(func.count(model.id)))


def october_with_overage(agency):
    """700 billable minutes in October 2026 (600 included) and a postage expense."""
    a, c = agency.agency.id, agency.client.id
    with use_agency(a):
        db.session.get(Contract, agency.contract.id).rounding_minutes = 1
        db.session.commit()
    work(a, c, datetime(2026, 10, 5, 9, 0, tzinfo=UTC), 400)
    work(a, c, datetime(2026, 10, 20, 14, 0, tzinfo=UTC), 300)
    with use_agency(a):
        from agency.domains.billing.expenses import add_expense

        add_expense(
            {
                "client_id": c,
                "description": "Postage",
                "amount_minor": 250,
                "currency": "EUR",
                "incurred_on": "2026-10-12",
            },
            None,
        )


def test_invoice_lines_are_exact_to_the_cent(api, agency, other_agency, stripe_alpha):
    october_with_overage(agency)
    response = api("POST", "/api/v1/invoices/run", {"on": "2026-11-05"})
    assert response.status_code == 200, response.json
    [invoice] = response.json
    amounts = [(line["kind"], line["amount_minor"]) for line in invoice["lines"]]
    # 600 min at 30.00/h = 300.00; 100 min at 40.00/h = 66.666… -> 66.67 (half up);
    # 23 % of 369.17 = 84.9091 -> 84.91.
    assert amounts == [
        ("included", 30000),
        ("overage", 6667),
        ("expense", 250),
        ("tax", 8491),
    ]
    assert (invoice["subtotal_minor"], invoice["tax_minor"], invoice["total_minor"]) == (
        36917,
        8491,
        45408,
    )
    assert invoice["period_start"] == "2026-10-01" and invoice["period_end"] == "2026-11-01"
    assert invoice["currency"] == "EUR" and invoice["status"] == "draft"
    assert count(other_agency.agency.id, Invoice) == 0


EXPECTED_LINES = [
    ("Alpha Plan: 10.00 hours included", 30000),
    ("Overage: 1.67 hours", 6667),
    ("Postage", 250),
    ("Tax 23%", 8491),
]


def _issue_october(api, agency, drain):
    october_with_overage(agency)
    [invoice] = api("POST", "/api/v1/invoices/run", {"on": "2026-11-05"}).json
    issued = api("POST", f"/api/v1/invoices/{invoice['id']}/issue")
    assert issued.status_code == 200 and issued.json["status"] == "open"
    drain()
    return api("GET", f"/api/v1/invoices/{invoice['id']}").json


def _customer_id(agency) -> str:
    with use_agency(agency.agency.id):
        return db.session.scalar(select(StripeCustomer)).stripe_customer_id


def _remote_lines(remote) -> list[tuple]:
    return [(line.description, line.amount) for line in remote.lines.data]


def test_issued_invoice_becomes_a_finalized_stripe_invoice_with_exactly_our_lines(
    api, agency, stripe_alpha, drain
):
    invoice = _issue_october(api, agency, drain)
    assert invoice["stripe_invoice_id"]
    remote = stripe_alpha.v1.invoices.retrieve(invoice["stripe_invoice_id"])
    assert _remote_lines(remote) == EXPECTED_LINES
    assert remote.status == "open"  # finalized: Stripe collects it
    assert (remote.total, remote.currency) == (45408, "eur")
    assert remote.customer == _customer_id(agency)
    assert remote.subscription is None
    # No saved card: Stripe emails the invoice with a due date instead of charging.
    assert (remote.collection_method, remote.days_until_due) == ("send_invoice", 14)
    assert remote.auto_advance is True
    assert remote.metadata["secretariat_invoice_id"] == str(invoice["id"])
    with use_agency(agency.agency.id):
        stored = db.session.scalars(select(InvoiceLine.stripe_item_id)).all()
    assert len(stored) == 4 and all(item.startswith("ii_") for item in stored)


def test_a_client_with_a_saved_card_is_charged_automatically(api, agency, stripe_alpha, drain):
    card = stripe_alpha.v1.payment_methods.create(
        {
            "type": "card",
            "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"},
        }
    )
    customer = stripe_alpha.v1.customers.create(
        {
            "name": "Alpha Client",
            "payment_method": card.id,
            "invoice_settings": {"default_payment_method": card.id},
        }
    )
    with use_agency(agency.agency.id):
        db.session.add(StripeCustomer(client_id=agency.client.id, stripe_customer_id=customer.id))
        db.session.commit()
    invoice = _issue_october(api, agency, drain)
    remote = stripe_alpha.v1.invoices.retrieve(invoice["stripe_invoice_id"])
    assert remote.collection_method == "charge_automatically"
    assert remote.customer == customer.id and _remote_lines(remote) == EXPECTED_LINES


def test_the_customers_other_pending_items_stay_out_of_our_invoice(
    api, agency, stripe_alpha, drain
):
    """An item someone added in Stripe's dashboard is not swept into the period's bill."""
    from agency.domains.billing.stripe_account import client_for, customer_for
    from agency.domains.clients.models import Client

    october_with_overage(agency)
    with use_agency(agency.agency.id):
        customer_id = customer_for(
            client_for(ALPHA_STRIPE_KEY), db.session.get(Client, agency.client.id)
        ).stripe_customer_id
    stray = stripe_alpha.v1.invoice_items.create(
        {
            "customer": customer_id,
            "amount": 999,
            "currency": "eur",
            "description": "Set up in the dashboard",
        }
    )
    [invoice] = api("POST", "/api/v1/invoices/run", {"on": "2026-11-05"}).json
    api("POST", f"/api/v1/invoices/{invoice['id']}/issue")
    drain()
    stripe_id = api("GET", f"/api/v1/invoices/{invoice['id']}").json["stripe_invoice_id"]
    remote = stripe_alpha.v1.invoices.retrieve(stripe_id)
    assert _remote_lines(remote) == EXPECTED_LINES and remote.total == 45408
    assert stripe_alpha.v1.invoice_items.retrieve(stray.id).invoice is None


def test_every_stripe_call_of_a_push_carries_our_idempotency_key(
    api, agency, stripe_alpha, stripe_server, drain
):
    from tests.stripe_server import requests_sent

    before = len(requests_sent(stripe_server))
    invoice = _issue_october(api, agency, drain)
    posts = [r for r in requests_sent(stripe_server)[before:] if r["method"] == "POST"]
    assert [r["path"] for r in posts] == [
        "/v1/customers",
        "/v1/invoices",
        *["/v1/invoiceitems"] * 4,
        f"/v1/invoices/{invoice['stripe_invoice_id']}/finalize",
    ]
    keys = [r["idempotency_key"] for r in posts]
    assert all(key and key.startswith("secretariat-") for key in keys), keys
    assert len(set(keys)) == len(keys)


def test_a_second_run_and_a_second_push_change_nothing(
    api, agency, stripe_alpha, stripe_server, drain
):
    from agency.domains.billing.stripe_account import push
    from tests.stripe_server import requests_sent

    invoice = _issue_october(api, agency, drain)
    before = count(agency.agency.id, InvoiceLine)
    assert api("POST", "/api/v1/invoices/run", {"on": "2026-11-05"}).json == []
    assert api("POST", "/api/v1/invoices/run", {"on": "2026-11-28"}).json == []
    again = api("POST", f"/api/v1/invoices/{invoice['id']}/issue")
    assert again.status_code == 409
    sent = len(requests_sent(stripe_server))
    with use_agency(agency.agency.id):
        assert push(invoice["id"]) == invoice["stripe_invoice_id"]
    assert [r["method"] for r in requests_sent(stripe_server)[sent:]] == ["GET"]
    drain()
    assert count(agency.agency.id, Invoice) == 1
    assert count(agency.agency.id, InvoiceLine) == before
    remote = stripe_alpha.v1.invoices.list({"customer": _customer_id(agency), "limit": 100})
    assert [(i.id, i.total) for i in remote.data] == [(invoice["stripe_invoice_id"], 45408)]


def test_a_push_retried_after_losing_what_it_stored_makes_nothing_twice(
    api, agency, stripe_alpha, drain
):
    """The worker died after Stripe answered but before our writes: the retry's keys get
    the same invoice and items back from Stripe."""
    from agency.domains.billing.stripe_account import push

    invoice = _issue_october(api, agency, drain)
    with use_agency(agency.agency.id):
        stored = db.session.get(Invoice, invoice["id"])
        stored.stripe_invoice_id = None
        for line in stored.lines:
            line.stripe_item_id = None
        db.session.commit()
        assert push(invoice["id"]) == invoice["stripe_invoice_id"]
    remote = stripe_alpha.v1.invoices.list({"customer": _customer_id(agency), "limit": 100})
    assert len(remote.data) == 1
    assert _remote_lines(remote.data[0]) == EXPECTED_LINES
    assert remote.data[0].status == "open"


def test_edits_after_invoicing_are_refused(api, agency, stripe_alpha):
    october_with_overage(agency)
    entry_id = work(agency.agency.id, agency.client.id, datetime(2026, 10, 30, 9, tzinfo=UTC), 30)
    api("POST", "/api/v1/invoices/run", {"on": "2026-11-05"})
    response = api("PATCH", f"/api/v1/time-entries/{entry_id}", {"minutes": 5, "reason": "typo"})
    assert response.status_code == 409
    late = api(
        "POST",
        "/api/v1/time-entries/",
        {
            "client_id": agency.client.id,
            "started_at": "2026-10-15T10:00:00+00:00",
            "minutes": 20,
            "reason": "forgotten call",
        },
    )
    assert late.status_code == 409
    listed = api("GET", f"/api/v1/time-entries/?client_id={agency.client.id}").json
    assert all(e["locked"] for e in listed)
    with use_agency(agency.agency.id):
        from agency.domains.hours.models import TimeEntry

        assert db.session.get(TimeEntry, entry_id).raw_minutes == 30


def _pdf_text(api, invoice_id) -> str:
    response = api("GET", f"/api/v1/invoices/{invoice_id}/pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    return " ".join(
        " ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(response.data)).pages
    )


def test_the_invoice_pdf_carries_what_a_client_expects(api, agency, stripe_alpha, drain):
    with use_agency(agency.agency.id):
        save_account(
            {"tax_basis_points": 2300, "payment_terms_days": 21,
             "agency_address": "Rua Augusta 10\n1100-053 Lisboa"}
        )  # fmt: skip
        db.session.get(Client, agency.client.id).address = "Avenida da Liberdade 200\nLisboa"
        db.session.commit()
    october_with_overage(agency)
    [draft] = api("POST", "/api/v1/invoices/run", {"on": "2026-11-05"}).json
    assert "not issued yet" in _pdf_text(api, draft["id"])
    api("POST", f"/api/v1/invoices/{draft['id']}/issue")
    drain()
    invoice = api("GET", f"/api/v1/invoices/{draft['id']}").json
    text = _pdf_text(api, invoice["id"])

    issued_on = datetime.fromisoformat(invoice["issued_at"]).astimezone(LISBON).date()
    for expected in (
        "Alpha", "Rua Augusta 10", "1100-053 Lisboa",  # the agency, and its address
        "Bill to Alpha Client", "Avenida da Liberdade 200",
        f"Invoice number {invoice['number']}",
        f"Issue date {format_date(issued_on, locale='en')}",
        f"Due date {format_date(issued_on + timedelta(days=21), locale='en')}",
        # the period by its last day, not the exclusive end
        f"Period {format_date(date(2026, 10, 1), locale='en')} to "
        f"{format_date(date(2026, 10, 31), locale='en')}",
        "Postage",
        f"Subtotal {money_en(invoice['subtotal_minor'])}",
        f"Tax (23 %) {money_en(invoice['tax_minor'])}",
        f"Total {money_en(invoice['total_minor'])}",
        "Payment terms: 21 days.",
        "Time entries",
    ):  # fmt: skip
        assert expected in text, (expected, text)
    assert "Nov 1, 2026" not in text  # the exclusive end is not shown

    with use_agency(agency.agency.id):
        db.session.get(Contract, agency.contract.id).itemise_time = False
        db.session.commit()
    assert "Time entries" not in _pdf_text(api, invoice["id"])


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_invoice_pdf_is_in_its_readers_language(api, agency, drain, language):
    """The PDF speaks the language of whoever reads it: no English sentence of the
    catalogue left in another language, no code in any."""
    with use_agency(agency.agency.id):
        db.session.get(User, agency.owner.id).locale = language
        db.session.commit()
    october_with_overage(agency)
    [draft] = api("POST", "/api/v1/invoices/run", {"on": "2026-11-05"}).json
    found = problems(_pdf_text(api, draft["id"]), language, "invoice PDF")
    assert not found, "\n".join(found)


def money_en(minor: int) -> str:
    return format_currency(minor / 100, "EUR", locale="en")


# --- webhooks --------------------------------------------------------------------------------


@pytest.fixture
def issued(api, agency, stripe_alpha, drain):
    october_with_overage(agency)
    [invoice] = api("POST", "/api/v1/invoices/run", {"on": "2026-11-05"}).json
    api("POST", f"/api/v1/invoices/{invoice['id']}/issue")
    drain()
    return api("GET", f"/api/v1/invoices/{invoice['id']}").json


def test_a_replayed_webhook_is_processed_once(client, api, agency, issued):
    payload = invoice_event("evt_paid_1", "invoice.paid", issued["stripe_invoice_id"])
    first = post_hook(client, payload)
    second = post_hook(client, payload)
    assert first.status_code == 200 and first.json["outcome"] == "paid"
    assert second.status_code == 200 and second.json["outcome"] == "duplicate"
    assert api("GET", f"/api/v1/invoices/{issued['id']}").json["status"] == "paid"
    assert count(agency.agency.id, StripeEvent) == 1


def test_a_bad_signature_is_refused_and_changes_nothing(client, api, agency, issued):
    payload = invoice_event("evt_paid_2", "invoice.paid", issued["stripe_invoice_id"])
    response = post_hook(client, payload, secret="whsec_someone_else")
    assert response.status_code == 400
    unsigned = client.post("/hooks/stripe/alpha", data=payload)
    assert unsigned.status_code == 400
    assert api("GET", f"/api/v1/invoices/{issued['id']}").json["status"] == "open"
    assert count(agency.agency.id, StripeEvent) == 0


@pytest.mark.parametrize(
    "payload",
    [
        b"[1, 2, 3]",
        b'{"type": "invoice.paid", "data": {"object": {"id": "in_1"}}}',
        b'{"id": "evt_no_data", "type": "invoice.paid"}',
        b'{"id": "evt_bad_data", "type": "invoice.paid", "data": "paid"}',
        b"not json at all",
    ],
)
def test_a_signed_payload_that_is_no_event_is_a_400_on_both_hooks(
    client, api, agency, issued, platform, payload
):
    assert post_hook(client, payload).status_code == 400
    assert post_platform_hook(client, payload).status_code == 400
    assert api("GET", f"/api/v1/invoices/{issued['id']}").json["status"] == "open"
    assert count(agency.agency.id, StripeEvent) == 0


@pytest.mark.parametrize("seconds", [-3600, 3600])
def test_a_signature_from_an_hour_ago_or_an_hour_ahead_is_refused(
    client, api, agency, issued, platform, seconds
):
    payload = invoice_event("evt_paid_t", "invoice.paid", issued["stripe_invoice_id"])
    at = int(time.time()) + seconds
    for url, secret in [
        ("/hooks/stripe/alpha", WEBHOOK_SECRET),
        ("/hooks/stripe", PLATFORM_HOOK_SECRET),
    ]:
        headers = {
            "Stripe-Signature": sign(payload, secret, at),
            "Content-Type": "application/json",
        }
        assert client.post(url, data=payload, headers=headers).status_code == 400
    assert api("GET", f"/api/v1/invoices/{issued['id']}").json["status"] == "open"
    assert count(agency.agency.id, StripeEvent) == 0


def test_late_events_never_move_an_invoice_backwards(client, api, issued):
    sid = issued["stripe_invoice_id"]

    def outcome(event_id, event_type):
        return post_hook(client, invoice_event(event_id, event_type, sid)).json["outcome"]

    assert outcome("evt_a", "invoice.paid") == "paid"
    assert outcome("evt_b", "invoice.payment_failed") == "stale"
    assert outcome("evt_c", "invoice.finalized") == "stale"
    assert api("GET", f"/api/v1/invoices/{issued['id']}").json["status"] == "paid"


def test_a_failed_payment_keeps_the_invoice_open_and_says_so(client, api, agency, issued):
    sid = issued["stripe_invoice_id"]

    def outcome(event_id, event_type):
        return post_hook(client, invoice_event(event_id, event_type, sid)).json["outcome"]

    assert outcome("evt_f1", "invoice.payment_failed") == "payment_failed"
    shown = api("GET", f"/api/v1/invoices/{issued['id']}").json
    assert shown["status"] == "open" and shown["payment_failed_at"]
    portal = client.application.test_client()
    sign_in(portal, agency.client_user)
    assert "payment failed" in portal.get("/portal/invoices").get_data(as_text=True)
    assert outcome("evt_f2", "invoice.marked_uncollectible") == "uncollectible"
    assert outcome("evt_f3", "invoice.payment_failed") == "payment_failed"
    assert api("GET", f"/api/v1/invoices/{issued['id']}").json["status"] == "uncollectible"
    assert outcome("evt_f4", "invoice.paid") == "paid"
    assert outcome("evt_f5", "invoice.payment_failed") == "stale"
    assert api("GET", f"/api/v1/invoices/{issued['id']}").json["status"] == "paid"


def test_another_agencys_hook_cannot_touch_alphas_invoice(client, api, other_agency, issued):
    payload = invoice_event("evt_x", "invoice.paid", issued["stripe_invoice_id"])
    assert post_hook(client, payload, slug="bravo").status_code == 400
    assert post_hook(client, payload, slug="nobody").status_code == 404
    assert api("GET", f"/api/v1/invoices/{issued['id']}").json["status"] == "open"


# --- rounding, currencies, DST ---------------------------------------------------------------


def test_rounding_increment_and_minimum_apply_to_manual_entries(api, agency):
    with use_agency(agency.agency.id):
        contract = db.session.get(Contract, agency.contract.id)
        contract.rounding_minutes, contract.minimum_minutes = 15, 30
        db.session.commit()
    made = [
        api(
            "POST",
            "/api/v1/time-entries/",
            {
                "client_id": agency.client.id,
                "started_at": f"2026-10-0{day}T10:00:00+00:00",
                "minutes": minutes,
                "reason": "call from the client's mobile",
            },
        ).json
        for day, minutes in ((1, 7), (2, 31), (3, 45))
    ]
    assert [(e["raw_minutes"], e["billable_minutes"]) for e in made] == [
        (7, 30),
        (31, 45),
        (45, 45),
    ]
    edits = api("GET", f"/api/v1/time-entries/{made[0]['id']}/edits").json
    assert edits[0]["before"] is None and edits[0]["reason"] == "call from the client's mobile"
    changed = api(
        "PATCH", f"/api/v1/time-entries/{made[0]['id']}", {"minutes": 40, "reason": "longer"}
    ).json
    assert (changed["raw_minutes"], changed["billable_minutes"]) == (40, 45)
    edits = api("GET", f"/api/v1/time-entries/{made[0]['id']}/edits").json
    assert edits[1]["before"]["billable_minutes"] == 30
    assert edits[1]["after"]["billable_minutes"] == 45


def test_each_agency_invoices_in_its_contracts_currency(app, agency, other_agency):
    with use_agency(other_agency.agency.id):
        contract = db.session.get(Contract, other_agency.contract.id)
        contract.currency, contract.hourly_rate_minor, contract.overage_rate_minor = (
            "JPY",
            5000,
            7001,
        )
        contract.included_minutes = 60
        db.session.commit()
    work(agency.agency.id, agency.client.id, datetime(2026, 10, 5, 9, tzinfo=UTC), 90)
    work(other_agency.agency.id, other_agency.client.id, datetime(2026, 10, 5, 9, tzinfo=UTC), 90)
    with use_agency(agency.agency.id):
        [alpha_id] = invoicing.run(on=date(2026, 11, 2))
        alpha = db.session.get(Invoice, alpha_id)
        assert (alpha.currency, alpha.total_minor) == ("EUR", 30000)
    with use_agency(other_agency.agency.id):
        [bravo_id] = invoicing.run(on=date(2026, 11, 2))
        bravo = db.session.get(Invoice, bravo_id)
        # 60 min at ¥5,000/h, then 30 min at ¥7,001/h = ¥3,500.5 -> ¥3,501 (yen has no cents).
        assert bravo.currency == "JPY"
        assert [line.amount_minor for line in bravo.lines] == [5000, 3501]
        assert bravo.total_minor == 8501
        assert db.session.scalar(select(func.count(Invoice.id))) == 1


def test_a_period_across_the_dst_change_holds_exactly_its_local_days(app, agency):
    """Lisbon moves to summer time on 29 March 2026: March is 743 hours long in UTC."""
    a, c = agency.agency.id, agency.client.id
    with use_agency(a):
        contract = db.session.get(Contract, agency.contract.id)
        contract.included_minutes, contract.rounding_minutes = 0, 1
        db.session.commit()
    work(a, c, datetime(2026, 3, 1, 0, 15, tzinfo=UTC), 10)  # 00:15 WET, 1 March: in
    work(a, c, datetime(2026, 2, 28, 23, 30, tzinfo=UTC), 20)  # February: out
    work(a, c, datetime(2026, 3, 31, 22, 30, tzinfo=UTC), 30)  # 23:30 WEST, 31 March: in
    work(a, c, datetime(2026, 3, 31, 23, 30, tzinfo=UTC), 40)  # 00:30 WEST, 1 April: out
    with use_agency(a):
        [invoice_id] = invoicing.run(on=date(2026, 4, 1))
        invoice = db.session.get(Invoice, invoice_id)
        assert invoice.used_minutes == 40
        assert invoice.ends_at - invoice.starts_at == timedelta(hours=31 * 24 - 1)
        assert invoice.starts_at == datetime(2026, 3, 1, 0, 0, tzinfo=UTC)
        assert invoice.ends_at == datetime(2026, 3, 31, 23, 0, tzinfo=UTC)


def test_the_tick_runs_billing_on_the_billing_queue(app, agency, drain):
    from agency.domains.schedules.tick import enqueue_agencies

    work(agency.agency.id, agency.client.id, datetime(2026, 10, 5, 9, tzinfo=UTC), 30)
    moment = datetime(2026, 11, 1, 10, 15, tzinfo=UTC)
    clock.freeze(moment)
    try:
        enqueue_agencies(moment)
        drain()
    finally:
        clock.freeze(None)
    with use_agency(agency.agency.id):
        [invoice] = db.session.scalars(select(Invoice)).all()
        assert invoice.period_start == date(2026, 10, 1)
        assert invoice.status == InvoiceStatus.draft.value


def test_drawn_keys_are_distinct_in_order_and_the_run_draws_its_own(app, agency):
    work(agency.agency.id, agency.client.id, datetime(2026, 10, 5, 9, tzinfo=UTC), 90)
    with use_agency(agency.agency.id):
        drawn = bulk.new_ids(Invoice, 40)
        assert len(set(drawn)) == 40 and drawn == sorted(drawn)
        [invoice_id] = invoicing.run(on=date(2026, 11, 2))
        assert invoice_id >= drawn[0]
        assert db.session.scalars(select(InvoiceLine.invoice_id)).all() == [invoice_id]


@pytest.mark.postgres
def test_a_removed_client_takes_its_invoices_and_lines_along(app, agency, other_agency):
    """An invoice has no key to its agency of its own: its client's key removes it."""
    for tenant in (agency, other_agency):
        work(tenant.agency.id, tenant.client.id, datetime(2026, 10, 5, 9, tzinfo=UTC), 90)
        with use_agency(tenant.agency.id):
            assert len(invoicing.run(on=date(2026, 11, 2))) == 1
    with use_agency(agency.agency.id):
        db.session.execute(delete(Client).where(Client.id == agency.client.id))
        db.session.commit()
        assert db.session.scalar(select(func.count(Invoice.id))) == 0
        assert db.session.scalar(select(func.count(InvoiceLine.id))) == 0
    with use_agency(other_agency.agency.id):
        assert db.session.scalar(select(func.count(Invoice.id))) == 1


def _holidays_committed(app) -> list:
    """The holidays another connection sees, of every agency (as the owner role)."""
    engine = create_engine(app.config["DATABASE_MIGRATE_URL"])
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT agency_id, name FROM holidays ORDER BY name"))
            return [tuple(row) for row in rows]
    finally:
        engine.dispose()


def _holiday(agency_id, name, day=1):
    made = datetime(2026, 12, 1, tzinfo=UTC)
    return [{"agency_id": agency_id, "day": date(2027, 1, day), "name": name, "created_at": made}]


@pytest.mark.postgres
def test_writers_take_turns_on_two_connections_and_the_second_commits_its_own(app, agency):
    a = agency.agency.id
    with use_agency(a):
        with bulk.writers() as cursors:
            first, second, third = next(cursors), next(cursors), next(cursors)
            assert first.connection is not second.connection and third is first
            bulk.insert_rows(Holiday, _holiday(a, "session's", 1), cursor=first)
            bulk.insert_rows(Holiday, _holiday(a, "second's", 2), cursor=second)
        assert _holidays_committed(app) == [(a, "second's")]  # the session's waits for it
        bulk.commit_without_waiting()
    assert _holidays_committed(app) == [(a, "second's"), (a, "session's")]


@pytest.mark.postgres
def test_the_second_writer_works_in_the_agency_and_a_failed_batch_leaves_nothing(
    app, agency, other_agency
):
    a, b = agency.agency.id, other_agency.agency.id
    with use_agency(a):
        refused = pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security")
        with refused, bulk.writers() as cursors:
            bulk.insert_rows(Holiday, _holiday(a, "session's"), cursor=next(cursors))
            bulk.insert_rows(Holiday, _holiday(b, "another agency's"), cursor=next(cursors))
        db.session.rollback()
    assert _holidays_committed(app) == []


@pytest.mark.postgres
def test_a_run_of_many_batches_writes_each_invoice_whole(app, agency, monkeypatch):
    """One client a batch: the batches alternate between the two connections."""
    monkeypatch.setattr(invoicing, "BATCH", 1)
    a = agency.agency.id
    clients = [agency.client.id]
    with use_agency(a):
        for n in range(4):
            clients.append(client_on_contract(f"Client {n}", included_minutes=60 * (n + 1)))
        db.session.commit()
    for n, client_id in enumerate(clients):
        work(a, client_id, datetime(2026, 10, 5, 9, tzinfo=UTC), 30 + 60 * n)
    with use_agency(a):
        made = invoicing.run(on=date(2026, 11, 2))
        db.session.remove()
        invoices = db.session.scalars(select(Invoice).order_by(Invoice.id)).all()
        assert [i.id for i in invoices] == made and [i.client_id for i in invoices] == clients
        for invoice in invoices:
            assert invoice.lines and invoice.subtotal_minor == sum(
                line.amount_minor for line in invoice.lines
            )
        assert invoicing.run(on=date(2026, 11, 2)) == []


def test_the_collector_pauses_only_inside_the_block():
    assert gc.isenabled()
    with pytest.raises(RuntimeError), bulk.collection_paused():
        assert not gc.isenabled()
        raise RuntimeError("a failed run")
    assert gc.isenabled()

    @bulk.collection_paused()
    def work():
        return gc.isenabled()

    assert work() is False and gc.isenabled()
    gc.disable()
    try:
        with bulk.collection_paused():
            pass
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()


def test_an_invoice_issued_while_redis_was_away_reaches_stripe_after_a_grace(
    app, api, agency, stripe_alpha, drain
):
    from agency.domains.schedules.tick import run_for_agency

    october_with_overage(agency)
    [invoice] = api("POST", "/api/v1/invoices/run", {"on": "2026-11-05"}).json
    drain()  # the hours alerts the overage raised
    issued_at = datetime(2026, 11, 6, 9, 0, tzinfo=UTC)
    clock.freeze(issued_at)
    redis = app.extensions["redis"]
    try:
        with unreachable_redis() as away:
            app.extensions["redis"] = away
            try:
                issued = api("POST", f"/api/v1/invoices/{invoice['id']}/issue")
            finally:
                app.extensions["redis"] = redis
        assert issued.status_code == 200 and issued.json["status"] == "open"
        assert drain() == 0  # the push was never queued
        clock.freeze(issued_at + timedelta(minutes=11))
        run_for_agency(agency.agency.id)
        run_for_agency(agency.agency.id)
        drain()
    finally:
        clock.freeze(None)
    pushed = api("GET", f"/api/v1/invoices/{invoice['id']}").json
    assert pushed["stripe_invoice_id"]
    remote = stripe_alpha.v1.invoices.retrieve(pushed["stripe_invoice_id"])
    assert remote.status == "open" and _remote_lines(remote) == EXPECTED_LINES


@pytest.mark.postgres
def test_two_managers_issuing_one_draft_at_once_issue_it_once(app, api, agency, stripe_alpha):
    october_with_overage(agency)
    [invoice] = api("POST", "/api/v1/invoices/run", {"on": "2026-11-05"}).json
    managers = [api_as(app.test_client(), agency.manager) for _ in range(4)]
    answers = []

    def issue(call):
        answers.append(call("POST", f"/api/v1/invoices/{invoice['id']}/issue").status_code)

    racers = [threading.Thread(target=issue, args=(call,)) for call in managers]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join()
    assert sorted(answers) == [200, 409, 409, 409]
    with use_agency(agency.agency.id):
        issued = db.session.scalars(
            select(InvoiceEvent).where(InvoiceEvent.action == "issued")
        ).all()
    assert len(issued) == 1


def test_a_failed_push_to_stripe_says_so_on_the_invoice_page_with_a_retry(
    app, api, client, agency, stripe_alpha, drain
):
    reachable = app.config["STRIPE_API_BASE"]
    october_with_overage(agency)
    [draft] = api("POST", "/api/v1/invoices/run", {"on": "2026-11-05"}).json
    app.config["STRIPE_API_BASE"] = "http://127.0.0.1:9"  # nothing listens there
    assert api("POST", f"/api/v1/invoices/{draft['id']}/issue").status_code == 200
    drain()
    assert api("GET", f"/api/v1/invoices/{draft['id']}").json["stripe_invoice_id"] is None
    with use_agency(agency.agency.id):
        assert db.session.get(Invoice, draft["id"]).stripe_error
    db.session.remove()

    sign_in(client, agency.manager)
    page = client.get(f"/console/invoices/{draft['id']}").get_data(as_text=True)
    assert 'id="stripe-failed"' in page and "could not be sent to Stripe" in page

    app.config["STRIPE_API_BASE"] = reachable
    again = post_form(client, f"/console/invoices/{draft['id']}/push", {},
                      page=f"/console/invoices/{draft['id']}")  # fmt: skip
    assert again.status_code == 302
    drain()
    assert api("GET", f"/api/v1/invoices/{draft['id']}").json["stripe_invoice_id"]
    page = client.get(f"/console/invoices/{draft['id']}").get_data(as_text=True)
    assert 'id="stripe-failed"' not in page
