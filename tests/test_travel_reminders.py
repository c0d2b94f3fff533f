"""Travel reminders by the minute tick, at the instants the client's travel preferences
set: online check-in opening and leaving for the airport before a flight, and before a
hotel's check-in; each once however often the tick runs, none for a cancelled trip or
one the client turned off."""

from datetime import UTC, datetime

from agency.domains.notify.models import OutboundEmail
from agency.domains.schedules.tick import run_for_agency
from tests.billing_seed import api_as
from tests.conftest import rows
from tests.test_trips import flight, lisbon, new_trip  # noqa: F401 - the fixture

HOTEL = {"kind": "hotel", "name": "The Jane", "check_in": "2027-03-03",
         "check_out": "2027-03-05", "from_zone": "America/New_York"}  # fmt: skip


def reminders(agency_id: int) -> list[str]:
    sent = sorted(rows(OutboundEmail, agency_id), key=lambda e: e.id)
    return [e.subject for e in sent if e.purpose == "travel_reminder"]


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2027, 3, day, hour, minute, tzinfo=UTC)


def test_reminders_go_at_the_instants_the_client_chose_and_once(client, lisbon):  # noqa: F811
    call, trip = new_trip(client, lisbon)
    # Leaves Lisbon 10:00 (UTC) on 3 March; the hotel in New York from 15:00 EDT (19:00 UTC).
    going = flight(departs="2027-03-03T10:00", arrives="2027-03-03T12:30")
    assert call("POST", f"{trip}/segments", going).status_code == 201
    assert call("POST", f"{trip}/segments", HOTEL).status_code == 201
    agency_id = lisbon.agency.id
    run_for_agency(agency_id, at(2, 9, 59))
    assert reminders(agency_id) == []  # check-in opens 24 hours before
    run_for_agency(agency_id, at(2, 10))
    run_for_agency(agency_id, at(2, 10, 1))  # the tick again: nothing twice
    assert reminders(agency_id) == ["Check-in is open: Flight TP 209 LIS → JFK"]
    run_for_agency(agency_id, at(3, 6, 59))
    assert len(reminders(agency_id)) == 1
    run_for_agency(agency_id, at(3, 7))  # three hours before it leaves
    assert reminders(agency_id)[-1] == "Time to leave for the airport: Flight TP 209 LIS → JFK"
    run_for_agency(agency_id, at(3, 16))  # three hours before the hotel's check-in
    run_for_agency(agency_id, at(3, 17))
    assert reminders(agency_id)[-1] == "Hotel check-in today: Hotel: The Jane"
    assert len(reminders(agency_id)) == 3
    [first] = [e for e in rows(OutboundEmail, agency_id) if e.subject.startswith("Check-in")]
    assert first.to_address == "client@alpha.example"
    assert "Reference: X7K2QP" in first.body_text and "Seat: 3A" in first.body_text


def test_no_reminder_the_client_turned_off_nor_for_a_cancelled_trip(client, lisbon):  # noqa: F811
    api_as(client, lisbon.client_user)(
        "PUT", f"/api/v1/clients/{lisbon.client.id}/travel-preferences",
        {"checkin_hours": 0, "leave_minutes": 60},
    )  # fmt: skip
    call, trip = new_trip(client, lisbon)
    call("POST", f"{trip}/segments", flight(departs="2027-03-03T10:00", arrives="2027-03-03T12:30"))
    run_for_agency(lisbon.agency.id, at(2, 10))
    run_for_agency(lisbon.agency.id, at(3, 7))
    assert reminders(lisbon.agency.id) == []
    run_for_agency(lisbon.agency.id, at(3, 9))  # an hour before, as the client chose
    assert len(reminders(lisbon.agency.id)) == 1
    other, cancelled = new_trip(client, lisbon)
    later = flight(departs="2027-03-04T10:00", arrives="2027-03-04T12:30", number="TP 211")
    other("POST", f"{cancelled}/segments", later)
    other("POST", f"{cancelled}/cancel")
    run_for_agency(lisbon.agency.id, at(4, 9))
    assert len(reminders(lisbon.agency.id)) == 1
