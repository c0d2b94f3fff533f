"""The client sets "away until" and a VIP in the portal; a signed call from someone else
rings the secretary; the secretary takes the message on the desk; the client reads it.
A VIP's call is put through warm from the desk."""

import time
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

import pytest
from twilio.request_validator import RequestValidator

from agency.domains.calls import services
from agency.domains.calls.models import Call
from agency.domains.clients.models import Client
from agency.domains.staff.models import Secretary
from agency.kernel.database import db
from agency.kernel.validation import WEEKDAYS
from tenants import use_agency
from tests.browser.conftest import not_reloaded, shoot, stay_on_page
from tests.conftest import PASSWORD
from workers.worker import start_embedded, stop_embedded

TOKEN = "alpha-live-token"
LINE = "+442079460100"
DESK_PHONE = "+351910000001"
CALLER = "+442079460999"


def _sign_in(page, base, user):
    page.goto(f"{base}/login")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


def _ring(base: str, path: str = "/hooks/voice", **fields) -> ET.Element:
    form = {"CallSid": "CAlive00001", "From": CALLER, "To": LINE, **fields}
    url = f"{base}{path}"
    request = urllib.request.Request(
        url,
        data=urllib.parse.urlencode(form).encode(),
        headers={"X-Twilio-Signature": RequestValidator(TOKEN).compute_signature(url, form)},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback)
        return ET.fromstring(response.read())


def test_a_non_vip_call_becomes_a_message_the_client_reads(
    live_server, browser_page, new_page, agency, drain
):
    with use_agency(agency.agency.id):
        services.save_voice_settings({"auth_token": TOKEN})
        services.add_number({"number": LINE, "client_id": agency.client.id})
        secretary = db.session.get(Secretary, agency.profile.id)
        secretary.phone, secretary.shift_status = DESK_PHONE, "on_shift"
        secretary.schedule = {day: [["00:00", "24:00"]] for day in WEEKDAYS}  # rung whenever
        db.session.commit()
    db.session.remove()

    portal = browser_page
    _sign_in(portal, live_server, agency.client_user)
    portal.goto(f"{live_server}/portal/calls/")
    portal.fill("#status-form input[name=status_text]", "Away at a conference")
    portal.fill("#status-form input[name=status_until]", "2099-01-01 18:00")
    portal.click("#status-form button[type=submit]")
    portal.wait_for_selector("#current-status >> text=Away at a conference")
    portal.goto(f"{live_server}/portal/calls/rules")
    portal.fill("#call-rules-form textarea[name=vip_numbers]", "+442079460001")
    portal.fill("#call-rules-form input[name=client_phone]", "+351912345678")
    portal.click("#call-rules-form button[type=submit]")
    portal.wait_for_selector("text=Call rules saved.")

    root = _ring(live_server)
    assert [n.text for n in root.iter("Number")] == [DESK_PHONE]
    drain()
    db.session.remove()

    desk = new_page()
    _sign_in(desk, live_server, agency.secretary)
    desk.goto(f"{live_server}/desk/calls/")
    pop = desk.wait_for_selector(".screen-pop")
    assert "Away at a conference" in pop.inner_text()
    desk.click(".screen-pop >> text=Take a message")
    desk.fill("#message-form input[name=caller_name]", "Maria Lopes")
    desk.fill("#message-form input[name=number]", "not a number")
    desk.fill("#message-form textarea[name=reason]", "Please call about the lease renewal")
    desk.click("#message-form button[type=submit]")
    desk.wait_for_selector(".field-error")
    assert desk.input_value("#message-form textarea[name=reason]").startswith("Please call")
    desk.fill("#message-form input[name=number]", CALLER)
    desk.click("#message-form button[type=submit]")
    desk.wait_for_selector("text=Message taken for")
    shoot(desk, "desk-calls")

    portal.goto(f"{live_server}/portal/calls/")
    row = portal.wait_for_selector("tr.message >> text=Please call about the lease renewal")
    assert row is not None
    shoot(portal, "portal-calls")
    desk.reload()
    assert "Read" in desk.inner_text("table.messages")


