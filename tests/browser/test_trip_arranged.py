"""In the browser: the secretary makes a trip on the desk with a flight and a hotel,
each end on its own clock, and the client finds it under Trips in the portal (also on a
phone's width) and in their calendar."""

from datetime import timedelta

from agency.domains.clients.models import Client
from agency.kernel import clock
from agency.kernel.database import db
from tenants import use_agency
from tests.browser.conftest import shoot
from tests.browser.test_meeting_arranged import _sign_in
from tests.browser.test_phone_width import OVERFLOW, PHONE


def test_a_trip_arranged_on_the_desk_is_in_the_portal_and_the_calendar(
    live_server, new_page, browser, agency
):
    with use_agency(agency.agency.id):
        db.session.get(Client, agency.client.id).timezone = "Europe/Lisbon"
        db.session.commit()
    db.session.remove()
    out = (clock.now() + timedelta(days=30)).date()
    back = out + timedelta(days=3)

    desk = new_page()
    _sign_in(desk, live_server, agency.secretary)
    desk.goto(f"{live_server}/desk/travel/{agency.client.id}")
    desk.fill("#trip-form [name=title]", "Conference in New York")
    desk.fill("#trip-form [name=travellers]", "Alpha Client")
    desk.click("#trip-form button[type=submit]")
    desk.wait_for_selector("#segment-form")
    form = "#segment-form"
    desk.select_option(f"{form} [name=kind]", "flight")
    desk.fill(f"{form} [name=origin]", "LIS")
    desk.fill(f"{form} [name=destination]", "JFK")
    desk.fill(f"{form} [name=number]", "TP 209")
    desk.fill(f"{form} [name=departs]", f"{out}T10:00")
    desk.fill(f"{form} [name=arrives]", f"{out}T12:30")
    desk.fill(f"{form} [name=seat]", "3A")
    desk.click(f"{form} button[type=submit]")
    desk.wait_for_selector("#segments >> text=Flight TP 209 LIS → JFK")
    desk.select_option(f"{form} [name=kind]", "hotel")
    desk.fill(f"{form} [name=name]", "The Jane")
    desk.fill(f"{form} [name=address]", "113 Jane St, New York")
    desk.fill(f"{form} [name=check_in]", out.isoformat())
    desk.fill(f"{form} [name=check_out]", back.isoformat())
    desk.fill(f"{form} [name=from_zone]", "America/New_York")
    desk.click(f"{form} button[type=submit]")
    desk.wait_for_selector("#segments >> text=Hotel: The Jane")
    segments = desk.inner_text("#segments")
    assert "10:00" in segments and "12:30" in segments  # each end on its own clock
    shoot(desk, "desk-trip")

    portal = new_page()
    _sign_in(portal, live_server, agency.client_user)
    portal.goto(f"{live_server}/portal/trips")
    portal.wait_for_selector(".trip >> text=Conference in New York")
    shown = portal.inner_text(".trip")
    assert "Flight TP 209 LIS → JFK" in shown and "Hotel: The Jane" in shown
    shoot(portal, "portal-trips")
    portal.goto(f"{live_server}/portal/calendar")
    portal.wait_for_selector("#coming >> text=Flight TP 209 LIS → JFK")
    assert "Hotel: The Jane" in portal.inner_text("#coming")

    phone = browser.new_context(**PHONE)
    try:
        small = phone.new_page()
        _sign_in(small, live_server, agency.client_user)
        small.goto(f"{live_server}/portal/trips")
        small.wait_for_selector(".trip")
        assert small.evaluate(OVERFLOW) is None  # fits 390 px without a horizontal scroll
    finally:
        phone.close()
