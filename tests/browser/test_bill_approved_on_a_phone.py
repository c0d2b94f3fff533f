"""In a phone's browser: the client opens Bills in the portal, sees the bill waiting for
them and the overdue one, and approves it; each page fits 390 px without a horizontal
scroll. The secretary's bills page, in a desk's browser, shows it approved."""

from datetime import timedelta

from agency.domains.clients.models import Client
from agency.domains.paperwork import bills
from agency.domains.paperwork.models import Bill
from agency.kernel import clock
from agency.kernel.database import db
from tenants import use_agency
from tests.browser.conftest import shoot
from tests.browser.test_meeting_arranged import _sign_in
from tests.browser.test_phone_width import OVERFLOW, PHONE
from tests.conftest import rows


def test_the_client_approves_a_bill_on_their_phone(live_server, new_page, browser, agency):
    today = clock.now().date()
    with use_agency(agency.agency.id):
        client = db.session.get(Client, agency.client.id)
        for supplier, days in (("EDP Comercial", 9), ("Vodafone Portugal", -4)):
            due = (today + timedelta(days=days)).isoformat()
            bills.create(
                client, {"supplier": supplier, "amount": "84.20", "currency": "EUR", "due_on": due}
            )
    db.session.remove()
    phone = browser.new_context(**PHONE)
    try:
        page = phone.new_page()
        _sign_in(page, live_server, agency.client_user)
        page.goto(f"{live_server}/portal/bills")
        page.wait_for_selector("#overdue-bills")
        assert page.evaluate(OVERFLOW) is None
        shoot(page, "portal-bills")
        page.click("#bills article:has-text('EDP Comercial') button:has-text('Approve')")
        page.wait_for_selector(
            "#bills article:has-text('EDP Comercial') .bill-status:has-text('approved')"
        )
        assert page.evaluate(OVERFLOW) is None
    finally:
        phone.close()
    assert sorted((b.supplier, b.status) for b in rows(Bill, agency.agency.id)) == [
        ("EDP Comercial", "approved"), ("Vodafone Portugal", "received"),
    ]  # fmt: skip
    desk = new_page()
    _sign_in(desk, live_server, agency.secretary)
    desk.goto(f"{live_server}/desk/paperwork/{agency.client.id}")
    desk.wait_for_selector("#bills .overdue-mark")
    shoot(desk, "desk-bills")
