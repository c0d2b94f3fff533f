"""Trips on the desk (made, segments added with their local times, a bad segment refused
beside its field with nothing written, a segment removed, the trip cancelled) and in the
portal (the trip coming, a change asked for)."""

import io
from datetime import UTC, datetime

import pytest

from agency.domains.calendar.models import CalendarEvent
from agency.domains.clients.models import Client
from agency.domains.travel.models import Trip, TripDocument, TripSegment
from agency.domains.work.models import WorkItem
from agency.kernel import clock
from agency.kernel.database import db
from tenants import use_agency
from tests.conftest import post_form, rows, sign_in

NOON_BEFORE = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def lisbon(agency):
    clock.freeze(NOON_BEFORE)
    with use_agency(agency.agency.id):
        db.session.get(Client, agency.client.id).timezone = "Europe/Lisbon"
        db.session.commit()
    yield agency
    clock.freeze(None)


def test_the_secretary_arranges_a_trip_on_the_desk(client, app, lisbon, login_as):
    http = login_as(lisbon.secretary)
    assert "Alpha Client" in http.get("/desk/travel/").get_data(as_text=True)
    page = f"/desk/travel/{lisbon.client.id}"
    empty = post_form(http, page, {"title": ""}, page=page)
    assert empty.status_code == 422 and rows(Trip, lisbon.agency.id) == []
    made = post_form(http, page, {"title": "New York", "travellers": "Alpha Client\nAna Lima"},
                     page=page)  # fmt: skip
    assert made.status_code == 302, made.get_data(as_text=True)
    [trip] = rows(Trip, lisbon.agency.id)
    assert trip.travellers == ["Alpha Client", "Ana Lima"]
    trip_id = trip.id
    trip_page = made.headers["Location"]
    flight = {
        "kind": "flight", "origin": "LIS", "destination": "JFK", "number": "TP 209",
        "departs": "2027-03-14T10:00", "arrives": "2027-03-14T12:30", "seat": "3A",
    }  # fmt: skip
    wrong = post_form(http, f"{trip_page}/segments", {**flight, "origin": "XQZ"}, page=trip_page)
    html = wrong.get_data(as_text=True)
    assert wrong.status_code == 422 and "Unknown airport code: XQZ." in html
    assert 'id="origin-error"' in html
    assert rows(TripSegment, lisbon.agency.id) == [] and rows(CalendarEvent, lisbon.agency.id) == []
    added = post_form(http, f"{trip_page}/segments", flight, page=trip_page)
    assert added.status_code == 302, added.get_data(as_text=True)
    shown = http.get(trip_page).get_data(as_text=True)
    assert "Flight TP 209 LIS → JFK" in shown
    # Each end on its own clock: 10:00 in Lisbon, 12:30 in New York.
    assert "10:00" in shown and "12:30" in shown and "Seat: 3A" in shown
    hotel = {"kind": "hotel", "name": "The Jane", "check_in": "2027-03-14",
             "check_out": "2027-03-17", "from_zone": "America/New_York"}  # fmt: skip
    assert post_form(http, f"{trip_page}/segments", hotel, page=trip_page).status_code == 302
    [stay] = [s for s in rows(TripSegment, lisbon.agency.id) if s.kind == "hotel"]
    removed = post_form(http, f"{trip_page}/segments/{stay.id}/remove", {}, page=trip_page)
    assert removed.status_code == 302
    assert [s.kind for s in rows(TripSegment, lisbon.agency.id)] == ["flight"]
    # A document: a PDF kept, a page that only claims to be one refused.
    pdf = b"%PDF-1.4\n%%EOF\n"
    kept = post_form(http, f"{trip_page}/documents", {"file": (io.BytesIO(pdf), "ticket.pdf")},
                     page=trip_page, content_type="multipart/form-data")  # fmt: skip
    assert kept.status_code == 302, kept.get_data(as_text=True)
    fake = post_form(http, f"{trip_page}/documents",
                     {"file": (io.BytesIO(b"<html>hello</html>"), "fake.pdf")},
                     page=trip_page, content_type="multipart/form-data")  # fmt: skip
    assert fake.status_code == 415 and "fake.pdf is not a PDF" in fake.get_data(as_text=True)
    [document] = rows(TripDocument, lisbon.agency.id)
    document_id = document.id
    download = http.get(f"{trip_page}/documents/{document_id}")
    assert download.status_code == 200 and download.data == pdf
    cancelled = post_form(http, f"{trip_page}/cancel", {}, page=trip_page)
    assert cancelled.status_code == 302
    assert [t.status for t in rows(Trip, lisbon.agency.id)] == ["cancelled"]
    assert all(e.cancelled_at for e in rows(CalendarEvent, lisbon.agency.id))
    assert 'id="segment-form"' not in http.get(trip_page).get_data(as_text=True)

    portal = app.test_client()
    sign_in(portal, lisbon.client_user)
    assert portal.get(page).status_code == 403
    # The client reads the trip's document from the portal; another client's people do not.
    fetched = portal.get(f"/portal/trips/{trip_id}/documents/{document_id}")
    assert fetched.status_code == 200 and fetched.data == pdf


def test_the_client_sees_the_trip_coming_and_asks_for_a_change(client, app, lisbon, login_as):
    from agency.domains.travel import trips

    with use_agency(lisbon.agency.id):
        trip = trips.create_trip(db.session.get(Client, lisbon.client.id), {"title": "Porto"})
        trips.add_segment(
            trip,
            {
                "kind": "train",
                "from": "Lisboa Santa Apolónia",
                "to": "Porto Campanhã",
                "number": "AP 121",
                "departs": "2027-03-10T09:00",
                "arrives": "2027-03-10T11:50",
            },
        )
        trip_id = trip.id
    db.session.remove()  # fmt: skip
    http = login_as(lisbon.client_user)
    page = http.get("/portal/trips").get_data(as_text=True)
    assert "Porto" in page and "Train AP 121 Lisboa Santa Apolónia → Porto Campanhã" in page
    empty = post_form(http, f"/portal/trips/{trip_id}/change", {"text": " "}, page="/portal/trips")
    assert empty.status_code == 422 and rows(WorkItem, lisbon.agency.id) == []
    asked = post_form(http, f"/portal/trips/{trip_id}/change",
                      {"text": "A later train, please."}, page="/portal/trips")  # fmt: skip
    assert asked.status_code == 302
    [item] = rows(WorkItem, lisbon.agency.id)
    assert (item.kind, item.body) == ("travel", "A later train, please.")
    assert http.get("/portal/trips/999999/change").status_code in (404, 405)
