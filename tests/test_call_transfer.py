"""Warm put-throughs by conference, who answered a call and whose time it is, and urgent
messages by SMS: the voice webhooks signed like the provider signs them, the jobs on real
Redis, and the provider's REST API faked on loopback (tests/twilio_server.py)."""

# The voice hooks' line fixtures are imported, and named again as the tests' arguments.
# ruff: noqa: F811

import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, urlsplit

import pytest

from agency.domains.accounts import api_tokens
from agency.domains.accounts.models import User
from agency.domains.calls import services
from agency.domains.calls.messages import take_message
from agency.domains.calls.models import Call
from agency.domains.clients.models import Client
from agency.domains.hours.models import TimeEntry
from agency.domains.staff.models import Secretary
from agency.kernel.database import db
from tenants import use_agency
from tests.conftest import post_form, rows, snapshot
from tests.test_voice_hooks import (  # noqa: F401
    CLIENT_PHONE,
    DESK_PHONE,
    LINE,
    STRANGER,
    VIP,
    call,
    cold,
    line,
    twiml,
)

ACCOUNT = "AC123"
TOKEN = "alpha-auth-token-0123456789abcdef"
LEG = "CA00000000000000000000000000leg1"
CONFERENCE = "put-through-CA0001"


@pytest.fixture
def provider(twilio_api):
    twilio_api.accounts[ACCOUNT] = TOKEN
    return twilio_api


def whisper_url(root) -> str:
    url = urlsplit(root.find("Dial/Number").get("url"))
    return f"{url.path}?{url.query}"


def secretary_picks_up(http, root, leg=LEG):
    """The provider fetches the whisper on the secretary's leg: its To is the desk phone."""
    return twiml(call(http, whisper_url(root), CallSid=leg, ParentCallSid="CA0001", To=DESK_PHONE))


def the_call(agency):
    [found] = rows(Call, agency.agency.id)
    return snapshot(found)


def conference(root) -> ET.Element:
    found = root.find("Dial/Conference")
    assert found is not None, ET.tostring(root)
    assert found.text == CONFERENCE
    return found


def path_and_query(url: str) -> tuple[str, dict]:
    parts = urlsplit(url)
    return parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()}


@pytest.fixture
def answered_vip(client, line, agency, drain):
    """A VIP rang; the warm rule rang the secretary, who picked up."""
    root = twiml(call(client, From=VIP))
    assert [n.text for n in root.iter("Number")] == [DESK_PHONE]
    says = [s.text for s in secretary_picks_up(client, root).iter("Say")]
    assert says == ["Call for Alpha Client, to put through to them from your desk."]
    drain()
    return the_call(agency)


def test_warm_vip_call_rings_the_secretary_who_is_recorded_on_answering(answered_vip, agency):
    assert answered_vip.transfer_mode == "warm" and answered_vip.transfer_status is None
    assert answered_vip.answered_by_secretary_id == agency.profile.id
    assert answered_vip.secretary_leg_sid == LEG


def test_desk_pops_put_through_and_pressing_it_moves_the_legs_and_rings_the_client(
    client, login_as, answered_vip, agency, provider, drain
):
    http = login_as(agency.secretary)
    assert "Put through to Alpha Client" in http.get("/desk/calls/").get_data(as_text=True)
    pressed = post_form(http, f"/desk/calls/{answered_vip.id}/put-through", {}, "/desk/calls/")
    assert pressed.status_code == 302
    assert the_call(agency).transfer_status == "requested"
    assert provider.requests == []  # the desk's request only queues the job
    drain()

    [moved] = provider.of("update_call")
    assert moved.path.endswith(f"/Calls/{LEG}.json") and moved.account == ACCOUNT
    waits = conference(ET.fromstring(moved.form["Twiml"]))
    assert waits.get("startConferenceOnEnter") == "false"
    assert waits.get("endConferenceOnExit") == "false"
    [dialled] = provider.of("create_call")
    form = dialled.form
    assert (form["To"], form["From"], form["Timeout"]) == (CLIENT_PHONE, LINE, "20")
    joins_path, joins = path_and_query(form["Url"])
    assert joins_path == "/hooks/voice/client-joins"
    assert joins == {"line": LINE, "call": "CA0001", "caller": VIP}
    status_path, status = path_and_query(form["StatusCallback"])
    assert status_path == "/hooks/voice/client-leg-status" and status["call"] == "CA0001"
    ringing = the_call(agency)
    assert (ringing.transfer_status, ringing.client_leg_sid) == ("ringing", dialled.sid)

    # The secretary's leg left the caller's Dial: its action puts the caller on hold in
    # the same conference.
    held = twiml(call(client, "/hooks/voice/next?step=1", From=VIP, DialCallStatus="completed"))
    assert [s.text for s in held.iter("Say")] == ["Please hold while we put you through."]
    caller = conference(held)
    assert caller.get("startConferenceOnEnter") == "false"
    assert caller.get("endConferenceOnExit") == "true"

    # The client picks up: who is calling, then the conference starts.
    url = form["Url"].removeprefix("http://localhost")
    joined = twiml(call(client, url, CallSid=dialled.sid, From=LINE, To=CLIENT_PHONE))
    assert [s.text for s in joined.iter("Say")] == [f"Call from {VIP}. Connecting."]
    assert conference(joined).get("startConferenceOnEnter") == "true"
    drain()
    assert the_call(agency).transfer_status == "connected"
    page = http.get("/desk/calls/").get_data(as_text=True)
    assert "announce the caller" in page and "Put through to Alpha Client" not in page


