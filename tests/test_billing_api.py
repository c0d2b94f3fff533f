"""The billing API and pages around the invoices: expenses, the invoice list, the PDF's
content, the OpenAPI document, the console's hours per secretary, non-billable time,
and the idempotency keys Stripe receives."""

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from agency.domains.billing import invoicing, reviews
from agency.domains.billing.models import Expense, Invoice
from agency.domains.hours.models import TimeEntry
from agency.domains.hours.services import record_time
from agency.domains.staff.models import Secretary
from agency.kernel import clock
from agency.kernel.database import db
from tenants import use_agency
from tests.billing_seed import api_as, work
from tests.conftest import post_form, rows, sign_in


@pytest.fixture
def api(client, agency):
    return api_as(client, agency.owner)


def _expense(client_id, **changes):
    return {
        "client_id": client_id,
        "description": "Courier to the notary",
        "amount_minor": 1250,
        "currency": "EUR",
        "incurred_on": "2026-10-12",
        **changes,
    }


def test_expenses_are_added_and_listed_in_the_contracts_currency(client, api, agency, other_agency):
    made = api("POST", "/api/v1/expenses/", _expense(agency.client.id))
    assert made.status_code == 201, made.json
    assert (made.json["amount_minor"], made.json["currency"], made.json["billable"]) == (
        1250,
        "EUR",
        True,
    )
    assert made.json["original_incurred_on"] is None
    listed = api("GET", f"/api/v1/expenses/?client_id={agency.client.id}").json
    assert [e["description"] for e in listed] == ["Courier to the notary"]
    bravo = api_as(client.application.test_client(), other_agency.owner)
    assert bravo("GET", "/api/v1/expenses/").json == []
    theirs = bravo("POST", "/api/v1/expenses/", _expense(agency.client.id))
    assert theirs.status_code == 422 and "client_id" in theirs.json["error"]["fields"]
    assert len(rows(Expense, agency.agency.id)) == 1


@pytest.mark.parametrize(
    "change, field",
    [
        ({"currency": "USD"}, "currency"),
        ({"currency": "euro"}, "currency"),
        ({"amount_minor": 0}, "amount_minor"),
        ({"amount_minor": 12.5}, "amount_minor"),
        ({"incurred_on": "12/10/2026"}, "incurred_on"),
        ({"description": ""}, "description"),
    ],
)
def test_a_bad_expense_is_refused_and_writes_nothing(api, agency, change, field):
    response = api("POST", "/api/v1/expenses/", _expense(agency.client.id, **change))
    assert response.status_code == 422
    assert field in response.json["error"]["fields"]
    assert rows(Expense, agency.agency.id) == []


def test_an_expense_in_an_invoiced_period_is_refused(api, agency):
    with use_agency(agency.agency.id):
        invoicing.run(on=date(2026, 11, 5))
    refused = api("POST", "/api/v1/expenses/", _expense(agency.client.id))
    assert refused.status_code == 409
    assert "invoiced" in refused.json["error"]["message"]
    later = api("POST", "/api/v1/expenses/", _expense(agency.client.id, incurred_on="2026-11-03"))
    assert later.status_code == 201
    assert [e.incurred_on for e in rows(Expense, agency.agency.id)] == [date(2026, 11, 3)]


def test_the_invoice_list_filters_by_client_and_status_and_shows_only_the_agencys_own(
    client, api, agency, other_agency
):
    for team in (agency, other_agency):
        work(team.agency.id, team.client.id, datetime(2026, 10, 6, 9, tzinfo=UTC), 60)
        with use_agency(team.agency.id):
            invoicing.run(on=date(2026, 10, 1))
            invoicing.run(on=date(2026, 11, 5))
    with use_agency(agency.agency.id):
        september = db.session.scalar(
            select(Invoice).where(Invoice.period_start == date(2026, 9, 1))
        )
        reviews.issue(september, None)
    listed = api("GET", "/api/v1/invoices/").json
    assert [(i["period_start"], i["status"]) for i in listed] == [
        ("2026-10-01", "draft"),
        ("2026-09-01", "open"),
    ]
    assert all(i["client_id"] == agency.client.id for i in listed)
    assert [i["status"] for i in api("GET", "/api/v1/invoices/?status=open").json] == ["open"]
    assert api("GET", f"/api/v1/invoices/?client_id={other_agency.client.id}").json == []
    bad = api("GET", "/api/v1/invoices/?client_id=abc")
    assert bad.status_code == 422
    lines = listed[0]["lines"]
    assert [(line["kind"], line["amount_minor"]) for line in lines] == [("included", 30000)]


