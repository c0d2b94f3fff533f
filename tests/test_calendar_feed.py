"""The client's calendar feed: read by a calendar app at a secret address, parsed back
with the icalendar library; reset, other agencies' addresses and the onboarding step."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from agency.domains.calendar import services as feeds
from agency.domains.calendar.models import CalendarFeed
from agency.domains.calls import services as calls
from agency.domains.clients.models import Client
from agency.domains.work import creation
from agency.domains.work import services as work
from agency.domains.work.models import WorkItem
from agency.kernel import clock
from agency.kernel.database import db
from tenants import use_agency
from tests.conftest import PASSWORD, csrf_from, sign_in

NOW = datetime(2026, 3, 20, 12, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    clock.freeze(NOW)
    yield
    clock.freeze(None)


@pytest.fixture
def lisbon(agency):
    """Alpha's client in Lisbon, with two meetings either side of the spring DST change
    (29 March 2026), a journey later cancelled, a task, rules and a weekly window."""
    with use_agency(agency.agency.id):
        client = db.session.get(Client, agency.client.id)
        client.timezone = "Europe/Lisbon"
        client.created_at = datetime(2026, 1, 5, 9, tzinfo=UTC)
        db.session.commit()
        agency.before_dst = _meeting(
            client, "Board meeting", "2026-03-27T09:00", "2026-03-27T10:00"
        )
        agency.after_dst = _meeting(client, "Dentist", "2026-03-30T09:00", "2026-03-30T09:45")
        trip = _meeting(client, "Train to Porto", "2026-04-02T07:00", "2026-04-02T10:00", "travel")
        work.move(db.session.get(WorkItem, trip), "cancel")
        db.session.commit()
        agency.trip = trip
        creation.create_item({"client_id": client.id, "kind": "task", "title": "Renew the lease"})
        calls.save_rules(
            client,
            {
                "scheduled_statuses": [
                    {
                        "starts_at": "2026-05-03T08:00:00+01:00",
                        "ends_at": "2026-05-10T18:00:00+01:00",
                        "text": "On holiday",
                    }
                ],
                "unavailable_windows": [
                    {"weekday": "tue", "start": "09:00", "end": "12:00", "label": "Team meetings"}
                ],
            },
        )
    return agency


def _meeting(client, title, starts, ends, kind="meeting") -> int:
    item, _new = creation.create_item(
        {
            "client_id": client.id,
            "kind": kind,
            "title": title,
            "starts_at": starts,
            "ends_at": ends,
            "location": "Avenida da Liberdade 100, Lisbon",
            "attendees": ["Rui Duarte"],
        }
    )
    return item.id


def _feed_url(agency) -> str:
    with use_agency(agency.agency.id):
        feed = feeds.ensure_feed(db.session.get(Client, agency.client.id))
        return "/feeds/" + feed.token + ".ics"


def _events(body: bytes) -> dict:
    calendar = Calendar.from_ical(body)
    return {str(e["summary"]): e for e in calendar.walk("VEVENT")}


def test_the_feed_holds_the_arranged_meetings_in_utc_across_dst(client, lisbon):
    response = client.get(_feed_url(lisbon))
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    events = _events(response.data)
    board, dentist = events["Board meeting"], events["Dentist"]
    # 09:00 on the client's wall clock: UTC+0 before the change, UTC+1 after it.
    assert board.decoded("dtstart") == datetime(2026, 3, 27, 9, tzinfo=UTC)
    assert dentist.decoded("dtstart") == datetime(2026, 3, 30, 8, tzinfo=UTC)
    assert dentist.decoded("dtend") == datetime(2026, 3, 30, 8, 45, tzinfo=UTC)
    assert str(dentist["location"]) == "Avenida da Liberdade 100, Lisbon"
    assert "Rui Duarte" in str(dentist["description"])
    assert str(dentist["status"]) == "CONFIRMED"
    assert "Renew the lease" not in events
    where = f"client-{lisbon.client.id}.agency-{lisbon.agency.id}@secretariat"
    assert str(board["uid"]) == f"item-{lisbon.before_dst}.{where}"


def test_uids_stay_the_same_from_one_fetch_to_the_next(client, lisbon):
    url = _feed_url(lisbon)
    first = {str(e["uid"]) for e in _events(client.get(url).data).values()}
    second = {str(e["uid"]) for e in _events(client.get(url).data).values()}
    assert first == second and len(first) == 5


def test_a_cancelled_journey_stays_in_the_feed_as_cancelled(client, lisbon):
    trip = _events(client.get(_feed_url(lisbon)).data)["Train to Porto"]
    assert str(trip["status"]) == "CANCELLED"
    assert trip.decoded("dtstart") == datetime(2026, 4, 2, 6, tzinfo=UTC)
    assert int(trip["sequence"]) == 1


def test_planned_statuses_and_the_status_now_are_busy_events(client, lisbon):
    with use_agency(lisbon.agency.id):
        calls.set_status(
            db.session.get(Client, lisbon.client.id),
            {"status_text": "In a meeting", "status_until": "2026-03-20T15:00:00+00:00"},
        )
    events = _events(client.get(_feed_url(lisbon)).data)
    holiday = events["On holiday"]
    assert holiday.decoded("dtstart") == datetime(2026, 5, 3, 7, tzinfo=UTC)
    assert holiday.decoded("dtend") == datetime(2026, 5, 10, 17, tzinfo=UTC)
    assert str(holiday["transp"]) == "OPAQUE"
    now = events["In a meeting"]
    assert now.decoded("dtstart") == NOW
    assert now.decoded("dtend") == datetime(2026, 3, 20, 15, tzinfo=UTC)


def test_a_weekly_window_repeats_on_the_clients_wall_clock(client, lisbon):
    body = client.get(_feed_url(lisbon)).data
    window = _events(body)["Team meetings"]
    assert window["rrule"]["FREQ"] == ["WEEKLY"] and window["rrule"]["BYDAY"] == ["TU"]
    starts = window.decoded("dtstart")
    assert window["dtstart"].params["TZID"] == "Europe/Lisbon"
    assert (starts.date(), starts.hour, starts.minute) == (date(2026, 1, 6), 9, 0)
    assert window.decoded("dtend").hour == 12
    # The zone travels with the feed, summer time and all, so a calendar app keeps the
    # window at 09:00 in Lisbon when the clocks change (08:00 UTC from 29 March).
    [zone] = Calendar.from_ical(body).walk("VTIMEZONE")
    assert str(zone["tzid"]) == "Europe/Lisbon"
    lisbon_tz = zone.to_tz()
    assert lisbon_tz.utcoffset(datetime(2026, 3, 24, 9)) == timedelta(0)
    assert lisbon_tz.utcoffset(datetime(2026, 3, 31, 9)) == timedelta(hours=1)


def test_an_unchanged_feed_answers_304_to_its_etag(client, lisbon):
    url = _feed_url(lisbon)
    first = client.get(url)
    assert first.headers["ETag"] and "max-age" in first.headers["Cache-Control"]
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_a_reset_address_answers_404_and_the_new_one_works(app, client, lisbon):
    old = _feed_url(lisbon)
    assert client.get(old).status_code == 200
    sign_in(client, lisbon.client_user)
    page = client.get("/portal/calendar").get_data(as_text=True)
    assert old in page and "webcal://localhost" + old in page
    response = client.post("/portal/calendar/reset", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 302
    page = client.get("/portal/calendar").get_data(as_text=True)
    new = re.search(r"(/feeds/[^\"]+\.ics)", page).group(1)
    assert new != old and old not in page
    gone = app.test_client().get(old)  # a calendar app: nobody signed in
    assert gone.status_code == 404 and b"Alpha" not in gone.data and b"BEGIN" not in gone.data
    assert client.get(new).status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/feeds/nothing.ics",
        "/feeds/1-short.ics",
        "/feeds/999999-" + "a" * 43 + ".ics",
    ],
)
def test_a_made_up_address_is_a_bare_404(client, lisbon, url):
    _feed_url(lisbon)
    response = client.get(url)
    assert response.status_code == 404
    assert b"Alpha" not in response.data and b"VCALENDAR" not in response.data


def test_another_agencys_number_on_the_address_finds_nothing(client, lisbon, other_agency):
    _agency_id, secret = _feed_url(lisbon).removeprefix("/feeds/").split("-", 1)
    response = client.get(f"/feeds/{other_agency.agency.id}-{secret}")
    assert response.status_code == 404
    bravo = _feed_url(other_agency)
    body = client.get(bravo).data
    assert b"Bravo" in body and b"Alpha" not in body and b"Board meeting" not in body


def test_an_archived_clients_feed_is_gone(client, lisbon):
    url = _feed_url(lisbon)
    with use_agency(lisbon.agency.id):
        db.session.get(Client, lisbon.client.id).archived_at = NOW
        db.session.commit()
    assert client.get(url).status_code == 404


def test_the_feed_is_rate_limited_per_address(app, client, lisbon):
    app.config["FEED_RATE_LIMIT"] = "3 per hour"
    url = _feed_url(lisbon)
    assert [client.get(url).status_code for _ in range(4)] == [200, 200, 200, 429]


def test_the_onboarding_step_is_done_once_a_calendar_app_fetched_the_feed(client, lisbon):
    sign_in(client, lisbon.client_user)
    page = client.get("/portal/onboarding").get_data(as_text=True)
    assert 'data-step="calendar" class="todo"' in page
    assert "Subscribe to your calendar feed" in page
    url = _feed_url(lisbon)
    client.get(url)
    page = client.get("/portal/onboarding").get_data(as_text=True)
    assert 'data-step="calendar" class="done"' in page
    with use_agency(lisbon.agency.id):
        feed = db.session.scalar(select(CalendarFeed))
        assert feed.first_fetched_at == NOW
        feeds.reset(db.session.get(Client, lisbon.client.id))
    page = client.get("/portal/onboarding").get_data(as_text=True)
    assert 'data-step="calendar" class="todo"' in page


def test_the_token_is_kept_hashed_and_encrypted(app, lisbon):
    url = _feed_url(lisbon)
    token = url.removeprefix("/feeds/").removesuffix(".ics")
    from sqlalchemy import create_engine, text

    engine = create_engine(
        app.config["DATABASE_MIGRATE_URL"] or app.config["SQLALCHEMY_DATABASE_URI"]
    )
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT token, token_hash FROM calendar_feeds")).one()
    engine.dispose()
    assert token not in stored.token and token not in stored.token_hash


def test_the_portal_lists_the_arranged_meetings_on_the_clients_clock(client, lisbon):
    sign_in(client, lisbon.client_user)
    page = client.get("/portal/calendar").get_data(as_text=True)
    assert "Dentist" in page and "Board meeting" in page and "Train to Porto" in page
    assert "9:00" in page and "Europe/Lisbon" in page
    assert "Renew the lease" not in page


def test_someone_signed_in_elsewhere_reads_the_feed_and_stays_themselves(
    client, lisbon, other_agency
):
    sign_in(client, other_agency.owner)
    assert client.get(_feed_url(lisbon)).status_code == 200
    assert client.get("/feeds/1-" + "a" * 43 + ".ics").status_code == 404
    page = client.get("/console/")
    assert page.status_code == 200 and "Bravo" in page.get_data(as_text=True)


def test_a_manager_reads_and_resets_the_feed_over_the_api(client, lisbon, other_agency):
    token = client.post(
        "/api/v1/auth/token", json={"email": lisbon.manager.email, "password": PASSWORD}
    ).json["token"]
    headers = {"Authorization": f"Bearer {token}"}
    url = f"/api/v1/clients/{lisbon.client.id}/calendar-feed"
    shown = client.get(url, headers=headers)
    assert shown.status_code == 200, shown.json
    old = shown.json["web"]
    assert old.startswith("http://localhost/feeds/") and shown.json["webcal"].startswith(
        "webcal://"
    )
    assert shown.json["first_fetched_at"] is None
    client.get(old.removeprefix("http://localhost"))
    assert client.get(url, headers=headers).json["first_fetched_at"] is not None
    reset = client.post(url + "/reset", headers=headers)
    assert reset.status_code == 200 and reset.json["web"] != old
    assert client.get(old.removeprefix("http://localhost")).status_code == 404
    bravo = f"/api/v1/clients/{other_agency.client.id}/calendar-feed"
    assert client.get(bravo, headers=headers).status_code == 404
    assert (
        "/api/v1/clients/{client_id}/calendar-feed"
        in client.get("/api/v1/openapi.json").json["paths"]
    )


def test_the_manager_sees_the_feed_on_the_clients_page(client, lisbon):
    sign_in(client, lisbon.manager)
    page = client.get(f"/console/clients/{lisbon.client.id}").get_data(as_text=True)
    assert "once they open Calendar in the portal" in page
    url = _feed_url(lisbon)
    page = client.get(f"/console/clients/{lisbon.client.id}").get_data(as_text=True)
    assert "webcal://localhost" + url in page and "not read by a calendar app yet" in page
