"""The client's month of paperwork: bills paid, due and overdue, their invoices chased
and paid, with totals, as a page (desk and portal), in the API and as a CSV file whose
cells no spreadsheet runs as formulas."""

from datetime import UTC, datetime

import pytest

from agency.domains.clients.models import Client
from agency.domains.paperwork import bills, chasing
from agency.kernel import clock
from agency.kernel.database import db
from tenants import use_agency
from tests.billing_seed import api_as

TODAY = datetime(2027, 3, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def march(agency):
    clock.freeze(datetime(2027, 3, 1, 12, tzinfo=UTC))
    with use_agency(agency.agency.id):
        client = db.session.get(Client, agency.client.id)
        client.timezone = "Europe/Lisbon"
        db.session.commit()

        def bill(supplier, amount, due):
            return bills.create(client, {"supplier": supplier, "amount": amount,
                                         "currency": "EUR", "due_on": due})  # fmt: skip

        paid = bill("EDP Comercial", "84.20", "2027-03-08")
        bills.approve(paid)
        bills.pay(paid, {"on": "2027-03-01"})
        bill('=HYPERLINK("http://evil.example")', "10", "2027-03-25")
        bill("Vodafone", "41.90", "2027-03-10")
        bill("Later Lda", "5", "2027-04-10")
        chased = chasing.create(client, {"customer_name": "Casa Verde", "number": "2027/014",
                                         "customer_email": "accounts@casaverde.example",
                                         "amount": "250", "currency": "EUR",
                                         "due_on": "2027-03-05"})  # fmt: skip
        chasing.chase_due(datetime(2027, 3, 8, 9, 30, tzinfo=UTC))
        settled = chasing.create(client, {"customer_name": "Loja Azul", "number": "2027/009",
                                          "customer_email": "pay@azul.example", "amount": "99",
                                          "currency": "EUR", "due_on": "2027-02-28"})  # fmt: skip
        clock.freeze(TODAY)
        chasing.settle(settled, chasing.ReceivableStatus.paid, {"on": "2027-03-15"})
        assert chased.id
    db.session.remove()
    yield agency
    clock.freeze(None)


def test_the_month_in_the_api_with_its_totals(client, march):
    call = api_as(client, march.client_user)
    found = call("GET", f"/api/v1/clients/{march.client.id}/paperwork-summary?month=2027-03").json
    kinds = [(line["kind"], line["party"]) for line in found["lines"]]
    assert kinds == [
        ("bill_paid", "EDP Comercial"),
        ("bill_due", '=HYPERLINK("http://evil.example")'),
        ("bill_overdue", "Vodafone"),
        ("invoice_chased", "Casa Verde"),
        ("invoice_paid", "Loja Azul"),
    ]
    totals = {t["kind"]: (t["count"], t["amount_minor"]) for t in found["totals"]}
    assert totals["bill_paid"] == (1, 8420) and totals["invoice_paid"] == (1, 9900)
    bad = call("GET", f"/api/v1/clients/{march.client.id}/paperwork-summary?month=2027-13")
    assert bad.status_code == 422 and "month" in bad.json["error"]["fields"]


def test_the_month_as_a_page_and_a_csv_file(client, app, march, login_as):
    http = login_as(march.client_user)
    page = http.get("/portal/bills/summary?month=2027-03").get_data(as_text=True)
    assert "Paperwork of March 2027" in page and "Vodafone" in page and "bill overdue" in page
    assert "under Invoices" in page  # the office's own invoices are apart
    sheet = http.get("/portal/bills/summary.csv?month=2027-03")
    assert sheet.status_code == 200 and sheet.mimetype == "text/csv"
    rows = sheet.get_data(as_text=True).splitlines()
    assert rows[0] == "kind,supplier_or_customer,number,amount,currency,due_on,date"
    assert rows[1] == "bill paid,EDP Comercial,,84.20,EUR,2027-03-08,2027-03-01"
    assert rows[2].startswith("bill due,\"'=HYPERLINK(")  # never run as a formula
    from tests.conftest import sign_in

    desk = app.test_client()
    sign_in(desk, march.secretary)
    shown = desk.get(f"/desk/paperwork/{march.client.id}/summary?month=2027-03")
    assert shown.status_code == 200 and "Casa Verde" in shown.get_data(as_text=True)
    assert desk.get(f"/desk/paperwork/{march.client.id}/summary?month=march").status_code == 422