def test_the_invoice_pdf_holds_the_client_the_lines_and_the_entries_behind_them(api, agency):
    a, c = agency.agency.id, agency.client.id
    with use_agency(a):
        from agency.domains.contracts.models import Contract

        db.session.get(Contract, agency.contract.id).rounding_minutes = 1
        db.session.commit()
    work(a, c, datetime(2026, 10, 5, 9, 0, tzinfo=UTC), 400)
    work(a, c, datetime(2026, 10, 20, 14, 0, tzinfo=UTC), 300)
    [invoice] = api("POST", "/api/v1/invoices/run", {"on": "2026-11-05"}).json
    response = api("GET", f"/api/v1/invoices/{invoice['id']}/pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "Alpha Client" in text and invoice["number"] in text
    assert "Alpha Plan: 10.00 hours included" in text and "€300.00" in text
    assert "Overage: 1.67 hours" in text and "€66.67" in text
    assert "€366.67" in text  # the total
    # The entries behind the lines, on the agency's clock (Lisbon, UTC+1 until 25 October).
    assert "10/5/26, 10:00 AM" in text and "10/20/26, 3:00 PM" in text
    assert "400" in text and "300" in text


def test_the_openapi_document_lists_every_billing_path(client):
    spec = client.get("/api/v1/openapi.json").json
    paths = spec["paths"]
    for path in (
        "/api/v1/time-entries/",
        "/api/v1/time-entries/{entry_id}",
        "/api/v1/time-entries/{entry_id}/edits",
        "/api/v1/clients/{client_id}/hours",
        "/api/v1/expenses/",
        "/api/v1/invoices/",
        "/api/v1/invoices/run",
        "/api/v1/invoices/events",
        "/api/v1/invoices/{invoice_id}",
        "/api/v1/invoices/{invoice_id}/issue",
        "/api/v1/invoices/{invoice_id}/discard",
        "/api/v1/invoices/{invoice_id}/void",
        "/api/v1/invoices/{invoice_id}/pdf",
    ):
        assert path in paths, path
    assert "application/pdf" in str(paths["/api/v1/invoices/{invoice_id}/pdf"]["get"])
    assert {"get", "post"} <= set(paths["/api/v1/expenses/"])
    assert "patch" in paths["/api/v1/time-entries/{entry_id}"]
    void = paths["/api/v1/invoices/{invoice_id}/void"]["post"]
    body = void["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    reason = spec["components"]["schemas"][body.rsplit("/", 1)[-1]]
    assert "reason" in reason["required"]


def test_the_console_shows_each_secretarys_billable_hours_this_month(client, agency, other_agency):
    clock.freeze(datetime(2026, 11, 20, 12, tzinfo=UTC))
    try:
        with use_agency(agency.agency.id):
            second = Secretary(name="Beatriz Costa", email="beatriz@alpha.example")
            db.session.add(second)
            db.session.flush()
            for start, minutes, who in (
                (datetime(2026, 11, 2, 9, tzinfo=UTC), 90, agency.profile.id),
                (datetime(2026, 11, 3, 9, tzinfo=UTC), 45, second.id),
                (datetime(2026, 10, 30, 9, tzinfo=UTC), 600, second.id),  # last month
            ):
                record_time(
                    agency.client.id, start, start + timedelta(minutes=minutes), secretary_id=who
                )
            db.session.commit()
        sign_in(client, agency.manager)
        page = client.get("/console/hours").get_data(as_text=True)
    finally:
        clock.freeze(None)
    table = page[page.index('id="hours-by-secretary"') :]
    assert "<td>Alpha Secretary</td><td>1.50</td>" in table
    assert "<td>Beatriz Costa</td><td>0.80</td>" in table  # 45 minutes in 6-minute steps: 48
    assert "Bravo" not in table


def test_a_non_billable_entry_is_left_out_of_the_invoice(api, agency):
    a, c = agency.agency.id, agency.client.id
    billed = work(a, c, datetime(2026, 10, 6, 9, tzinfo=UTC), 660)
    kept_out = work(a, c, datetime(2026, 10, 7, 9, tzinfo=UTC), 120)
    changed = api(
        "PATCH", f"/api/v1/time-entries/{kept_out}", {"billable": False, "reason": "our own"}
    )
    assert changed.status_code == 200 and changed.json["billable"] is False
    [invoice] = api("POST", "/api/v1/invoices/run", {"on": "2026-11-05"}).json
    assert invoice["used_minutes"] == 660 and invoice["overage_minutes"] == 60
    assert [(line["kind"], line["amount_minor"]) for line in invoice["lines"]] == [
        ("included", 30000),
        ("overage", 4000),
    ]
    with use_agency(a):
        assert {e.id for e in db.session.scalars(select(TimeEntry))} == {billed, kept_out}


def test_a_void_and_the_seat_subscription_send_our_idempotency_keys_to_stripe(
    api, agency, stripe_alpha, stripe_server, platform, drain
):
    from tests.billing_seed import sync_seats_of
    from tests.stripe_server import requests_sent

    work(agency.agency.id, agency.client.id, datetime(2026, 10, 6, 9, tzinfo=UTC), 60)
    [invoice] = api("POST", "/api/v1/invoices/run", {"on": "2026-11-05"}).json
    api("POST", f"/api/v1/invoices/{invoice['id']}/issue")
    drain()
    before = len(requests_sent(stripe_server))
    api("POST", f"/api/v1/invoices/{invoice['id']}/void", {"reason": "sent by mistake"})
    drain()
    sync_seats_of(agency.agency.id)
    posts = [r for r in requests_sent(stripe_server)[before:] if r["method"] == "POST"]
    assert [r["path"].rsplit("/", 1)[-1] for r in posts][:1] == ["void"]
    assert {r["path"] for r in posts[1:]} >= {"/v1/customers", "/v1/subscriptions"}
    keys = [r["idempotency_key"] for r in posts]
    assert all(key and key.startswith("secretariat-") for key in keys), posts


def test_fractions_of_a_minute_or_of_a_cent_are_refused_not_rounded(api, agency):
    entry = {
        "client_id": agency.client.id,
        "started_at": "2026-11-03T10:00:00+00:00",
        "reason": "phone call",
    }
    for minutes in (12.5, "12"):
        response = api("POST", "/api/v1/time-entries/", {**entry, "minutes": minutes})
        assert response.status_code == 422 and "minutes" in response.json["error"]["fields"]
    assert rows(TimeEntry, agency.agency.id) == []
    made = api("POST", "/api/v1/time-entries/", {**entry, "minutes": 12}).json
    edit = api("PATCH", f"/api/v1/time-entries/{made['id']}", {"minutes": 7.5, "reason": "typo"})
    assert edit.status_code == 422


def test_a_run_for_a_day_after_today_in_the_agencys_zone_is_refused(client, api, agency):
    # 23:30 on the last day of November in Lisbon: 1 December is still tomorrow there.
    clock.freeze(datetime(2026, 11, 30, 23, 30, tzinfo=UTC))
    try:
        made = api("POST", "/api/v1/expenses/", _expense(agency.client.id))
        assert made.status_code == 201  # something to invoice, had the run gone ahead
        for day in ("2026-12-01", "4764-05-01"):
            refused = api("POST", "/api/v1/invoices/run", {"on": day})
            assert refused.status_code == 422 and "on" in refused.json["error"]["fields"]
        sign_in(client, agency.manager)
        page = post_form(client, "/console/invoices", {"on": "2026-12-01"})
        assert page.status_code == 422
        assert "Choose today or an earlier day" in page.get_data(as_text=True)
        assert rows(Invoice, agency.agency.id) == []
        assert api("POST", "/api/v1/invoices/run", {"on": "2026-11-30"}).status_code == 200
    finally:
        clock.freeze(None)
