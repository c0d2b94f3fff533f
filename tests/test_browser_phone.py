"""Answering in the browser: a secretary without a phone is rung at her desk (the voice
decision dials her browser client); her desk's access token carries only an incoming
Voice grant for her identity, lives an hour, and is given only to a signed-in secretary
on shift, once the agency has saved an API key (kept encrypted)."""

import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from sqlalchemy import text

from agency.domains.calls import services
from agency.domains.staff.models import Secretary
from agency.kernel.database import db
from agency.kernel.validation import WEEKDAYS
from tenants import use_agency
from tests.conftest import PASSWORD, csrf_from, sign_in
from tests.test_voice_hooks import LINE, TOKEN, call

pytestmark = pytest.mark.sqlite

ACCOUNT = "AC" + "1" * 32
KEY = "SK" + "2" * 32
KEY_SECRET = "a-32-byte-or-longer-api-key-secret-0123456789"


@pytest.fixture
def browser_desk(agency):
    """Alpha's line; its secretary has no phone, works all week and is on shift."""
    with use_agency(agency.agency.id):
        services.save_voice_settings(
            {"account_sid": ACCOUNT, "auth_token": TOKEN, "api_key_sid": KEY,
             "api_key_secret": KEY_SECRET}
        )  # fmt: skip
        services.add_number({"number": LINE, "client_id": agency.client.id})
        secretary = db.session.get(Secretary, agency.profile.id)
        secretary.phone, secretary.shift_status = None, "on_shift"
        secretary.schedule = {day: [["00:00", "24:00"]] for day in WEEKDAYS}
        db.session.commit()
    db.session.remove()
    return agency


def _shift(agency, status: str) -> None:
    with use_agency(agency.agency.id):
        db.session.get(Secretary, agency.profile.id).shift_status = status
        db.session.commit()
    db.session.remove()


def test_a_secretary_without_a_phone_is_rung_in_her_browser(client, browser_desk):
    response = call(client)
    assert response.status_code == 200
    root = ET.fromstring(response.get_data(as_text=True))
    assert [n.text for n in root.iter("Number")] == []
    desk = root.find("Dial/Client")
    assert desk is not None
    assert desk.find("Identity").text == f"desk-{browser_desk.profile.id}"
    assert desk.find("Parameter").attrib == {"name": "client", "value": "Alpha Client"}
    whisper = urlsplit(desk.get("url"))
    assert whisper.path == "/hooks/voice/whisper"
    assert parse_qs(whisper.query)["desk"] == [str(browser_desk.profile.id)]


def test_off_shift_her_browser_is_not_rung(client, browser_desk):
    _shift(browser_desk, "off")
    root = ET.fromstring(call(client).get_data(as_text=True))
    assert root.find("Dial/Client") is None
    assert root.find("Record") is not None  # voicemail


def _token(client, agency):
    sign_in(client, agency.secretary)
    page = client.get("/desk/").get_data(as_text=True)
    return client.post("/desk/voice/token", headers={"X-CSRFToken": csrf_from(page)})


def test_her_desk_token_carries_an_incoming_voice_grant_for_an_hour(client, browser_desk):
    page = None
    sign_in(client, browser_desk.secretary)
    page = client.get("/desk/").get_data(as_text=True)
    assert 'id="browser-phone"' in page
    assert "twilio-voice-2.18.5.min.js" in page
    answer = client.post("/desk/voice/token", headers={"X-CSRFToken": csrf_from(page)})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    body = answer.json
    claims = jwt.decode(body["token"], KEY_SECRET, algorithms=["HS256"])
    identity = f"desk-{browser_desk.profile.id}"
    assert body["identity"] == identity and body["expires_in"] == 3600
    assert claims["grants"] == {"identity": identity, "voice": {"incoming": {"allow": True}}}
    assert claims["iss"] == KEY and claims["sub"] == ACCOUNT
    assert claims["exp"] - claims["nbf"] == 3600


@pytest.mark.parametrize("status", ["off", "on_break"])
def test_only_a_secretary_on_shift_gets_a_token(client, browser_desk, status):
    _shift(browser_desk, status)
    answer = _token(client, browser_desk)
    assert answer.status_code == 403
    assert answer.json["error"]["message"] == "Go on shift to answer calls in the browser."


def test_no_token_without_an_api_key(client, agency):
    with use_agency(agency.agency.id):
        services.save_voice_settings({"account_sid": ACCOUNT, "auth_token": TOKEN})
        db.session.get(Secretary, agency.profile.id).shift_status = "on_shift"
        db.session.commit()
    db.session.remove()
    answer = _token(client, agency)
    assert answer.status_code == 409
    assert "API key" in answer.json["error"]["message"]
    assert 'id="browser-phone"' not in client.get("/desk/").get_data(as_text=True)


def test_no_token_for_anyone_else(client, browser_desk):
    assert client.post("/desk/voice/token").status_code in (302, 400)  # signed out
    sign_in(client, browser_desk.manager)
    page = client.get("/console/").get_data(as_text=True)
    answer = client.post("/desk/voice/token", headers={"X-CSRFToken": csrf_from(page)})
    assert answer.status_code == 403


def test_the_token_needs_the_pages_csrf_token(client, browser_desk):
    sign_in(client, browser_desk.secretary)
    assert client.post("/desk/voice/token").status_code == 400


def _bearer(client, user) -> dict:
    token = client.post(
        "/api/v1/auth/token", json={"email": user.email, "password": PASSWORD}
    ).json["token"]
    return {"Authorization": f"Bearer {token}"}


def test_the_api_gives_a_secretary_on_shift_her_token_and_no_one_else(client, browser_desk):
    answer = client.post("/api/v1/voice/token", headers=_bearer(client, browser_desk.secretary))
    assert answer.status_code == 201
    claims = jwt.decode(answer.json["token"], KEY_SECRET, algorithms=["HS256"])
    assert claims["grants"]["identity"] == f"desk-{browser_desk.profile.id}"
    manager = _bearer(client, browser_desk.manager)
    assert client.post("/api/v1/voice/token", headers=manager).status_code == 403
    assert client.post("/api/v1/voice/token").status_code == 401


def test_the_api_key_secret_is_kept_encrypted_and_never_read_back(client, browser_desk):
    manager = _bearer(client, browser_desk.manager)
    settings = client.get("/api/v1/voice/settings", headers=manager)
    assert settings.status_code == 200
    assert settings.json["api_key_sid"] == KEY
    assert "api_key_secret" not in settings.json and "auth_token" not in settings.json
    with use_agency(browser_desk.agency.id):
        stored = db.session.execute(text("SELECT api_key_secret FROM voice_settings")).scalar()
    db.session.remove()
    assert stored and KEY_SECRET not in stored
    # Saved again without the secret: the saved one stays.
    again = client.put(
        "/api/v1/voice/settings",
        json={"account_sid": ACCOUNT, "api_key_sid": KEY, "sms_from": None},
        headers=manager,
    )
    assert again.status_code == 200
    assert (
        client.post(
            "/api/v1/voice/token", headers=_bearer(client, browser_desk.secretary)
        ).status_code
        == 201
    )
    refused = client.put("/api/v1/voice/settings", json={"api_key_sid": "x" * 65}, headers=manager)
    assert refused.status_code == 422 and "api_key_sid" in refused.json["error"]["fields"]