def test_client_not_answering_takes_the_caller_back_to_the_secretaries(
    client, answered_vip, agency, provider, drain
):
    from agency.domains.calls.transfers import request_put_through

    with use_agency(agency.agency.id):
        request_put_through(
            db.session.get(Call, answered_vip.id), db.session.get(Secretary, agency.profile.id)
        )
    drain()
    [dialled] = provider.of("create_call")
    status_url = dialled.form["StatusCallback"].removeprefix("http://localhost")
    ended = call(
        client, status_url, CallSid=dialled.sid, From=LINE, To=CLIENT_PHONE, CallStatus="no-answer"
    )
    assert ended.status_code == 204
    drain()
    assert the_call(agency).transfer_status == "no_answer"
    back = provider.of("update_call")[-1]
    assert back.path.endswith("/Calls/CA0001.json")
    path, query = path_and_query(back.form["Url"])
    assert (path, query) == ("/hooks/voice/next", {"line": LINE, "step": "0"})
    again = twiml(call(client, back.form["Url"].removeprefix("http://localhost"), From=VIP))
    assert [n.text for n in again.iter("Number")] == [DESK_PHONE]
    # a second no-answer callback changes nothing
    call(client, status_url, CallSid=dialled.sid, From=LINE, To=CLIENT_PHONE, CallStatus="busy")
    drain()
    assert len(provider.of("update_call")) == 2


def test_put_through_over_the_api_by_the_answering_secretary(
    client, answered_vip, agency, other_agency, provider, drain
):
    with use_agency(agency.agency.id):
        _t, mine = api_tokens.issue_api_token(db.session.get(User, agency.secretary.id), "desk")
        _t, owners = api_tokens.issue_api_token(db.session.get(User, agency.owner.id), "owner")
    url = f"/api/v1/calls/{answered_vip.id}/put-through"
    refused = client.post(url, headers={"Authorization": f"Bearer {owners}"})
    assert refused.status_code == 403 and "Only the secretary" in refused.json["error"]["message"]
    done = client.post(url, headers={"Authorization": f"Bearer {mine}"})
    assert done.status_code == 202 and done.json["transfer_status"] == "requested"
    twice = client.post(url, headers={"Authorization": f"Bearer {mine}"})
    assert twice.status_code == 409
    drain()
    assert len(provider.of("create_call")) == 1


def test_put_through_is_refused_for_a_call_that_is_not_warm(
    client, login_as, cold, agency, provider, drain
):
    twiml(call(client, From=STRANGER))  # an ordinary call, for the secretaries
    drain()
    ordinary = the_call(agency)
    http = login_as(agency.secretary)
    refused = post_form(http, f"/desk/calls/{ordinary.id}/put-through", {}, "/desk/calls/")
    assert refused.status_code == 409
    assert "not one to put through" in refused.get_data(as_text=True)
    assert the_call(agency).transfer_status is None
    drain()
    assert provider.requests == []


def test_put_through_without_the_account_sid_is_refused(client, answered_vip, agency, provider):
    from agency.domains.calls.models import VoiceSettings

    with use_agency(agency.agency.id):
        db.session.scalar(db.select(VoiceSettings)).account_sid = None
        db.session.commit()
        _t, mine = api_tokens.issue_api_token(db.session.get(User, agency.secretary.id), "desk")
    url = f"/api/v1/calls/{answered_vip.id}/put-through"
    refused = client.post(url, headers={"Authorization": f"Bearer {mine}"})
    assert refused.status_code == 409 and the_call(agency).transfer_status is None


# --- whose time a call is ------------------------------------------------------------------


def test_a_call_a_secretary_answered_is_billed_as_that_secretary(client, line, agency, drain):
    root = twiml(call(client))
    secretary_picks_up(client, root)
    done = call(
        client, "/hooks/voice/next?step=1", DialCallStatus="completed", DialCallDuration="95"
    )
    assert twiml(done).find("Hangup") is not None
    call(client, "/hooks/voice/status", CallStatus="completed", CallDuration="100")
    drain()
    answered = the_call(agency)
    assert (answered.answered_by, answered.answered_by_secretary_id) == (
        "secretary",
        agency.profile.id,
    )
    [entry] = rows(TimeEntry, agency.agency.id)
    assert (entry.secretary_id, entry.source, entry.raw_minutes) == (agency.profile.id, "call", 2)
    assert answered.time_entry_id == entry.id


