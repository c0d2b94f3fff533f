"""The client's public booking page: a contact books a kind of meeting at a free time
without signing in; the booking is a confirmed meeting with the invitation sent and an
item on the desk. Only free times show; a time taken meanwhile is refused; while the
client is away the page says so and offers times after; bad input is refused."""

from datetime import UTC, datetime

import pytest
from icalendar import Calendar

from agency.domains.calendar.models import BookingPage, CalendarEvent, MeetingRequest
from agency.domains.clients.models import Client
from agency.domains.work.models import WorkItem
from agency.kernel import clock
from agency.kernel.database import db
from tenants import use_agency
from tests.billing_seed import api_as
from tests.conftest import csrf_from, rows

NOON_BEFORE = datetime(2027, 3, 19, 12, 0, tzinfo=UTC)  # a Friday


@pytest.fixture
def lisbon(agency):
    clock.freeze(NOON_BEFORE)
    with use_agency(agency.agency.id):
        db.session.get(Client, agency.client.id).timezone = "Europe/Lisbon"
        db.session.commit()
    yield agency
    clock.freeze(None)


def open_page(client, team, **extra) -> str:
    call = api_as(client, team.client_user)
    call(
        "PUT",
        f"/api/v1/clients/{team.client.id}/meeting-rules",
        {"working_hours": {"mon": [["09:00", "11:00"]], "tue": [["09:00", "11:00"]]}},
    )
    saved = call(
        "PUT",
        f"/api/v1/clients/{team.client.id}/booking-page",
        {"enabled": True, "types": [{"name": "Intro call", "minutes": 30},
                                    {"name": "Site visit", "minutes": 60, "location": "On site"}],
         **extra},
    )  # fmt: skip
    assert saved.status_code == 200, saved.json
    return saved.json["url"].removeprefix("http://localhost")


def test_a_contact_books_a_meeting_and_it_is_arranged(client, app, lisbon, drain, mail):
    path = open_page(client, lisbon)
    http = app.test_client()
    kinds = http.get(path)
    assert kinds.status_code == 200 and "Intro call" in kinds.get_data(as_text=True)
    page = http.get(f"{path}?type=1").get_data(as_text=True)
    starts = __import__("re").findall(r'name="start" value="([^"]+)"', page)
    # Mondays and Tuesdays 09:00-11:00 for two weeks, an hour each on the quarter hour.
    assert starts[0] == "2027-03-22T09:00:00+00:00" and len(starts) == 20
    booked = http.post(
        path,
        data={"type": "1", "start": starts[0], "name": "Ana Lima", "email": "ana@partner.example",
              "csrf_token": csrf_from(page)},
    )  # fmt: skip
    assert booked.status_code == 200, booked.get_data(as_text=True)
    assert 'id="booked"' in booked.get_data(as_text=True)
    [event] = rows(CalendarEvent, lisbon.agency.id)
    assert (event.title, event.location) == ("Site visit with Ana Lima", "On site")
    assert event.starts_at == datetime(2027, 3, 22, 9, tzinfo=UTC)
    [request] = rows(MeetingRequest, lisbon.agency.id)
    assert request.status == "confirmed"
    assert [i.title for i in rows(WorkItem, lisbon.agency.id)] == [
        "Booked: Site visit with Ana Lima"
    ]
    drain()
    [part] = [p for p in mail.wait_for("ana@partner.example").walk() if p.get_filename()]
    assert str(Calendar.from_ical(part.get_payload(decode=True))["METHOD"]) == "REQUEST"
    # The same time again: gone, and the page offers the rest.
    again = http.post(
        path,
        data={"type": "1", "start": starts[0], "name": "Rui", "email": "rui@supplier.example",
              "csrf_token": csrf_from(page)},
    )  # fmt: skip
    assert again.status_code == 409 and starts[0] not in again.get_data(as_text=True)
    assert len(rows(CalendarEvent, lisbon.agency.id)) == 1


def test_bad_bookings_are_refused_and_write_nothing(client, app, lisbon):
    path = open_page(client, lisbon)
    http = app.test_client()
    page = http.get(f"{path}?type=0").get_data(as_text=True)
    token = csrf_from(page)
    first = __import__("re").findall(r'name="start" value="([^"]+)"', page)[0]
    for data, status in (
        ({"type": "0", "start": first, "name": "Ana", "email": "not-an-address"}, 422),
        ({"type": "0", "start": first, "name": "", "email": "ana@partner.example"}, 422),
        ({"type": "7", "start": first, "name": "Ana", "email": "ana@partner.example"}, 400),
        ({"type": "0", "start": "tomorrow", "name": "Ana", "email": "ana@partner.example"}, 400),
        ({"type": "0", "start": "2027-03-22T03:00:00+00:00", "name": "Ana",
          "email": "ana@partner.example"}, 409),
    ):  # fmt: skip
        answer = http.post(path, data={**data, "csrf_token": token})
        assert answer.status_code == status, (data, answer.status_code)
    no_token = http.post(
        path, data={"type": "0", "start": first, "name": "A", "email": "a@b.example"}
    )
    assert no_token.status_code == 400
    assert (
        rows(CalendarEvent, lisbon.agency.id) == [] and rows(MeetingRequest, lisbon.agency.id) == []
    )
    assert http.get("/book/1-aaaaaaaaaaaaaaaa").status_code == 404
    assert http.get("/book/not-an-address").status_code == 404


def test_while_the_client_is_away_the_page_says_so_and_offers_times_after(client, app, lisbon):
    path = open_page(
        client, lisbon, away_from="2027-03-18", away_to="2027-03-22",
        away_message="Away until Monday: write to the office.",
    )  # fmt: skip
    page = app.test_client().get(f"{path}?type=0").get_data(as_text=True)
    assert "Away until Monday" in page
    starts = __import__("re").findall(r'name="start" value="([^"]+)"', page)
    assert starts and all(s.startswith("2027-03-23") or s > "2027-03-23" for s in starts)


def test_a_closed_page_is_not_found_and_its_settings_are_checked(client, app, lisbon):
    path = open_page(client, lisbon)
    call = api_as(client, lisbon.client_user)
    url = f"/api/v1/clients/{lisbon.client.id}/booking-page"
    for bad, field in (
        ({"enabled": True, "types": []}, "types"),
        ({"types": [{"name": "x", "minutes": 2}]}, "types"),
        ({"away_from": "2027-03-20"}, "away_to"),
        ({"away_from": "2027-03-20", "away_to": "2027-03-10"}, "away_to"),
    ):
        answer = call("PUT", url, bad)
        assert answer.status_code == 422 and field in answer.json["error"]["fields"], answer.json
    assert call("PUT", url, {"enabled": False}).status_code == 200
    assert app.test_client().get(path).status_code == 404
    [page] = rows(BookingPage, lisbon.agency.id)
    assert page.enabled is False
