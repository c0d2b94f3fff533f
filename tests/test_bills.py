"""The client's bills: recorded by the secretary, approved by the client in the portal
(or in advance by their rules), scheduled and paid; disputes; amounts that are not money
and documents that are not invoices refused with nothing written; overdue bills stand
out; a reminder before the due date, once however often the tick runs."""

from datetime import UTC, datetime

import pytest

from agency.domains.clients.models import Client
from agency.domains.notify.models import OutboundEmail
from agency.domains.paperwork.models import Bill
from agency.domains.schedules.tick import run_for_agency
from agency.kernel import clock
from agency.kernel.database import db
from tenants import use_agency
from tests.billing_seed import api_as
from tests.conftest import post_form, rows

NOON = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
EDP = {"supplier": "EDP Comercial", "number": "FT 2027/311", "amount": "84.20",
       "currency": "EUR", "issued_on": "2027-02-25", "due_on": "2027-03-10"}  # fmt: skip


@pytest.fixture
def lisbon(agency):
    clock.freeze(NOON)
    with use_agency(agency.agency.id):
        db.session.get(Client, agency.client.id).timezone = "Europe/Lisbon"
        db.session.commit()
    yield agency
    clock.freeze(None)


def test_a_bill_is_approved_in_the_portal_then_scheduled_and_paid(client, lisbon, login_as):
    call = api_as(client, lisbon.secretary)
    base = f"/api/v1/clients/{lisbon.client.id}/bills"
    made = call("POST", base, EDP)
    assert made.status_code == 201, made.json
    assert (made.json["amount_minor"], made.json["status"]) == (8420, "received")
    bill = f"{base}/{made.json['id']}"
    assert call("POST", f"{bill}/approve").status_code == 403  # the client's to approve
    too_soon = call("POST", f"{bill}/schedule", {"on": "2027-03-05"})
    assert too_soon.status_code == 409

    http = login_as(lisbon.client_user)
    page = http.get("/portal/bills").get_data(as_text=True)
    assert "EDP Comercial" in page and "€84.20" in page and "to approve" in page
    approved = post_form(http, f"/portal/bills/{made.json['id']}/approve", {},
                         page="/portal/bills")  # fmt: skip
    assert approved.status_code == 302
    [kept] = rows(Bill, lisbon.agency.id)
    assert (kept.status, kept.approved_by) == ("approved", "client")

    past = call("POST", f"{bill}/schedule", {"on": "2027-02-20"})
    assert past.status_code == 422 and "on" in past.json["error"]["fields"]
    scheduled = call("POST", f"{bill}/schedule", {"on": "2027-03-08"})
    assert (scheduled.json["status"], scheduled.json["scheduled_for"]) == (
        "scheduled",
        "2027-03-08",
    )
    paid = call("POST", f"{bill}/pay", {})
    assert (paid.json["status"], paid.json["paid_on"]) == ("paid", "2027-03-01")
    assert call("POST", f"{bill}/dispute", {"reason": "late"}).status_code == 409


def test_rules_approve_in_advance_and_a_dispute_goes_both_ways(client, lisbon):
    mine = api_as(client, lisbon.client_user)
    rules = f"/api/v1/clients/{lisbon.client.id}/bill-rules"
    edp = {"supplier": "edp comercial", "up_to": "100", "currency": "EUR"}
    saved = mine("PUT", rules, {"pre_approved": [edp], "remind_days_before": 2})
    assert saved.status_code == 200, saved.json
    assert saved.json["pre_approved"][0]["up_to"] == "100.00"
    call = api_as(client, lisbon.secretary)
    base = f"/api/v1/clients/{lisbon.client.id}/bills"
    small = call("POST", base, EDP).json
    assert (small["status"], small["approved_by"]) == ("approved", "rules")
    large = call("POST", base, {**EDP, "amount": "100.01"}).json
    assert large["status"] == "received"
    reasonless = mine("POST", f"{base}/{large['id']}/dispute", {"reason": " "})
    assert reasonless.status_code == 422
    disputed = mine("POST", f"{base}/{large['id']}/dispute", {"reason": "Charged twice"})
    assert (disputed.json["status"], disputed.json["dispute_reason"]) == (
        "disputed", "Charged twice",
    )  # fmt: skip
    assert call("POST", f"{base}/{large['id']}/reopen").json["status"] == "received"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": "twelve"}, "amount"),
        ({"amount": "-5"}, "amount"),
        ({"amount": "0"}, "amount"),
        ({"amount": "12.345"}, "amount"),
        ({"amount": "NaN"}, "amount"),
        ({"amount": "1e12"}, "amount"),
        ({"currency": "EUX"}, "currency"),
        ({"due_on": "2027-02-01"}, "due_on"),
        ({"supplier": ""}, "supplier"),
    ],
)
def test_a_bill_that_is_not_money_is_refused_and_nothing_is_written(client, lisbon, change, field):
    answer = api_as(client, lisbon.secretary)(
        "POST", f"/api/v1/clients/{lisbon.client.id}/bills", {**EDP, **change}
    )
    assert answer.status_code == 422 and field in answer.json["error"]["fields"], answer.json
    assert rows(Bill, lisbon.agency.id) == []


def test_the_desk_records_a_bill_with_its_document_and_overdue_bills_stand_out(
    client, app, lisbon, login_as
):
    import io

    http = login_as(lisbon.secretary)
    page = f"/desk/paperwork/{lisbon.client.id}"
    form = {**EDP, "due_on": "2027-02-27"}
    fake = post_form(http, f"{page}/bills", {**form, "file": (io.BytesIO(b"<html>"), "ft.pdf")},
                     page=page, content_type="multipart/form-data")  # fmt: skip
    assert fake.status_code == 415 and rows(Bill, lisbon.agency.id) == []
    pdf = b"%PDF-1.4\n%%EOF\n"
    kept = post_form(http, f"{page}/bills", {**form, "file": (io.BytesIO(pdf), "ft.pdf")},
                     page=page, content_type="multipart/form-data")  # fmt: skip
    assert kept.status_code == 302, kept.get_data(as_text=True)
    shown = http.get(page).get_data(as_text=True)
    assert "overdue-mark" in shown and "EDP Comercial" in shown
    [bill] = rows(Bill, lisbon.agency.id)
    assert http.get(f"{page}/bills/{bill.id}/document").data == pdf
    mine = api_as(client, lisbon.client_user)
    listed = mine("GET", f"/api/v1/clients/{lisbon.client.id}/bills").json
    assert listed[0]["overdue"] is True
    fetched = mine("GET", f"/api/v1/clients/{lisbon.client.id}/bills/{bill.id}/document")
    assert fetched.status_code == 200 and fetched.data == pdf


def test_the_client_is_reminded_once_before_a_bill_falls_due(client, lisbon):
    api_as(client, lisbon.secretary)("POST", f"/api/v1/clients/{lisbon.client.id}/bills", EDP)
    agency_id = lisbon.agency.id

    def reminders():
        return [e.subject for e in rows(OutboundEmail, agency_id) if e.purpose == "bill_reminder"]

    run_for_agency(agency_id, datetime(2027, 3, 6, 12, tzinfo=UTC))  # four days before
    assert reminders() == []
    run_for_agency(agency_id, datetime(2027, 3, 7, 8, 59, tzinfo=UTC))  # before 09:00
    assert reminders() == []
    run_for_agency(agency_id, datetime(2027, 3, 7, 9, tzinfo=UTC))
    run_for_agency(agency_id, datetime(2027, 3, 7, 9, 1, tzinfo=UTC))
    assert reminders() == ["Bill due on 2027-03-10: EDP Comercial, €84.20"]
