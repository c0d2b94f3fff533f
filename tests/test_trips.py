"""A client's trips over the API: a flight's local times read on each airport's clock
(across a DST change at one end), a hotel from check-in to check-out on its own clock,
each segment a travel event in the client's calendar and feed, removal and cancelling
cancelling the events, bad segments refused with nothing written, the client reading
their trips and asking for a change."""

from datetime import UTC, datetime

import pytest
from icalendar import Calendar

from agency.domains.calendar import services as feeds
from agency.domains.calendar.models import CalendarEvent
from agency.domains.clients.models import Client
from agency.domains.travel.models import Trip, TripSegment
from agency.domains.work.models import WorkItem
from agency.kernel import clock
from agency.kernel.database import db
from tenants import use_agency
from tests.billing_seed import api_as
from tests.conftest import rows

pytestmark = pytest.mark.sqlite

NOON_BEFORE = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def lisbon(agency):
    clock.freeze(NOON_BEFORE)
    with use_agency(agency.agency.id):
        db.session.get(Client, agency.client.id).timezone = "Europe/Lisbon"
        db.session.commit()
    yield agency
    clock.freeze(None)


def new_trip(client, team):
    call = api_as(client, team.secretary)
    made = call("POST", f"/api/v1/clients/{team.client.id}/trips",
                {"title": "New York", "travellers": ["Alpha Client", " "]})  # fmt: skip
    assert made.status_code == 201, made.json
    assert made.json["travellers"] == ["Alpha Client"]
    return call, f"/api/v1/clients/{team.client.id}/trips/{made.json['id']}"


def flight(**extra) -> dict:
    return {"kind": "flight", "from": "lis", "to": "JFK", "number": "TP 209",
            "departs": "2027-03-14T10:00:00", "arrives": "2027-03-14T12:30:00",
            "seat": "3A", "reference": "X7K2QP", **extra}  # fmt: skip


def test_a_flight_is_read_on_each_airports_clock_across_a_dst_change(client, lisbon):
    call, trip = new_trip(client, lisbon)
    # New York moves its clocks on 14 March 2027, Lisbon on 28 March.
    out = call("POST", f"{trip}/segments", flight())
    assert out.status_code == 201, out.json
    assert (out.json["from"], out.json["to"]) == ("LIS", "JFK")
    assert (out.json["start_zone"], out.json["end_zone"]) == ("Europe/Lisbon", "America/New_York")
    assert out.json["starts_at"].startswith("2027-03-14T10:00:00")  # WET is UTC
    assert out.json["ends_at"].startswith("2027-03-14T16:30:00")  # EDT is UTC-4 from today
    assert (out.json["departs_local"], out.json["arrives_local"]) == (
        "2027-03-14T10:00", "2027-03-14T12:30",
    )  # fmt: skip
    back = call("POST", f"{trip}/segments", flight(**{
        "from": "JFK", "to": "LIS", "number": "TP 210",
        "departs": "2027-03-27T18:00:00", "arrives": "2027-03-28T07:00:00"}))  # fmt: skip
    assert back.status_code == 201, back.json
    assert back.json["starts_at"].startswith("2027-03-27T22:00:00")
    assert back.json["ends_at"].startswith("2027-03-28T06:00:00")  # WEST is UTC+1 by then

    shown = call("GET", trip).json
    assert [s["number"] for s in shown["segments"]] == ["TP 209", "TP 210"]
    assert shown["starts_at"].startswith("2027-03-14T10:00") and shown["ends_at"].startswith(
        "2027-03-28T06:00"
    )
    titles = {e.title: e for e in rows(CalendarEvent, lisbon.agency.id)}
    assert set(titles) == {"Flight TP 209 LIS → JFK", "Flight TP 210 JFK → LIS"}
    going = titles["Flight TP 209 LIS → JFK"]
    assert (going.kind, going.busy, going.timezone) == ("travel", True, "Europe/Lisbon")
    assert going.starts_at == datetime(2027, 3, 14, 10, tzinfo=UTC)
    assert "Reference: X7K2QP" in going.notes and "Seat: 3A" in going.notes

    with use_agency(lisbon.agency.id):
        token = feeds.ensure_feed(db.session.get(Client, lisbon.client.id)).token
    db.session.remove()
    feed = Calendar.from_ical(client.get(f"/feeds/{token}.ics").data)
    summaries = {str(e["SUMMARY"]) for e in feed.walk("VEVENT")}
    assert "Flight TP 209 LIS → JFK" in summaries


