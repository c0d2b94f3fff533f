"""In the browser: the secretary arranges a meeting with two of the client's contacts on
the desk, one of them picks a time through the link emailed to them, and the meeting is
in the client's portal calendar, in the calendar feed and on the client's own calendar
server (Radicale)."""

import re
import urllib.request
from datetime import datetime, timedelta

import caldav
import pytest
from icalendar import Calendar
from sqlalchemy import select

from agency.domains.calendar import caldav_sync
from agency.domains.calendar import services as feeds
from agency.domains.calendar.models import MeetingRequest
from agency.domains.clients.models import Client
from agency.kernel import clock
from agency.kernel.database import db
from tenants import use_agency
from tests import radicale_server
from tests.browser.conftest import shoot
from tests.browser.test_phone_width import OVERFLOW, PHONE
from tests.conftest import PASSWORD
from tests.mailbox import body


@pytest.fixture
def radicale(tmp_path):
    process, base = radicale_server.start(tmp_path)
    try:
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def _sign_in(page, base, user):
    page.goto(f"{base}/login")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


def test_a_meeting_arranged_on_the_desk_is_picked_by_email_and_reaches_every_calendar(
    live_server, new_page, browser, agency, drain, mail, radicale
):
    dav = caldav.DAVClient(
        url=f"{radicale}/{radicale_server.USER}/",
        username=radicale_server.USER,
        password=radicale_server.PASSWORD,
    )
    own = dav.principal().make_calendar(name="work", cal_id="work")
    with use_agency(agency.agency.id):
        client = db.session.get(Client, agency.client.id)
        client.timezone = "Europe/Lisbon"
        db.session.commit()
        caldav_sync.connect(
            client,
            {"url": str(own.url), "username": radicale_server.USER,
             "password": radicale_server.PASSWORD},
        )  # fmt: skip
        feed_token = feeds.ensure_feed(client).token
    db.session.remove()
    drain()  # the first sync
    first_day = (clock.now() + timedelta(days=7)).date()

    desk = new_page()
    _sign_in(desk, live_server, agency.secretary)
    desk.goto(f"{live_server}/desk/calendar/{agency.client.id}")
    desk.fill("#arrange-form [name=title]", "Supply contract")
    desk.fill("#arrange-form [name=minutes]", "45")
    desk.fill("#arrange-form [name=on_or_after]", first_day.isoformat())
    desk.fill("#arrange-form [name=on_or_before]", (first_day + timedelta(days=6)).isoformat())
    desk.fill(
        "#arrange-form [name=participants]",
        "Ana Lima ana@partner.example\nRui Duarte rui@supplier.example",
    )
    desk.click("#arrange-form button[type=submit]")
    desk.wait_for_selector("#meetings >> text=Supply contract")
    shoot(desk, "desk-calendar")

    drain()
    link = re.search(r"(http://\S+/meet/\S+)", body(mail.wait_for("rui@supplier.example"))).group(1)
    phone = browser.new_context(**PHONE)  # the participant opens it on their phone
    try:
        small = phone.new_page()
        small.goto(link)
        small.wait_for_selector("#times button")
        assert small.evaluate(OVERFLOW) is None  # fits 390 px without a horizontal scroll
    finally:
        phone.close()
    rui = new_page()
    rui.goto(link)
    rui.wait_for_selector("#times button")
    shoot(rui, "meeting-pick")
    rui.click("#times li:first-child button")
    rui.wait_for_selector("#arranged")

    portal = new_page()
    _sign_in(portal, live_server, agency.client_user)
    portal.goto(f"{live_server}/portal/calendar")
    portal.wait_for_selector("#coming >> text=Supply contract")
    assert "Rui Duarte: picked a time" in portal.inner_text("#meetings")

    with urllib.request.urlopen(f"{live_server}/feeds/{feed_token}.ics", timeout=10) as answer:
        feed = Calendar.from_ical(answer.read())
    [meeting] = [e for e in feed.walk("VEVENT") if str(e["SUMMARY"]) == "Supply contract"]
    with use_agency(agency.agency.id):
        [arranged] = db.session.scalars(select(MeetingRequest)).all()
        first_offered = datetime.fromisoformat(arranged.offered[0])
        assert arranged.event.starts_at == first_offered  # Rui took the first time
    db.session.remove()
    assert meeting.decoded("DTSTART") == first_offered
    drain()  # the invitations, and nothing else waits
    with use_agency(agency.agency.id):
        caldav_sync.sync(db.session.get(Client, agency.client.id))
    db.session.remove()
    there = [str(e.icalendar_component["SUMMARY"]) for e in own.events()]
    assert there == ["Supply contract"]
