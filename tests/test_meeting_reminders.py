"""Reminders before each meeting, by the client's channels, as long before as their
meeting rules say: once per meeting, again after it moves, never for a cancelled one."""

from datetime import UTC, datetime, timedelta

import pytest

from agency.domains.calendar import events
from agency.domains.calendar.models import CalendarEvent
from agency.domains.calendar.reminders import send_due
from agency.domains.calls import services
from agency.domains.clients.models import Client
from agency.kernel.database import db
from tenants import use_agency
from tests.conftest import rows
from tests.mailbox import body
from tests.test_call_transfer import ACCOUNT, TOKEN
from tests.test_voice_hooks import CLIENT_PHONE, line  # noqa: F401

NOON = datetime(2027, 3, 22, 12, 0, tzinfo=UTC)


def meeting(team, starts: datetime, **extra) -> int:
    with use_agency(team.agency.id):
        client = db.session.get(Client, team.client.id)
        made = events.create(
            client,
            {"kind": "meeting", "title": "Board meeting", "starts_at": starts.isoformat(),
             "ends_at": (starts + timedelta(hours=1)).isoformat(), "location": "Rua Augusta 1",
             **extra},
        )  # fmt: skip
        return made.id


def remind(team, now: datetime) -> int:
    with use_agency(team.agency.id):
        sent = send_due(now)
    db.session.remove()
    return sent


def test_the_client_is_reminded_by_email_once_and_again_after_a_move(agency, drain, mail):
    soon = meeting(agency, NOON + timedelta(minutes=50))
    later = meeting(agency, NOON + timedelta(hours=3))
    gone = meeting(agency, NOON + timedelta(minutes=30))
    with use_agency(agency.agency.id):
        events.cancel(db.session.get(CalendarEvent, gone))
    assert remind(agency, NOON) == 1  # within the hour: the first only
    drain()
    [sent] = mail.to(agency.client.email)
    assert "Board meeting" in sent["Subject"] and "Rua Augusta 1" in body(sent)
    assert remind(agency, NOON + timedelta(minutes=1)) == 0  # once
    with use_agency(agency.agency.id):
        moved = db.session.get(CalendarEvent, soon)
        events.update(moved, {"starts_at": (NOON + timedelta(minutes=40)).isoformat(),
                              "ends_at": (NOON + timedelta(minutes=100)).isoformat()})  # fmt: skip
    assert remind(agency, NOON + timedelta(minutes=2)) == 1  # moved: reminded again
    assert remind(agency, NOON + timedelta(hours=2, minutes=5)) == 1  # the later one
    reminded = {e.id: e.reminded_at for e in rows(CalendarEvent, agency.agency.id)}
    assert reminded[later] is not None and reminded[gone] is None


@pytest.mark.usefixtures("line")
def test_a_client_who_asked_for_texts_gets_a_text_and_no_reminder_when_off(
    agency, twilio_api, client
):
    from tests.billing_seed import api_as

    twilio_api.accounts[ACCOUNT] = TOKEN
    with use_agency(agency.agency.id):
        services.save_voice_settings({"account_sid": ACCOUNT, "sms_from": "+442079460555"})
        services.save_rules(
            db.session.get(Client, agency.client.id), {"channels": ["sms"]}, partial=True
        )
    meeting(agency, NOON + timedelta(minutes=20))
    assert remind(agency, NOON) == 1
    [text] = twilio_api.of("create_message")
    assert text.form["To"] == CLIENT_PHONE and "Board meeting" in text.form["Body"]
    call = api_as(client, agency.manager)
    off = call("PUT", f"/api/v1/clients/{agency.client.id}/meeting-rules", {"reminder_minutes": 0})
    assert off.status_code == 200 and off.json["reminder_minutes"] == 0
    meeting(agency, NOON + timedelta(minutes=25))
    assert remind(agency, NOON) == 0
    bad = call("PUT", f"/api/v1/clients/{agency.client.id}/meeting-rules", {"reminder_minutes": -1})
    assert bad.status_code == 422 and "reminder_minutes" in bad.json["error"]["fields"]


def test_the_participants_are_reminded_too_when_the_rules_say_so(agency, client, drain, mail):
    from tests.billing_seed import api_as

    meeting(agency, NOON + timedelta(minutes=30), attendees=[{"email": "ana@partner.example"}])
    assert remind(agency, NOON) == 1
    drain()
    assert mail.to("ana@partner.example") == []  # the client only, by default
    call = api_as(client, agency.manager)
    saved = call(
        "PUT", f"/api/v1/clients/{agency.client.id}/meeting-rules", {"remind_participants": True}
    )
    assert saved.status_code == 200 and saved.json["remind_participants"] is True
    meeting(agency, NOON + timedelta(minutes=45), attendees=[{"email": "ana@partner.example"}])
    assert remind(agency, NOON) == 1
    drain()
    [sent] = mail.to("ana@partner.example")
    assert "Board meeting" in sent["Subject"] and "Office of Alpha Client" in sent["From"]
