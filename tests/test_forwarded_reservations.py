"""Booking confirmations forwarded to the client's address, through the real inbound
hook and reading job: schema.org reservations (JSON-LD and microdata, in the mail or in
a forwarded message attached to it) become segments proposed on the desk, which the
secretary adds to a trip; broken reservation data leaves the mail ordinary mail with a
note, and a mail without any stays plain."""

from datetime import UTC, datetime
from email.message import EmailMessage

import pytest

from agency.domains.calendar.models import CalendarEvent
from agency.domains.travel.models import ProposedSegment, Trip, TripSegment
from agency.domains.work.models import WorkItem
from agency.kernel import clock
from tests.billing_seed import api_as
from tests.conftest import post_form, rows
from tests.test_mail import deliver

NOON_BEFORE = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
FLIGHT = """<script type="application/ld+json">
{"@context": "https://schema.org", "@type": "FlightReservation", "reservationNumber": "X7K2QP",
 "reservedTicket": {"@type": "Ticket", "ticketedSeat": {"@type": "Seat", "seatNumber": "3A"}},
 "reservationFor": {"@type": "Flight", "flightNumber": "209",
   "airline": {"@type": "Airline", "name": "TAP Air Portugal", "iataCode": "TP"},
   "departureAirport": {"@type": "Airport", "iataCode": "LIS"},
   "departureTime": "2027-03-14T10:00:00+00:00",
   "arrivalAirport": {"@type": "Airport", "iataCode": "JFK"},
   "arrivalTime": "2027-03-14T12:30:00-04:00"}}
</script>"""
HOTEL = """<div itemscope itemtype="http://schema.org/LodgingReservation">
<meta itemprop="reservationNumber" content="HJ-55">
<div itemprop="reservationFor" itemscope itemtype="http://schema.org/LodgingBusiness">
<span itemprop="name">The Jane</span>
<div itemprop="address" itemscope itemtype="http://schema.org/PostalAddress">
<span itemprop="streetAddress">113 Jane St</span>
<span itemprop="addressLocality">New York</span></div></div>
<meta itemprop="checkinTime" content="2027-03-14T15:00:00-04:00">
<meta itemprop="checkoutTime" content="2027-03-17T11:00:00-04:00"></div>"""
BROKEN = """<script type="application/ld+json">
{"@context": "https://schema.org", "@type": "FlightReservation", "reservationFor": {
</script>"""


@pytest.fixture(autouse=True)
def frozen():
    clock.freeze(NOON_BEFORE)
    yield
    clock.freeze(None)


def confirmation(to: str, html: str, message_id: str, attached: bool = False) -> bytes:
    """A booking confirmation; with ``attached``, forwarded as a message of its own."""
    original = EmailMessage()
    original["From"] = "TAP <booking@flytap.example>"
    original["To"] = "rita@clinic.example"
    original["Subject"] = "Your booking X7K2QP"
    original.set_content("Your booking is confirmed.")
    original.add_alternative(f"<html><body><p>Confirmed.</p>{html}</body></html>", subtype="html")
    if not attached:
        del original["To"]
        original["To"], original["Message-ID"] = to, message_id
        return bytes(original)
    forward = EmailMessage()
    forward["From"], forward["To"] = "Rita <rita@clinic.example>", to
    forward["Subject"], forward["Message-ID"] = "Fwd: Your booking X7K2QP", message_id
    forward.set_content("For my trip to New York.")
    forward.add_attachment(original)
    return bytes(forward)


