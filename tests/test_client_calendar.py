"""The client's calendar: events made here (with SEQUENCE and ETag), an imported .ics file
with its recurring events expanded, the meeting rules of the instruction sheet, and free
times for a meeting found by them, across a DST change, around all-day, overlapping and
back-to-back events, buffers, the daily cap and the notice."""

from datetime import UTC, date, datetime

import pytest
from icalendar import Calendar

from agency.domains.calendar.models import CalendarEvent, MeetingRules
from agency.domains.clients.models import Client
from agency.kernel import clock
from agency.kernel.database import db
from tenants import use_agency
from tests.billing_seed import api_as
from tests.conftest import rows

pytestmark = pytest.mark.sqlite

# A Monday; Lisbon leaves winter time on Sunday 28 March 2027.
MONDAY = date(2027, 3, 22)
NOON_BEFORE = datetime(2027, 3, 19, 12, 0, tzinfo=UTC)

WEEKLY_AND_ALL_DAY = b"""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Test//Client's own calendar//EN
BEGIN:VEVENT
UID:standup@own.example
DTSTART;TZID=Europe/Lisbon:20270322T100000
DTEND;TZID=Europe/Lisbon:20270322T110000
RRULE:FREQ=WEEKLY;COUNT=4
SUMMARY:Standup
END:VEVENT
BEGIN:VEVENT
UID:holiday@own.example
DTSTART;VALUE=DATE:20270324
DTEND;VALUE=DATE:20270325
SUMMARY:Holiday
END:VEVENT
BEGIN:VEVENT
UID:birthday@own.example
DTSTART;VALUE=DATE:20270323
DTEND;VALUE=DATE:20270324
SUMMARY:A birthday
TRANSP:TRANSPARENT
END:VEVENT
END:VCALENDAR
"""


@pytest.fixture
def frozen():
    clock.freeze(NOON_BEFORE)
    yield NOON_BEFORE
    clock.freeze(None)


@pytest.fixture
def lisbon(agency):
    with use_agency(agency.agency.id):
        db.session.get(Client, agency.client.id).timezone = "Europe/Lisbon"
        db.session.commit()
    return agency


def as_manager(client, team):
    return api_as(client, team.manager)


def slots(call, team, minutes, first, last):
    path = f"/api/v1/clients/{team.client.id}/free-slots?minutes={minutes}&from={first}&to={last}"
    answer = call("GET", path)
    assert answer.status_code == 200, answer.json
    return [s["local"] for s in answer.json]


def rules(call, team, **values):
    answer = call("PUT", f"/api/v1/clients/{team.client.id}/meeting-rules", values)
    assert answer.status_code == 200, answer.json
    return answer.json


def busy(call, team, title, starts_at, ends_at, **extra):
    answer = call(
        "POST",
        f"/api/v1/clients/{team.client.id}/events",
        {"title": title, "starts_at": starts_at, "ends_at": ends_at, **extra},
    )
    assert answer.status_code == 201, answer.json
    return answer.json


def test_an_event_is_made_changed_and_cancelled_with_its_sequence_and_etag(client, lisbon, frozen):
    call = as_manager(client, lisbon)
    made = busy(
        call,
        lisbon,
        "Board meeting",
        "2027-03-22T10:00:00",  # on the client's clock
        "2027-03-22T11:30:00",
        kind="meeting",
        location="Rua Augusta 1",
        video_url="https://meet.example/board",
        attendees=[{"email": "Ana@Partner.example", "name": "Ana"}],
    )
    assert made["starts_at"].startswith("2027-03-22T10:00:00")  # Lisbon is on UTC in March
    assert made["timezone"] == "Europe/Lisbon" and made["sequence"] == 0
    assert made["attendees"] == [
        {"email": "ana@partner.example", "name": "Ana", "status": "needs-action"}
    ]
    path = f"/api/v1/clients/{lisbon.client.id}/events/{made['id']}"
    notes = call("PATCH", path, {"notes": "Bring the accounts"})
    assert notes.status_code == 200 and notes.json["sequence"] == 0
    assert notes.json["etag"] != made["etag"]
    moved = call(
        "PATCH", path, {"starts_at": "2027-03-22T14:00:00", "ends_at": "2027-03-22T15:00:00"}
    )
    assert moved.json["sequence"] == 1 and moved.json["starts_at"].startswith("2027-03-22T14:00")
    assert moved.json["attendees"][0]["status"] == "needs-action"
    whole_day = call("PATCH", path, {"all_day": True, "starts_on": "2027-03-29"})
    assert whole_day.status_code == 200, whole_day.json
    # After the clocks went forward: midnight in Lisbon is 23:00 UTC the day before.
    assert whole_day.json["starts_at"].startswith("2027-03-28T23:00")
    assert whole_day.json["ends_at"].startswith("2027-03-29T23:00")
    gone = call("DELETE", path)
    assert gone.status_code == 200 and gone.json["cancelled_at"] is not None
    assert gone.json["sequence"] == 3
    listed = call("GET", f"/api/v1/clients/{lisbon.client.id}/events?from=2027-03-20&to=2027-04-10")
    assert [e["id"] for e in listed.json] == [made["id"]]
    refused = call("PATCH", path, {"title": "Again"})
    assert refused.status_code == 422