def test_a_hotel_runs_from_check_in_to_check_out_on_its_own_clock(client, lisbon):
    call, trip = new_trip(client, lisbon)
    stay = call("POST", f"{trip}/segments",
                {"kind": "hotel", "name": "The Jane", "address": "113 Jane St, New York",
                 "check_in": "2027-03-14", "check_out": "2027-03-17",
                 "from_zone": "America/New_York", "reference": "HJ-55"})  # fmt: skip
    assert stay.status_code == 201, stay.json
    assert stay.json["starts_at"].startswith("2027-03-14T19:00:00")  # 15:00 EDT
    assert stay.json["ends_at"].startswith("2027-03-17T15:00:00")  # 11:00 EDT
    [event] = rows(CalendarEvent, lisbon.agency.id)
    # A hotel stay leaves the client free for meetings.
    assert (event.title, event.busy, event.location) == (
        "Hotel: The Jane", False, "113 Jane St, New York",
    )  # fmt: skip
    train = call("POST", f"{trip}/segments",
                 {"kind": "train", "from": "New York Penn", "to": "Washington Union",
                  "number": "Acela 2151", "from_zone": "America/New_York",
                  "departs": "2027-03-16T08:00", "arrives": "2027-03-16T10:45"})  # fmt: skip
    assert train.status_code == 201, train.json
    assert train.json["title"] == "Train Acela 2151 New York Penn → Washington Union"
    assert train.json["end_zone"] == "America/New_York"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (flight(**{"from": "XQZ"}), "from"),
        (flight(to="not an airport"), "to"),
        (flight(arrives="2027-03-14T05:00:00"), "arrives"),  # 09:00 UTC: before it leaves
        (flight(number=None), "number"),
        (flight(departs="yesterday"), "departs"),
        (
            {"kind": "hotel", "name": "Inn", "check_in": "2027-03-14", "check_out": "2027-03-14"},
            "check_out",
        ),
        ({"kind": "hotel", "name": "Inn", "check_in": "2027-03-14"}, "check_out"),
        (
            {
                "kind": "train",
                "from": "A",
                "to": "B",
                "from_zone": "Mars/Olympus",
                "departs": "2027-03-16T08:00",
                "arrives": "2027-03-16T10:45",
            },
            "from_zone",
        ),
        ({"kind": "boat", "name": "Ferry"}, "kind"),
        (
            {
                "kind": "other",
                "name": "Conference",
                "departs": "2027-03-16T08:00",
                "arrives": "2027-09-16T08:00",
            },
            "arrives",
        ),
    ],
)
def test_a_segment_that_does_not_hold_together_is_refused_and_nothing_is_written(
    client, lisbon, body, field
):
    call, trip = new_trip(client, lisbon)
    refused = call("POST", f"{trip}/segments", body)
    assert refused.status_code == 422, refused.json
    assert field in refused.json["error"]["fields"], refused.json
    assert rows(TripSegment, lisbon.agency.id) == []
    assert rows(CalendarEvent, lisbon.agency.id) == []


def test_removing_a_segment_and_cancelling_the_trip_cancel_their_events(client, lisbon):
    call, trip = new_trip(client, lisbon)
    first = call("POST", f"{trip}/segments", flight()).json
    call("POST", f"{trip}/segments", flight(number="TP 210", **{"from": "JFK", "to": "LIS"},
         departs="2027-03-20T18:00", arrives="2027-03-21T06:00"))  # fmt: skip
    assert call("DELETE", f"{trip}/segments/{first['id']}").status_code == 204
    assert [s.number for s in rows(TripSegment, lisbon.agency.id)] == ["TP 210"]
    gone = {e.title: e.cancelled_at for e in rows(CalendarEvent, lisbon.agency.id)}
    assert gone["Flight TP 209 LIS → JFK"] is not None
    assert gone["Flight TP 210 JFK → LIS"] is None
    assert call("POST", f"{trip}/cancel").json["status"] == "cancelled"
    assert all(e.cancelled_at for e in rows(CalendarEvent, lisbon.agency.id))
    refused = call("POST", f"{trip}/segments", flight())
    assert refused.status_code == 409
    assert call("GET", f"{trip}/segments/999").status_code in (404, 405)