def test_a_forwarded_flight_confirmation_is_proposed_and_added_to_a_trip(
    client, app, agency, inbox, login_as
):
    key, address = inbox
    sent = deliver(client, key, confirmation(address, FLIGHT, "<f1@clinic.example>", True))
    assert sent.status_code == 201 and sent.triage == "reply"
    [item] = rows(WorkItem, agency.agency.id)
    assert item.kind == "email"  # the mail is still mail
    item_id = item.id
    [proposal] = rows(ProposedSegment, agency.agency.id)
    proposal_id = proposal.id
    assert (proposal.kind, proposal.status, proposal.problem) == ("flight", "proposed", None)
    assert proposal.segment == {
        "kind": "flight", "from": "LIS", "to": "JFK", "number": "TP 209",
        "carrier": "TAP Air Portugal", "departs": "2027-03-14T10:00:00+00:00",
        "arrives": "2027-03-14T12:30:00-04:00", "reference": "X7K2QP", "seat": "3A",
    }  # fmt: skip

    http = login_as(agency.secretary)
    on_item = http.get(f"/desk/items/{item_id}").get_data(as_text=True)
    assert (
        'id="reservations"' in on_item and "Flight TP 209 LIS → JFK · 2027-03-14 10:00" in on_item
    )
    page = f"/desk/travel/{agency.client.id}"
    shown = http.get(page).get_data(as_text=True)
    assert 'id="reservations"' in shown and "Flight TP 209 LIS → JFK" in shown
    nameless = post_form(http, f"{page}/proposals/{proposal_id}/add", {"trip": ""}, page=page)
    assert nameless.status_code == 302 and rows(Trip, agency.agency.id) == []
    added = post_form(http, f"{page}/proposals/{proposal_id}/add",
                      {"trip": "", "trip_title": "New York"}, page=page)  # fmt: skip
    assert added.status_code == 302, added.get_data(as_text=True)
    [trip] = rows(Trip, agency.agency.id)
    [segment] = rows(TripSegment, agency.agency.id)
    assert (trip.title, segment.number, segment.seat) == ("New York", "TP 209", "3A")
    assert segment.ends_at == datetime(2027, 3, 14, 16, 30, tzinfo=UTC)
    [event] = rows(CalendarEvent, agency.agency.id)
    assert event.title == "Flight TP 209 LIS → JFK"
    [proposal] = rows(ProposedSegment, agency.agency.id)
    assert (proposal.status, proposal.segment_id) == ("added", segment.id)
    again = post_form(http, f"{page}/proposals/{proposal.id}/add",
                      {"trip": str(trip.id)}, page=page)  # fmt: skip
    assert again.status_code == 302 and len(rows(TripSegment, agency.agency.id)) == 1


def test_a_hotel_in_microdata_is_proposed_and_can_be_set_aside_over_the_api(client, agency, inbox):
    key, address = inbox
    assert deliver(client, key, confirmation(address, HOTEL, "<h1@clinic.example>")).triage
    call = api_as(client, agency.secretary)
    [waiting] = call("GET", f"/api/v1/clients/{agency.client.id}/proposed-segments").json
    assert waiting["segment"]["name"] == "The Jane"
    assert waiting["segment"]["address"] == "113 Jane St, New York"
    assert (waiting["segment"]["check_in"], waiting["segment"]["check_out"]) == (
        "2027-03-14", "2027-03-17",
    )  # fmt: skip
    base = f"/api/v1/clients/{agency.client.id}/proposed-segments/{waiting['id']}"
    refused = call("POST", f"{base}/accept", {"trip_id": 999999})
    assert refused.status_code == 422 and "trip_id" in refused.json["error"]["fields"]
    assert call("POST", f"{base}/dismiss").json["status"] == "dismissed"
    assert call("POST", f"{base}/dismiss").status_code == 409
    assert call("GET", f"/api/v1/clients/{agency.client.id}/proposed-segments").json == []
    mine = api_as(client, agency.client_user)
    assert mine("GET", f"/api/v1/clients/{agency.client.id}/proposed-segments").status_code == 403


def test_broken_reservation_data_leaves_ordinary_mail_with_a_note(client, agency, inbox):
    key, address = inbox
    sent = deliver(client, key, confirmation(address, BROKEN, "<b1@clinic.example>"))
    assert sent.status_code == 201 and sent.triage == "reply"
    assert len(rows(WorkItem, agency.agency.id)) == 1
    [note] = rows(ProposedSegment, agency.agency.id)
    assert (note.status, note.segment) == ("unreadable", {})
    assert "cannot be read" in note.problem
    plain = deliver(client, key, confirmation(address, "<p>No data here.</p>", "<p1@x.example>"))
    assert plain.triage == "reply"
    assert len(rows(ProposedSegment, agency.agency.id)) == 1
    assert rows(Trip, agency.agency.id) == [] and rows(TripSegment, agency.agency.id) == []