AN_HOUR = {"title": "x", "starts_at": "2027-03-22T10:00", "ends_at": "2027-03-22T11:00"}
BAD_EVENTS = [
    ({**AN_HOUR, "ends_at": "2027-03-22T09:00"}, "ends_at"),
    ({**AN_HOUR, "ends_at": None}, "ends_at"),
    ({"title": "x", "all_day": True}, "starts_on"),
    (
        {"title": "x", "all_day": True, "starts_on": "2027-03-22", "ends_on": "2027-03-20"},
        "ends_on",
    ),
    ({**AN_HOUR, "ends_at": "2028-05-01T10:00"}, "ends_at"),
    ({**AN_HOUR, "timezone": "Mars/Olympus"}, "timezone"),
    ({**AN_HOUR, "video_url": "javascript:alert(1)"}, "video_url"),
    ({**AN_HOUR, "kind": "external"}, "kind"),
    ({**AN_HOUR, "title": ""}, "title"),
    ({**AN_HOUR, "attendees": [{"email": "nobody"}]}, "attendees"),
]


@pytest.mark.parametrize(("body", "field"), BAD_EVENTS)
def test_an_event_that_cannot_be_is_refused_on_its_field_and_nothing_is_written(
    client, lisbon, body, field
):
    call = as_manager(client, lisbon)
    answer = call("POST", f"/api/v1/clients/{lisbon.client.id}/events", body)
    assert answer.status_code == 422, answer.json
    assert field in answer.json["error"]["fields"]
    assert rows(CalendarEvent, lisbon.agency.id) == []


def test_an_ics_file_is_imported_with_its_recurring_events_and_again_changes_nothing(
    client, lisbon, frozen
):
    call = as_manager(client, lisbon)
    path = f"/api/v1/clients/{lisbon.client.id}/events/import"
    first = call("POST", path, data=WEEKLY_AND_ALL_DAY, content_type="text/calendar")
    assert first.status_code == 200, first.json
    assert first.json == {"added": 6, "changed": 0, "unchanged": 0, "skipped": 0}
    events = sorted(rows(CalendarEvent, lisbon.agency.id), key=lambda e: e.starts_at)
    standups = [e for e in events if e.title == "Standup"]
    standup_id = standups[0].id
    # 10:00 in Lisbon each week: 10:00 UTC before the DST change, 09:00 UTC after.
    assert [e.starts_at.strftime("%m-%d %H:%M") for e in standups] == [
        "03-22 10:00", "03-29 09:00", "04-05 09:00", "04-12 09:00",
    ]  # fmt: skip
    assert all(e.kind == "external" and e.source == "import" for e in events)
    holiday = next(e for e in events if e.title == "Holiday")
    assert holiday.all_day and holiday.busy
    assert not next(e for e in events if e.title == "A birthday").busy
    again = call("POST", path, data=WEEKLY_AND_ALL_DAY, content_type="text/calendar")
    assert again.json == {"added": 0, "changed": 0, "unchanged": 6, "skipped": 0}
    moved = WEEKLY_AND_ALL_DAY.replace(b"SUMMARY:Holiday", b"SUMMARY:Long holiday")
    changed = call("POST", path, data=moved, content_type="text/calendar")
    assert changed.json["changed"] == 1
    # An imported event is changed in the client's own calendar, not here.
    refused = call(
        "PATCH", f"/api/v1/clients/{lisbon.client.id}/events/{standup_id}", {"title": "x"}
    )
    assert refused.status_code == 422


