"""The client's day: the meetings and travel of their calendar, the bills due or overdue
and the calls to return, on the portal's home page, over the API, and by email at the
hour the client chose, once a day."""

from datetime import UTC, datetime

import pytest

from agency.domains.calls.models import Message
from agency.domains.clients.models import Client
from agency.domains.notify.models import OutboundEmail
from agency.domains.paperwork import bills
from agency.domains.schedules.tick import run_for_agency
from agency.kernel import clock
from agency.kernel.database import db
from tenants import use_agency
from tests.billing_seed import api_as
from tests.conftest import post_form, rows

MORNING = datetime(2027, 3, 1, 6, 30, tzinfo=UTC)  # 06:30 in Lisbon


@pytest.fixture
def busy_day(agency):
    clock.freeze(MORNING)
    with use_agency(agency.agency.id):
        client = db.session.get(Client, agency.client.id)
        client.timezone = "Europe/Lisbon"
        db.session.commit()
        bills.create(
            client,
            {
                "supplier": "EDP Comercial",
                "amount": "84.20",
                "currency": "EUR",
                "due_on": "2027-02-25",
            },
        )
        db.session.add(
            Message(
                client_id=client.id,
                caller_name="Dr. Mendes",
                number="+351217805000",
                reason="The Monday schedule",
                callback_wanted=True,
            )
        )
        db.session.commit()  # fmt: skip
    db.session.remove()
    yield agency
    clock.freeze(None)


def add_event(client, team):
    made = api_as(client, team.manager)(
        "POST", f"/api/v1/clients/{team.client.id}/events",
        {"title": "Board meeting", "starts_at": "2027-03-01T10:00:00",
         "ends_at": "2027-03-01T11:00:00", "location": "Rua Augusta 1"},
    )  # fmt: skip
    assert made.status_code == 201, made.json


def test_the_day_is_on_the_portal_home_and_in_the_api(client, busy_day, login_as):
    add_event(client, busy_day)
    http = login_as(busy_day.client_user)
    home = http.get("/portal/").get_data(as_text=True)
    assert 'id="today"' in home and "Board meeting" in home
    assert "EDP Comercial" in home and "overdue" in home and "The Monday schedule" in home
    call = api_as(client, busy_day.secretary)
    day = call("GET", f"/api/v1/clients/{busy_day.client.id}/agenda").json
    assert day["day"] == "2027-03-01"
    assert [e["title"] for e in day["events"]] == ["Board meeting"]
    assert [b["supplier"] for b in day["bills"]] == ["EDP Comercial"]
    assert [c["reason"] for c in day["calls"]] == ["The Monday schedule"]
    other = call("GET", f"/api/v1/clients/{busy_day.client.id}/agenda?day=2027-03-02").json
    assert other["events"] == []
    bad = call("GET", f"/api/v1/clients/{busy_day.client.id}/agenda?day=tomorrow")
    assert bad.status_code == 422 and "day" in bad.json["error"]["fields"]


def test_the_agenda_is_emailed_at_the_clients_hour_once_a_day(client, busy_day, login_as):
    add_event(client, busy_day)
    http = login_as(busy_day.client_user)
    saved = post_form(http, "/portal/agenda-settings", {"enabled": "y", "hour": "8"},
                      page="/portal/")  # fmt: skip
    assert saved.status_code == 302
    wrong = api_as(client, busy_day.client_user)(
        "PUT", f"/api/v1/clients/{busy_day.client.id}/agenda-settings",
        {"enabled": True, "hour": 25},
    )  # fmt: skip
    assert wrong.status_code == 422 and "hour" in wrong.json["error"]["fields"]
    agency_id = busy_day.agency.id

    def agendas():
        sent = sorted(rows(OutboundEmail, agency_id), key=lambda e: e.id)
        return [e for e in sent if e.purpose == "daily_agenda"]

    run_for_agency(agency_id, datetime(2027, 3, 1, 7, 59, tzinfo=UTC))  # 07:59 in Lisbon
    assert agendas() == []
    run_for_agency(agency_id, datetime(2027, 3, 1, 8, 0, tzinfo=UTC))
    run_for_agency(agency_id, datetime(2027, 3, 1, 9, 0, tzinfo=UTC))
    [sent] = agendas()
    assert (sent.to_address, sent.subject) == ("client@alpha.example", "Your day: 2027-03-01")
    assert "Board meeting" in sent.body_text and "EDP Comercial" in sent.body_text
    assert "Dr. Mendes (+351217805000): The Monday schedule" in sent.body_text
    run_for_agency(agency_id, datetime(2027, 3, 2, 8, 0, tzinfo=UTC))
    assert [e.subject for e in agendas()][-1] == "Your day: 2027-03-02"
    assert len(agendas()) == 2
