"""The secretary sets a meeting on the desk; the client copies the calendar feed's address
from the portal, a calendar app reads it over HTTP, and a reset retires the address."""

import urllib.error
import urllib.request

from icalendar import Calendar

from agency.domains.clients.models import Client
from agency.domains.work.creation import create_item
from agency.kernel.database import db
from tenants import use_agency
from tests.browser.conftest import shoot
from tests.conftest import PASSWORD


def _sign_in(page, base, user):
    page.goto(f"{base}/login")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


def _fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b""


def test_a_meeting_set_on_the_desk_reaches_the_clients_calendar_app(
    live_server, browser_page, new_page, agency
):
    with use_agency(agency.agency.id):
        db.session.get(Client, agency.client.id).timezone = "Europe/Lisbon"
        db.session.commit()
        item, _new = create_item(
            {"client_id": agency.client.id, "kind": "meeting", "title": "Lunch with Rui Duarte"}
        )
        item_id = item.id
    db.session.remove()
    page = browser_page
    desk = new_page()
    _sign_in(desk, live_server, agency.secretary)
    desk.goto(f"{live_server}/desk/items/{item_id}")
    desk.fill("#event-form [name=starts_at]", "2027-07-01 13:00")
    desk.fill("#event-form [name=ends_at]", "2027-07-01 14:30")
    desk.fill("#event-form [name=location]", "Cervejaria Ramiro")
    desk.click("#save-event")
    desk.wait_for_selector("#event-when >> text=Europe/Lisbon")

    _sign_in(page, live_server, agency.client_user)
    page.goto(f"{live_server}/portal/calendar")
    page.wait_for_selector("#coming >> text=Lunch with Rui Duarte")
    page.click("button[data-copy=feed-web]")
    page.wait_for_selector("button[data-copy=feed-web] >> text=Copied")
    address = page.input_value("#feed-web")
    assert page.input_value("#feed-webcal") == "webcal://" + address.split("://", 1)[1]
    shoot(page, "portal-calendar")

    status, body = _fetch(address)
    assert status == 200
    [lunch] = Calendar.from_ical(body).walk("VEVENT")
    assert str(lunch["summary"]) == "Lunch with Rui Duarte"
    assert lunch.decoded("dtstart").isoformat() == "2027-07-01T12:00:00+00:00"

    page.click("#reset-feed")
    page.wait_for_selector("text=The old one no longer works")
    assert page.input_value("#feed-web") != address
    assert _fetch(address)[0] == 404
    assert _fetch(page.input_value("#feed-web"))[0] == 200