@pytest.mark.parametrize(
    "raw",
    [b"", b"not a calendar at all", b"BEGIN:VCARD\r\nVERSION:3.0\r\nEND:VCARD\r\n",
     b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:2027-03-22\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"],
)  # fmt: skip
def test_a_file_that_is_not_a_calendar_is_refused_and_writes_nothing(client, lisbon, raw):
    call = as_manager(client, lisbon)
    answer = call(
        "POST",
        f"/api/v1/clients/{lisbon.client.id}/events/import",
        data=raw,
        content_type="text/calendar",
    )
    assert 400 <= answer.status_code < 500, answer.get_data(as_text=True)
    assert answer.json["error"]["message"]
    assert rows(CalendarEvent, lisbon.agency.id) == []


def test_free_times_keep_the_wall_clock_across_a_dst_change(client, lisbon, frozen):
    call = as_manager(client, lisbon)
    rules(call, lisbon, working_hours={"fri": [["09:00", "10:00"]], "mon": [["09:00", "10:00"]]})
    found = slots(call, lisbon, 30, "2027-03-26", "2027-03-29")
    assert found == [
        "2027-03-26 09:00 WET", "2027-03-26 09:15 WET", "2027-03-26 09:30 WET",
        "2027-03-29 09:00 WEST", "2027-03-29 09:15 WEST", "2027-03-29 09:30 WEST",
    ]  # fmt: skip


def test_free_times_go_around_events_with_buffers_under_the_cap_and_the_notice(
    client, lisbon, frozen
):
    call = as_manager(client, lisbon)
    rules(call, lisbon, working_hours={"mon": [["09:00", "13:00"]], "tue": [["09:00", "11:00"]]})
    # Overlapping and back to back: 09:30-10:00, 09:45-10:30 and 10:30-11:00.
    busy(call, lisbon, "A", "2027-03-22T09:30:00", "2027-03-22T10:00:00")
    busy(call, lisbon, "B", "2027-03-22T09:45:00", "2027-03-22T10:30:00")
    busy(call, lisbon, "C", "2027-03-22T10:30:00", "2027-03-22T11:00:00", kind="meeting")
    assert slots(call, lisbon, 60, MONDAY, MONDAY) == [
        "2027-03-22 11:00 WET", "2027-03-22 11:15 WET", "2027-03-22 11:30 WET",
        "2027-03-22 11:45 WET", "2027-03-22 12:00 WET",
    ]  # fmt: skip
    assert slots(call, lisbon, 30, MONDAY, MONDAY)[0] == "2027-03-22 09:00 WET"
    # Fifteen minutes kept free before and after each meeting.
    rules(
        call, lisbon, working_hours={"mon": [["09:00", "13:00"]]},
        buffer_before_minutes=15, buffer_after_minutes=15,
    )  # fmt: skip
    assert slots(call, lisbon, 60, MONDAY, MONDAY)[0] == "2027-03-22 11:15 WET"
    assert slots(call, lisbon, 30, MONDAY, MONDAY) == [
        "2027-03-22 11:15 WET", "2027-03-22 11:30 WET", "2027-03-22 11:45 WET",
        "2027-03-22 12:00 WET", "2027-03-22 12:15 WET", "2027-03-22 12:30 WET",
    ]  # fmt: skip
    # One meeting a day at most: Monday has one already.
    rules(call, lisbon, working_hours={"mon": [["09:00", "13:00"]]}, daily_cap=1)
    assert slots(call, lisbon, 30, MONDAY, MONDAY) == []
    # Three days' notice from Friday noon: Monday is too soon.
    rules(call, lisbon, working_hours={"mon": [["09:00", "10:00"]], "tue": [["09:00", "10:00"]]},
          min_notice_minutes=3 * 24 * 60)  # fmt: skip
    assert slots(call, lisbon, 60, MONDAY, date(2027, 3, 23)) == ["2027-03-23 09:00 WET"]


def test_imported_recurring_and_all_day_events_take_their_time(client, lisbon, frozen):
    call = as_manager(client, lisbon)
    rules(call, lisbon, working_hours={d: [["09:00", "12:00"]] for d in ("mon", "tue", "wed")})
    call(
        "POST",
        f"/api/v1/clients/{lisbon.client.id}/events/import",
        data=WEEKLY_AND_ALL_DAY,
        content_type="text/calendar",
    )
    found = slots(call, lisbon, 60, MONDAY, date(2027, 3, 31))
    days = {}
    for slot in found:
        days.setdefault(slot[:10], []).append(slot[11:16])
    # The standup (10:00-11:00 every Monday) and the holiday on Wednesday 24; the
    # birthday on Tuesday is marked free.
    assert days["2027-03-22"] == ["09:00", "11:00"]
    assert days["2027-03-23"] == [
        "09:00",
        "09:15",
        "09:30",
        "09:45",
        "10:00",
        "10:15",
        "10:30",
        "10:45",
        "11:00",
    ]
    assert "2027-03-24" not in days
    assert days["2027-03-29"] == ["09:00", "11:00"]


def test_meeting_rules_are_the_clients_business_hours_until_saved_and_checked(client, lisbon):
    call = as_manager(client, lisbon)
    path = f"/api/v1/clients/{lisbon.client.id}/meeting-rules"
    shown = call("GET", path)
    assert shown.status_code == 200 and shown.json["working_hours"] is None
    assert shown.json["hours_in_use"]["mon"] == [["09:00", "17:00"]]
    for bad, field in (
        ({"buffer_before_minutes": -5}, "buffer_before_minutes"),
        ({"daily_cap": 0}, "daily_cap"),
        ({"working_hours": {"someday": [["09:00", "10:00"]]}}, "working_hours"),
        ({"working_hours": {"mon": [["10:00", "09:00"]]}}, "working_hours"),
    ):
        answer = call("PUT", path, bad)
        assert answer.status_code == 422 and field in answer.json["error"]["fields"], answer.json
    assert rows(MeetingRules, lisbon.agency.id) == []
    for bad in (
        "minutes=0&from=2027-03-22&to=2027-03-22",
        "minutes=30&from=2027-03-22",
        "minutes=30&from=2027-03-22&to=2027-03-01",
        "minutes=30&from=2027-01-01&to=2027-12-31",
        "minutes=30&from=yesterday&to=2027-03-22",
    ):
        answer = call("GET", f"/api/v1/clients/{lisbon.client.id}/free-slots?{bad}")
        assert answer.status_code == 422, (bad, answer.json)


def test_the_clients_people_and_secretaries_see_the_calendar_others_do_not(
    client, lisbon, other_agency, app
):
    own = api_as(client, lisbon.client_user)
    made = busy(own, lisbon, "Dentist", "2027-03-22T15:00:00", "2027-03-22T16:00:00")
    path = f"/api/v1/clients/{lisbon.client.id}/events"
    assert api_as(client, lisbon.secretary)("GET", path).status_code == 200
    for stranger in (other_agency.manager, other_agency.client_user, other_agency.secretary):
        call = api_as(client, stranger)
        assert call("GET", path).status_code == 404
        assert call("GET", f"{path}/{made['id']}").status_code == 404
        assert call("DELETE", f"{path}/{made['id']}").status_code == 404
    [kept] = rows(CalendarEvent, lisbon.agency.id)
    assert kept.cancelled_at is None


def test_the_feed_carries_the_calendars_events_and_their_cancellation(client, lisbon, frozen):
    from agency.domains.calendar import services as feeds

    call = as_manager(client, lisbon)
    made = busy(
        call, lisbon, "Lunch with Ana", "2027-03-22T13:00:00", "2027-03-22T14:00:00",
        kind="meeting", attendees=[{"email": "ana@partner.example", "name": "Ana"}],
    )  # fmt: skip
    with use_agency(lisbon.agency.id):
        token = feeds.ensure_feed(db.session.get(Client, lisbon.client.id)).token
    db.session.remove()
    feed = Calendar.from_ical(client.get(f"/feeds/{token}.ics").data)
    [event] = [e for e in feed.walk("VEVENT") if str(e["UID"]) == made["uid"]]
    assert str(event["SUMMARY"]) == "Lunch with Ana" and str(event["STATUS"]) == "CONFIRMED"
    assert str(event["ATTENDEE"]) == "mailto:ana@partner.example"
    assert event["ATTENDEE"].params["PARTSTAT"] == "NEEDS-ACTION"
    call("DELETE", f"/api/v1/clients/{lisbon.client.id}/events/{made['id']}")
    feed = Calendar.from_ical(client.get(f"/feeds/{token}.ics").data)
    [event] = [e for e in feed.walk("VEVENT") if str(e["UID"]) == made["uid"]]
    assert str(event["STATUS"]) == "CANCELLED" and event["SEQUENCE"] == 1
