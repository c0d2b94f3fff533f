"""Message digests: every client with messages waiting gets one at their digest times (the
defaults for a client who never saved rules), handled messages stay out, and each caller in
it can be blocked from a signed link after a confirmation, in the link's agency only."""

import re
import time
from datetime import UTC, datetime

import pytest

from agency.domains.calls import services
from agency.domains.calls.messages import mark_handled, take_message
from agency.domains.calls.models import CallRules, Message
from agency.domains.clients.models import Client
from agency.domains.schedules.tick import run_for_agency
from agency.kernel import clock
from agency.kernel.database import db
from tenants import use_agency
from tests.conftest import csrf_from, rows, sign_in
from tests.mailbox import body

TUESDAY_10 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
PAST_17 = datetime(2026, 12, 1, 17, 1, tzinfo=UTC)  # past 17:00 in the clients' zone (UTC)
CALLER = "+442079460555"
BLOCK_LINK = re.compile(r"http://localhost/calls/block/\S+")


@pytest.fixture(autouse=True)
def tuesday():
    clock.freeze(TUESDAY_10)
    yield
    clock.freeze(None)


def _take(team, reason: str, number: str | None = None) -> int:
    with use_agency(team.agency.id):
        return take_message(
            {"client_id": team.client.id, "reason": reason, "number": number, "urgency": "normal"}
        ).id


def _digest_hour(team, drain) -> None:
    clock.freeze(PAST_17)
    run_for_agency(team.agency.id)
    drain()


def _rules(team) -> CallRules:
    with use_agency(team.agency.id):
        db.session.expire_all()
        return services.rules_for(db.session.get(Client, team.client.id))


def test_a_client_who_never_saved_rules_gets_the_default_digest(agency, other_agency, drain, mail):
    _take(agency, "Alpha brochure request")
    _take(other_agency, "Bravo supplier question")
    assert rows(CallRules, agency.agency.id) == []
    run_for_agency(agency.agency.id)  # 10:00: no digest time has passed since
    drain()
    assert mail.to(agency.client.email) == []
    _digest_hour(agency, drain)
    [digest] = mail.to(agency.client.email)
    assert "Alpha brochure request" in body(digest)
    assert "Bravo" not in body(digest)
    assert rows(CallRules, agency.agency.id) == []  # the defaults were used, not saved
    run_for_agency(agency.agency.id)  # the same minute again: nothing more
    drain()
    assert len(mail.to(agency.client.email)) == 1
    run_for_agency(other_agency.agency.id)
    drain()
    [bravo] = mail.to(other_agency.client.email)
    assert "Bravo supplier question" in body(bravo) and "Alpha" not in body(bravo)


def test_messages_the_client_already_handled_stay_out_of_the_digest(agency, drain, mail):
    handled = _take(agency, "Already called them back")
    _take(agency, "Please send the contract")
    with use_agency(agency.agency.id):
        mark_handled(db.session.get(Message, handled))
    _digest_hour(agency, drain)
    [digest] = mail.to(agency.client.email)
    assert "Please send the contract" in body(digest)
    assert "Already called them back" not in body(digest)
    assert "Your messages: 1" in digest["Subject"]


def test_no_digest_when_every_message_was_handled(agency, drain, mail):
    with use_agency(agency.agency.id):
        mark_handled(db.session.get(Message, _take(agency, "Handled in the portal")))
    _digest_hour(agency, drain)
    assert mail.to(agency.client.email) == []


def _block_link(agency, drain, mail) -> str:
    _take(agency, "Cheap energy offer", CALLER)
    _take(agency, "No number left", None)
    _digest_hour(agency, drain)
    text = body(mail.wait_for(agency.client.email))
    links = BLOCK_LINK.findall(text)
    assert len(links) == 1, text  # only a message with a number can be blocked
    return links[0]


def test_the_digests_block_link_blocks_the_caller_once_confirmed(
    app, agency, other_agency, drain, mail
):
    link = _block_link(agency, drain, mail)
    http = app.test_client()  # from the email: nobody signed in
    page = http.get(link)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and f"Block {CALLER}?" in html
    assert CALLER not in _rules(agency).block_numbers  # a GET changes nothing
    assert http.post(link, data={}).status_code == 400  # no CSRF token: refused
    assert CALLER not in _rules(agency).block_numbers
    done = http.post(link, data={"csrf_token": csrf_from(html)})
    assert done.status_code == 200 and "This caller is blocked." in done.get_data(as_text=True)
    assert CALLER in _rules(agency).block_numbers
    with use_agency(agency.agency.id):
        [message] = [m for m in rows(Message, agency.agency.id) if m.number == CALLER]
        assert (message.urgency, message.handled_at is not None) == ("spam", True)
        decision = services.simulate(
            db.session.get(Client, agency.client.id),
            {"caller": CALLER, "at": "2026-12-02T10:00:00Z"},
        )
    assert decision.rule == "blocked"
    assert _rules(other_agency).block_numbers == []


def test_a_block_link_works_in_its_own_agency_whoever_is_signed_in(
    app, agency, other_agency, drain, mail
):
    link = _block_link(agency, drain, mail)
    http = app.test_client()
    sign_in(http, other_agency.owner)
    html = http.get(link).get_data(as_text=True)
    http.post(link, data={"csrf_token": csrf_from(html)})
    assert CALLER in _rules(agency).block_numbers
    assert _rules(other_agency).block_numbers == []


def test_an_altered_or_expired_block_link_is_refused_and_blocks_nothing(app, agency, drain, mail):
    link = _block_link(agency, drain, mail)
    http = app.test_client()
    altered = link[:-3] + ("aaa" if not link.endswith("aaa") else "bbb")
    assert http.get(altered).status_code == 400
    assert http.post(altered, data={}).status_code == 400
    app.config["BLOCK_LINK_MAX_AGE_SECONDS"] = 0
    time.sleep(1.1)
    expired = http.get(link)
    assert expired.status_code == 400 and "expired" in expired.get_data(as_text=True)
    assert CALLER not in _rules(agency).block_numbers
