"""In a phone's browser: a contact opens the client's booking page, picks a kind of
meeting and a time, gives their name and address, and the meeting is booked; the page
fits 390 px without a horizontal scroll at each step."""

from agency.domains.calendar import booking
from agency.domains.calendar.models import CalendarEvent
from agency.domains.clients.models import Client
from agency.kernel.database import db
from tenants import use_agency
from tests.browser.conftest import shoot
from tests.browser.test_phone_width import OVERFLOW, PHONE
from tests.conftest import rows


def test_a_contact_books_a_meeting_on_their_phone(live_server, browser, agency):
    with use_agency(agency.agency.id):
        client = db.session.get(Client, agency.client.id)
        client.timezone = "Europe/Lisbon"
        address = booking.save(
            client,
            {"enabled": True, "types": [{"name": "Intro call", "minutes": 30},
                                        {"name": "Site visit", "minutes": 60}]},
        ).address  # fmt: skip
    db.session.remove()
    phone = browser.new_context(**PHONE)
    try:
        page = phone.new_page()
        page.goto(f"{live_server}/book/{address}")
        page.wait_for_selector("#kinds a")
        assert page.evaluate(OVERFLOW) is None
        page.click("#kinds li:first-child a")
        page.wait_for_selector("#times button")
        assert page.evaluate(OVERFLOW) is None
        shoot(page, "booking-page")
        page.fill("#name", "Ana Lima")
        page.fill("#email", "ana@partner.example")
        page.click("#times button >> nth=0")
        page.wait_for_selector("#booked")
        assert page.evaluate(OVERFLOW) is None
    finally:
        phone.close()
    [event] = rows(CalendarEvent, agency.agency.id)
    assert event.title == "Intro call with Ana Lima" and event.kind == "meeting"