def test_whisper_after_the_bill_still_names_the_secretary(client, line, agency, drain):
    root = twiml(call(client))
    call(client, "/hooks/voice/next?step=1", DialCallStatus="completed", DialCallDuration="30")
    call(client, "/hooks/voice/status", CallStatus="completed", CallDuration="40")
    drain()
    secretary_picks_up(client, root)  # its job runs after the bill was made
    drain()
    [entry] = rows(TimeEntry, agency.agency.id)
    assert entry.secretary_id == agency.profile.id


def test_a_cold_put_through_the_client_answered_is_no_ones_time(client, cold, agency, drain):
    root = twiml(call(client, From=VIP))
    assert [n.text for n in root.iter("Number")] == [CLIENT_PHONE]
    done = call(
        client, "/hooks/voice/next?step=1", From=VIP, DialCallStatus="completed",
        DialCallDuration="300",
    )  # fmt: skip
    assert twiml(done).find("Hangup") is not None
    call(client, "/hooks/voice/status", From=VIP, CallStatus="completed", CallDuration="310")
    drain()
    taken = the_call(agency)
    assert (taken.answered_by, taken.answered_by_secretary_id) == ("client", None)
    assert rows(TimeEntry, agency.agency.id) == []


def test_a_voicemail_is_no_ones_time(client, line, agency, drain):
    with use_agency(agency.agency.id):
        db.session.get(Secretary, agency.profile.id).shift_status = "off"
        db.session.commit()
    assert twiml(call(client)).find("Record") is not None
    call(client, "/hooks/voice/status", CallStatus="completed", CallDuration="45")
    drain()
    assert the_call(agency).answered_by is None
    assert rows(TimeEntry, agency.agency.id) == []


# --- urgent messages by SMS ----------------------------------------------------------------


def test_urgent_message_goes_out_as_one_text_to_the_client(line, agency, provider, drain, mail):
    with use_agency(agency.agency.id):
        services.save_voice_settings({"account_sid": ACCOUNT, "sms_from": "+442079460555"})
        services.save_rules(
            db.session.get(Client, agency.client.id), {"channels": ["sms"]}, partial=True
        )
        take_message(
            {
                "client_id": agency.client.id,
                "caller_name": "Maria Lopes",
                "number": "+351912000111",
                "reason": "The server room is flooding",
                "urgency": "urgent",
            }
        )
    drain()
    drain()  # a second pass: the message is sent once
    [text] = provider.of("create_message")
    assert text.account == ACCOUNT
    assert (text.form["To"], text.form["From"]) == (CLIENT_PHONE, "+442079460555")
    assert "Maria Lopes" in text.form["Body"] and "flooding" in text.form["Body"]
    assert mail.to(agency.client.email) == []  # SMS only, as the rules say


def test_no_text_without_a_sending_number(line, agency, provider, drain):
    with use_agency(agency.agency.id):
        services.save_rules(
            db.session.get(Client, agency.client.id), {"channels": ["sms"]}, partial=True
        )
        take_message({"client_id": agency.client.id, "reason": "Call me", "urgency": "urgent"})
    drain()
    assert provider.requests == []


def test_malformed_or_unsigned_put_through_hooks_are_refused(client, answered_vip, agency, drain):
    leg = {"CallSid": "CAclientleg", "From": LINE, "To": CLIENT_PHONE}
    path = f"/hooks/voice/client-leg-status?call=CA0001&line={LINE.replace('+', '%2B')}"
    assert (
        call(client, path, token="not-the-token", CallStatus="no-answer", **leg).status_code == 403
    )
    assert call(client, path, CallStatus="ringing-ish", **leg).status_code == 400
    no_call = f"/hooks/voice/client-leg-status?line={LINE.replace('+', '%2B')}"
    assert call(client, no_call, CallStatus="no-answer", **leg).status_code == 400
    # a leg that is not this call's client leg changes nothing
    assert call(client, path, CallStatus="no-answer", **leg).status_code == 204
    drain()
    assert the_call(agency).transfer_status is None


def test_put_through_of_a_call_that_does_not_exist_is_404(client, agency):
    with use_agency(agency.agency.id):
        _t, mine = api_tokens.issue_api_token(db.session.get(User, agency.secretary.id), "desk")
    missing = client.post(
        "/api/v1/calls/2147483000/put-through", headers={"Authorization": f"Bearer {mine}"}
    )
    assert missing.status_code == 404


def test_a_secretary_leg_already_gone_fails_the_put_through_and_rings_no_one(
    client, answered_vip, agency, provider, drain
):
    from agency.domains.calls.transfers import request_put_through

    provider.gone_calls.add(LEG)
    with use_agency(agency.agency.id):
        request_put_through(
            db.session.get(Call, answered_vip.id), db.session.get(Secretary, agency.profile.id)
        )
    drain()
    assert the_call(agency).transfer_status == "failed"
    assert [r.action for r in provider.requests] == ["update_call"]
    # the secretary hanging up now ends the call as usual
    done = call(client, "/hooks/voice/next?step=1", From=VIP, DialCallStatus="completed")
    assert twiml(done).find("Hangup") is not None