def test_a_vip_call_is_put_through_from_the_desk(
    live_server, browser_page, agency, drain, twilio_api
):
    twilio_api.accounts["AClive0001"] = TOKEN
    with use_agency(agency.agency.id):
        services.save_voice_settings({"account_sid": "AClive0001", "auth_token": TOKEN})
        services.add_number({"number": LINE, "client_id": agency.client.id})
        secretary = db.session.get(Secretary, agency.profile.id)
        secretary.phone, secretary.shift_status = DESK_PHONE, "on_shift"
        secretary.schedule = {day: [["00:00", "24:00"]] for day in WEEKDAYS}  # rung whenever
        db.session.commit()
        services.save_rules(
            db.session.get(Client, agency.client.id),
            {"vip_numbers": [CALLER], "client_phone": "+351912345678"},
        )
    db.session.remove()

    root = _ring(live_server)
    whisper = urllib.parse.urlsplit(root.find("Dial/Number").get("url"))
    _ring(
        live_server,
        f"{whisper.path}?{whisper.query}",
        CallSid="CAlive0000leg",
        ParentCallSid="CAlive00001",
        To=DESK_PHONE,
    )
    drain()
    db.session.remove()

    desk = browser_page
    _sign_in(desk, live_server, agency.secretary)
    desk.goto(f"{live_server}/desk/calls/")
    desk.click(".screen-pop >> text=Put through to Alpha Client")
    desk.wait_for_selector("text=Putting the caller through to Alpha Client.")
    drain()
    desk.reload()
    desk.wait_for_selector(".transfer-status >> text=The client's phone is ringing")
    assert [r.form["To"] for r in twilio_api.of("create_call")] == ["+351912345678"]


@pytest.fixture
def worker(app):
    """A real worker on the test's Redis, in a thread, for as long as the test runs."""
    app.config["SCHEDULES_ENABLED"] = False
    start_embedded(app)
    yield
    stop_embedded(app)


def test_a_ringing_call_pops_on_the_open_desk_without_a_reload(
    live_server, browser_page, agency, worker
):
    with use_agency(agency.agency.id):
        services.save_voice_settings({"auth_token": TOKEN})
        services.add_number({"number": LINE, "client_id": agency.client.id})
        secretary = db.session.get(Secretary, agency.profile.id)
        secretary.phone, secretary.shift_status = DESK_PHONE, "on_shift"
        secretary.schedule = {day: [["00:00", "24:00"]] for day in WEEKDAYS}
        client = db.session.get(Client, agency.client.id)
        client.greeting = "Good morning, Alpha Dental"
        db.session.add(
            Call(
                call_sid="CAearlier0001",
                client_id=client.id,
                from_number=CALLER,
                to_number=LINE,
                action="ring_secretaries",
                rule="default",
                status="completed",
                duration_seconds=95,
            )
        )
        db.session.commit()
        services.save_rules(
            client,
            {
                "vip_numbers": ["+442079460001"],
                "call_types": [{"name": "New patient", "questions": ["Which insurer covers you?"]}],
            },
        )
    db.session.remove()

    desk = browser_page
    _sign_in(desk, live_server, agency.secretary)
    desk.wait_for_url("**/desk/")
    stay_on_page(desk)
    assert desk.locator(".screen-pop").count() == 0

    rung = time.monotonic()
    _ring(live_server)
    pop = desk.wait_for_selector(".screen-pop", timeout=2000)
    assert time.monotonic() - rung < 2.0
    said = pop.inner_text()
    assert "Good morning, Alpha Dental" in said
    assert "Instructions of Alpha" in said
    assert "+442079460001" in said
    assert "Which insurer covers you?" in pop.inner_html()
    assert "completed" in said  # the caller's earlier call
    assert not_reloaded(desk)
    shoot(desk, "desk-pop")