def test_the_client_reads_their_trips_and_asks_for_a_change(client, lisbon):
    call, trip = new_trip(client, lisbon)
    call("POST", f"{trip}/segments", flight())
    mine = api_as(client, lisbon.client_user)
    [listed] = mine("GET", f"/api/v1/clients/{lisbon.client.id}/trips").json
    assert listed["title"] == "New York" and listed["segments"][0]["seat"] == "3A"
    refused = mine("POST", f"{trip}/segments", flight())
    assert refused.status_code == 403
    assert len(rows(TripSegment, lisbon.agency.id)) == 1
    empty = mine("POST", f"{trip}/change-requests", {"text": 5})
    assert empty.status_code == 422 and "text" in empty.json["error"]["fields"]
    asked = mine("POST", f"{trip}/change-requests", {"text": "An aisle seat, please."})
    assert asked.status_code == 201, asked.json
    [item] = rows(WorkItem, lisbon.agency.id)
    assert (item.id, item.kind, item.body) == (asked.json["item_id"], "travel",
                                               "An aisle seat, please.")  # fmt: skip
    assert item.title == "Change to the trip New York"
    assert [t.status for t in rows(Trip, lisbon.agency.id)] == ["planned"]


def another_clients_person(team):
    """A person of another client of the same agency."""
    from agency.domains.accounts.models import Role, User
    from agency.domains.accounts.passwords import hash_password
    from tests.conftest import PASSWORD, snapshot

    with use_agency(team.agency.id):
        other = Client(name="Neighbour Client", timezone="Europe/Lisbon")
        db.session.add(other)
        db.session.flush()
        person = User(email="person@neighbour.example", name="Neighbour", role=Role.client,
                      client_id=other.id, password_hash=hash_password(PASSWORD))  # fmt: skip
        db.session.add(person)
        db.session.commit()
        found = snapshot(person)
    db.session.remove()
    return found


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def test_a_trips_documents_are_pdfs_or_images_read_by_those_who_see_the_trip(
    client, app, lisbon, other_agency
):
    call, trip = new_trip(client, lisbon)
    raw = "application/octet-stream"
    kept = call("POST", f"{trip}/documents?filename=e-ticket.pdf", data=PDF, content_type=raw)
    assert kept.status_code == 201, kept.json
    assert (kept.json["filename"], kept.json["content_type"], kept.json["size_bytes"]) == (
        "e-ticket.pdf", "application/pdf", len(PDF),
    )  # fmt: skip
    disguised = call("POST", f"{trip}/documents?filename=ticket.pdf",
                     data=b"<html><script>alert(1)</script>", content_type=raw)  # fmt: skip
    assert disguised.status_code == 415 and "file" in disguised.json["error"]["fields"]
    app.config["TRIP_DOCUMENT_MAX_BYTES"], limit = 64, app.config["TRIP_DOCUMENT_MAX_BYTES"]
    try:
        big = call("POST", f"{trip}/documents?filename=big.pdf", data=PDF + b"x" * 64,
                   content_type=raw)  # fmt: skip
    finally:
        app.config["TRIP_DOCUMENT_MAX_BYTES"] = limit
    assert big.status_code == 413
    nameless = call("POST", f"{trip}/documents", data=PDF, content_type=raw)
    assert nameless.status_code == 422
    assert [d["filename"] for d in call("GET", trip).json["documents"]] == ["e-ticket.pdf"]

    document = f"{trip}/documents/{kept.json['id']}"
    mine = api_as(client, lisbon.client_user)
    fetched = mine("GET", document)
    assert fetched.status_code == 200 and fetched.data == PDF
    assert fetched.headers["Content-Disposition"].startswith("attachment;")
    assert mine("DELETE", document).status_code == 403
    theirs = api_as(client, other_agency.manager)("GET", document)
    assert theirs.status_code == 404
    neighbour = api_as(client, another_clients_person(lisbon))
    assert neighbour("GET", document).status_code == 404
    assert neighbour("GET", trip).status_code == 404
    assert call("DELETE", document).status_code == 204
    assert call("GET", document).status_code == 404
