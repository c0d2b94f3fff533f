"""Arranging a meeting: free times offered to the participants by email in the client's
name, a link each where they pick one (no sign-in), the first pick arranging the meeting
in the client's calendar with a calendar invitation (iTIP REQUEST) to everyone, two
picks at once giving one meeting, a time taken meanwhile refused, and cancelling (iTIP
CANCEL). Tampered, expired and reused links are a 400 page and change nothing."""

import re
import threading
from datetime import UTC, datetime

import pytest
from icalendar import Calendar
from sqlalchemy import select

from agency.domains.calendar.models import CalendarEvent, MeetingInvitee, MeetingRequest
from agency.domains.clients.models import Client
from agency.domains.mail.models import Draft
from agency.domains.work.models import WorkEvent, WorkItem
from agency.kernel import clock
from agency.kernel.database import db
from tenants import use_agency
from tests.billing_seed import api_as
from tests.conftest import csrf_from, rows
from tests.mailbox import body

NOON_BEFORE = datetime(2027, 3, 19, 12, 0, tzinfo=UTC)
PEOPLE = [
    {"email": "ana@partner.example", "name": "Ana"},
    {"email": "rui@supplier.example", "name": "Rui"},
]


@pytest.fixture
def lisbon(agency):
    clock.freeze(NOON_BEFORE)
    with use_agency(agency.agency.id):
        db.session.get(Client, agency.client.id).timezone = "Europe/Lisbon"
        db.session.commit()
    yield agency
    clock.freeze(None)


def propose(client, team, **extra):
    call = api_as(client, team.secretary)
    call(
        "PUT",
        f"/api/v1/clients/{team.client.id}/meeting-rules",
        {"working_hours": {"mon": [["09:00", "12:00"]], "tue": [["09:00", "12:00"]]}},
    )
    answer = call(
        "POST",
        f"/api/v1/clients/{team.client.id}/meeting-requests",
        {"title": "Supply contract", "minutes": 60, "from": "2027-03-22", "to": "2027-03-23",
         "participants": PEOPLE, "location": "Rua Augusta 1", **extra},
    )  # fmt: skip
    assert answer.status_code == 201, answer.json
    return call, answer.json


def link_in(message) -> str:
    return re.search(r"http://localhost(/meet/\S+)", body(message)).group(1)


def invitation(message) -> Calendar:
    [part] = [p for p in message.walk() if p.get_filename() == "invite.ics"]
    return Calendar.from_ical(part.get_payload(decode=True))


def choose(http, path: str, start: str):
    page = http.get(path)
    assert page.status_code == 200, page.get_data(as_text=True)
    token = csrf_from(page.get_data(as_text=True))
    return http.post(path, data={"start": start, "csrf_token": token})


def test_a_participant_picks_a_time_and_everyone_gets_the_invitation(
    client, app, lisbon, drain, mail
):
    _call, made = propose(client, lisbon)
    assert made["status"] == "open" and 1 <= len(made["offered"]) <= 8
    # The first time of each day comes first: Monday 09:00 and Tuesday 09:00 (WET = UTC).
    assert made["offered"][:2] == ["2027-03-22T09:00:00+00:00", "2027-03-22T09:15:00+00:00"]
    assert "2027-03-23T09:00:00+00:00" in made["offered"]
    drain()
    ana_mail, rui_mail = mail.wait_for("ana@partner.example"), mail.wait_for("rui@supplier.example")
    assert "Supply contract" in ana_mail["Subject"] and "Office of Alpha Client" in ana_mail["From"]
    assert len(rows(Draft, lisbon.agency.id)) == 2  # in the client's mail history

    http = app.test_client()
    page = http.get(link_in(ana_mail))
    assert "Supply contract" in page.get_data(as_text=True)
    picked = choose(http, link_in(ana_mail), "2027-03-23T09:00:00+00:00")
    assert picked.status_code == 200, picked.get_data(as_text=True)
    assert 'id="arranged"' in picked.get_data(as_text=True)

    [event] = rows(CalendarEvent, lisbon.agency.id)
    assert (event.kind, event.starts_at) == ("meeting", datetime(2027, 3, 23, 9, tzinfo=UTC))
    assert [(a["email"], a["status"]) for a in event.attendees] == [
        ("ana@partner.example", "accepted"), ("rui@supplier.example", "needs-action"),
    ]  # fmt: skip
    [request] = rows(MeetingRequest, lisbon.agency.id)
    assert (request.status, request.event_id) == ("confirmed", event.id)

    mail.clear()
    drain()
    for address in ("ana@partner.example", "rui@supplier.example"):
        cal = invitation(mail.wait_for(address))
        [vevent] = cal.walk("VEVENT")
        assert str(cal["METHOD"]) == "REQUEST"
        assert (str(vevent["UID"]), vevent["SEQUENCE"]) == (event.uid, 0)
        assert vevent.decoded("DTSTART") == datetime(2027, 3, 23, 9, tzinfo=UTC)
        attendees = vevent["ATTENDEE"]
        assert sorted(str(a) for a in attendees) == [
            "mailto:ana@partner.example", "mailto:rui@supplier.example",
        ]  # fmt: skip
        assert str(vevent["ORGANIZER"]).startswith("mailto:")

    # Rui comes later: his time is gone, he is shown the meeting as arranged and says
    # whether he can come then.
    rui = app.test_client()
    late = choose(rui, link_in(rui_mail), "2027-03-22T09:00:00+00:00")
    html = late.get_data(as_text=True)
    assert late.status_code == 409 and "chose a time first" in html
    assert 'id="coming-yes"' in html and 'id="coming-no"' in html
    assert len(rows(CalendarEvent, lisbon.agency.id)) == 1
    coming = rui.post(link_in(rui_mail), data={"coming": "yes", "csrf_token": csrf_from(html)})
    assert coming.status_code == 200 and "you will come" in coming.get_data(as_text=True)
    [event] = rows(CalendarEvent, lisbon.agency.id)
    assert {a["email"]: a["status"] for a in event.attendees}["rui@supplier.example"] == (
        "accepted"
    )
    twice = rui.post(link_in(rui_mail), data={"coming": "no", "csrf_token": csrf_from(html)})
    assert twice.status_code == 400 and "answered already" in twice.get_data(as_text=True)
    # Ana's link again: she has answered.
    again = choose(app.test_client(), link_in(ana_mail), "2027-03-22T09:00:00+00:00")
    assert again.status_code == 400 and "answered already" in again.get_data(as_text=True)


def test_cancelling_the_meeting_sends_the_calendars_cancellation(client, app, lisbon, drain, mail):
    call, made = propose(client, lisbon)
    drain()
    choose(app.test_client(), link_in(mail.wait_for("rui@supplier.example")), made["offered"][0])
    mail.clear()
    drain()
    mail.clear()
    path = f"/api/v1/clients/{lisbon.client.id}/meeting-requests/{made['id']}/cancel"
    cancelled = call("POST", path)
    assert cancelled.status_code == 200 and cancelled.json["status"] == "cancelled"
    [event] = rows(CalendarEvent, lisbon.agency.id)
    assert event.cancelled_at is not None
    drain()
    cal = invitation(mail.wait_for("ana@partner.example"))
    [vevent] = cal.walk("VEVENT")
    assert str(cal["METHOD"]) == "CANCEL" and vevent["SEQUENCE"] == 1
    assert str(vevent["STATUS"]) == "CANCELLED"


def test_a_time_taken_since_it_was_offered_is_refused_and_the_rest_remain(
    client, app, lisbon, drain, mail
):
    call, made = propose(client, lisbon)
    first = made["offered"][0]
    taken = call(
        "POST",
        f"/api/v1/clients/{lisbon.client.id}/events",
        {"title": "Dentist", "starts_at": "2027-03-22T09:00:00", "ends_at": "2027-03-22T10:00:00"},
    )
    assert taken.status_code == 201
    drain()
    link = link_in(mail.wait_for("ana@partner.example"))
    refused = choose(app.test_client(), link, first)
    assert refused.status_code == 409 and "just been taken" in refused.get_data(as_text=True)
    assert first not in refused.get_data(as_text=True)
    assert [e.title for e in rows(CalendarEvent, lisbon.agency.id)] == ["Dentist"]
    [request] = rows(MeetingRequest, lisbon.agency.id)
    assert request.status == "open" and first not in request.offered


@pytest.mark.postgres
def test_two_participants_picking_at_once_make_one_meeting(client, app, lisbon, drain, mail):
    _call, made = propose(client, lisbon)
    drain()
    picks = [
        (link_in(mail.wait_for("ana@partner.example")), made["offered"][0]),
        (link_in(mail.wait_for("rui@supplier.example")), made["offered"][-1]),
    ]
    browsers, tokens = [], []
    for link, _start in picks:
        http = app.test_client()
        tokens.append(csrf_from(http.get(link).get_data(as_text=True)))
        browsers.append(http)
    statuses, gate = [], threading.Barrier(2)

    def pick(n):
        link, start = picks[n]
        with app.app_context():
            gate.wait()
            answer = browsers[n].post(link, data={"start": start, "csrf_token": tokens[n]})
            statuses.append(answer.status_code)

    threads = [threading.Thread(target=pick, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 409]
    assert len(rows(CalendarEvent, lisbon.agency.id)) == 1
    answers = sorted(i.answer for i in rows(MeetingInvitee, lisbon.agency.id))
    assert answers == ["invited", "picked"]


def item_state(agency_id: int, item_id: int) -> tuple:
    with use_agency(agency_id):
        item = db.session.get(WorkItem, item_id)
        actions = db.session.scalars(
            select(WorkEvent.action).where(WorkEvent.item_id == item_id).order_by(WorkEvent.id)
        ).all()
        found = (item.status, item.timer_started_at, item.outcome, actions)
    db.session.remove()
    return found


def test_the_desk_item_waits_on_the_participants_and_moves_on_with_their_answers(
    client, app, lisbon, drain, mail
):
    made = api_as(client, lisbon.manager)(
        "POST", "/api/v1/work-items/", {"client_id": lisbon.client.id, "kind": "meeting",
                                        "title": "Meet the supplier"},
    )  # fmt: skip
    call = api_as(client, lisbon.secretary)
    assert made.status_code == 201, made.json
    item_id = made.json["id"]
    for step in ("claim", "start"):
        assert call("POST", f"/api/v1/work-items/{item_id}/{step}").status_code == 200
    assert item_state(lisbon.agency.id, item_id)[:2][0] == "in_progress"

    _call, request = propose(client, lisbon, item_id=item_id)
    assert request["item_id"] == item_id
    status, timer, _outcome, actions = item_state(lisbon.agency.id, item_id)
    assert (status, timer, actions[-1]) == ("waiting", None, "meeting_proposed")
    assert "timer_stopped" in actions
    drain()
    ana_link = link_in(mail.wait_for("ana@partner.example"))
    rui_link = link_in(mail.wait_for("rui@supplier.example"))

    # Rui finds no time that suits him: the item comes back to the secretary.
    rui = app.test_client()
    token = csrf_from(rui.get(rui_link).get_data(as_text=True))
    assert rui.post(rui_link, data={"none": "1", "csrf_token": token}).status_code == 200
    status, _timer, _outcome, actions = item_state(lisbon.agency.id, item_id)
    assert (status, actions[-1]) == ("assigned", "meeting_none_fit")

    # Ana picks a time: the meeting is arranged and the item is done.
    assert choose(app.test_client(), ana_link, request["offered"][0]).status_code == 200
    status, _timer, outcome, actions = item_state(lisbon.agency.id, item_id)
    assert (status, actions[-1]) == ("done", "meeting_arranged")
    assert outcome.startswith("Meeting arranged for")

    # Rui cannot come then: the item is the secretary's again.
    page = rui.get(rui_link).get_data(as_text=True)
    assert 'id="coming-no"' in page
    said = rui.post(rui_link, data={"coming": "no", "csrf_token": csrf_from(page)})
    assert said.status_code == 200 and "cannot come" in said.get_data(as_text=True)
    status, _timer, _outcome, actions = item_state(lisbon.agency.id, item_id)
    assert (status, actions[-1]) == ("assigned", "meeting_declined")
    [event] = rows(CalendarEvent, lisbon.agency.id)
    assert {a["email"]: a["status"] for a in event.attendees} == {
        "ana@partner.example": "accepted", "rui@supplier.example": "declined",
    }  # fmt: skip


def test_a_meeting_arranged_without_an_item_gets_one_and_a_wrong_item_is_refused(
    client, lisbon, other_agency
):
    _call, request = propose(client, lisbon)
    [item] = rows(WorkItem, lisbon.agency.id)
    assert request["item_id"] == item.id
    assert (item.kind, item.title, item.status, item.source) == (
        "meeting", "Arrange: Supply contract", "waiting", "api",
    )  # fmt: skip
    assert item.assignee_id == lisbon.profile.id

    call = api_as(client, lisbon.secretary)
    done = api_as(client, lisbon.manager)(
        "POST", "/api/v1/work-items/", {"client_id": lisbon.client.id, "kind": "task",
                                        "title": "Filed"},
    ).json["id"]  # fmt: skip
    with use_agency(lisbon.agency.id):
        db.session.get(WorkItem, done).status = "done"
        db.session.commit()
    db.session.remove()
    theirs = api_as(client, other_agency.manager)(
        "POST", "/api/v1/work-items/", {"client_id": other_agency.client.id, "kind": "task",
                                        "title": "Theirs"},
    ).json["id"]  # fmt: skip
    for wrong in (done, theirs, 10**9):
        refused = call(
            "POST",
            f"/api/v1/clients/{lisbon.client.id}/meeting-requests",
            {"title": "x", "minutes": 60, "from": "2027-03-22", "to": "2027-03-23",
             "participants": PEOPLE, "item_id": wrong},
        )  # fmt: skip
        assert refused.status_code == 422 and "item_id" in refused.json["error"]["fields"]
    assert len(rows(MeetingRequest, lisbon.agency.id)) == 1
    assert len(rows(WorkItem, lisbon.agency.id)) == 2


def test_a_tampered_or_expired_link_is_a_400_page_and_changes_nothing(
    client, app, lisbon, drain, mail, monkeypatch
):
    propose(client, lisbon)
    drain()
    link = link_in(mail.wait_for("ana@partner.example"))
    http = app.test_client()
    tampered = http.get(link[:-3] + ("aaa" if not link.endswith("aaa") else "bbb"))
    assert tampered.status_code == 400 and "not valid" in tampered.get_data(as_text=True)
    import itsdangerous.timed

    later = itsdangerous.timed.time.time() + 22 * 24 * 3600
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: later)
    expired = http.get(link)
    assert expired.status_code == 400 and "expired" in expired.get_data(as_text=True)
    assert rows(CalendarEvent, lisbon.agency.id) == []
    assert {i.answer for i in rows(MeetingInvitee, lisbon.agency.id)} == {"invited"}


def test_none_fits_is_recorded_and_bad_requests_are_refused(client, app, lisbon, drain, mail):
    call, made = propose(client, lisbon)
    drain()
    http = app.test_client()
    link = link_in(mail.wait_for("rui@supplier.example"))
    token = csrf_from(http.get(link).get_data(as_text=True))
    answered = http.post(link, data={"none": "1", "csrf_token": token})
    assert answered.status_code == 200 and 'id="none-fit"' in answered.get_data(as_text=True)
    shown = call("GET", f"/api/v1/clients/{lisbon.client.id}/meeting-requests/{made['id']}")
    assert {p["email"]: p["answer"] for p in shown.json["participants"]} == {
        "ana@partner.example": "invited", "rui@supplier.example": "none_fit",
    }  # fmt: skip
    path = f"/api/v1/clients/{lisbon.client.id}/meeting-requests"
    for bad, field in (
        ({"participants": []}, "participants"),
        ({"participants": [{"email": "not-an-address"}]}, "participants"),
        ({"participants": PEOPLE + PEOPLE[:1]}, "participants"),
        ({"minutes": 600, "from": "2027-03-22", "to": "2027-03-22"}, "to"),
        ({"video_url": "ftp://x.example"}, "video_url"),
    ):
        body_ = {"title": "x", "minutes": 60, "from": "2027-03-22", "to": "2027-03-23",
                 "participants": PEOPLE, **bad}  # fmt: skip
        answer = call("POST", path, body_)
        assert answer.status_code == 422 and field in answer.json["error"]["fields"], (
            bad,
            answer.json,
        )
    assert len(rows(MeetingRequest, lisbon.agency.id)) == 1


def reply(address: str, uid: str, answer: str, sequence: int, to: str) -> bytes:
    from email.message import EmailMessage

    ics = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Their app//EN\r\nMETHOD:REPLY\r\n"
        f"BEGIN:VEVENT\r\nUID:{uid}\r\nSEQUENCE:{sequence}\r\nDTSTAMP:20270320T100000Z\r\n"
        f"ATTENDEE;PARTSTAT={answer}:mailto:{address}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = address, to, f"{answer.title()}: Supply contract"
    msg["Message-ID"] = f"<reply-{answer}-{sequence}@{address.split('@')[1]}>"
    msg.set_content(f"{address} has answered.")
    msg.add_attachment(ics.encode(), maintype="text", subtype="calendar", filename="reply.ics")
    return bytes(msg)


def test_a_participants_calendar_reply_by_email_updates_their_answer(
    client, app, lisbon, drain, mail, inbox
):
    from agency.domains.mail.models import InboundEmail
    from agency.domains.work.models import WorkItem
    from tests.test_mail import deliver

    key, alias = inbox
    call, made = propose(client, lisbon)
    drain()
    choose(app.test_client(), link_in(mail.wait_for("ana@partner.example")), made["offered"][0])
    [uid] = [e.uid for e in rows(CalendarEvent, lisbon.agency.id)]
    items_before = len(rows(WorkItem, lisbon.agency.id))
    answered = deliver(client, key, reply("rui@supplier.example", uid, "ACCEPTED", 0, alias))
    assert answered.status_code == 201 and answered.triage == "ignored"
    [kept] = [e for e in rows(InboundEmail, lisbon.agency.id) if e.id == answered.json["id"]]
    assert kept.triage_reason == "calendar reply"
    assert len(rows(WorkItem, lisbon.agency.id)) == items_before  # no work made
    [event] = rows(CalendarEvent, lisbon.agency.id)
    assert {a["email"]: a["status"] for a in event.attendees} == {
        "ana@partner.example": "accepted", "rui@supplier.example": "accepted",
    }  # fmt: skip
    # After the meeting was cancelled (SEQUENCE 1), a reply to the first version is stale.
    call("POST", f"/api/v1/clients/{lisbon.client.id}/meeting-requests/{made['id']}/cancel")
    stale = deliver(client, key, reply("rui@supplier.example", uid, "DECLINED", 0, alias))
    assert stale.status_code == 201
    [event] = rows(CalendarEvent, lisbon.agency.id)
    assert {a["email"]: a["status"] for a in event.attendees}["rui@supplier.example"] == "accepted"


def test_an_arranged_meeting_is_moved_and_everyone_gets_the_new_time(
    client, app, lisbon, drain, mail
):
    call, made = propose(client, lisbon)
    drain()
    choose(app.test_client(), link_in(mail.wait_for("ana@partner.example")), made["offered"][0])
    drain()
    mail.clear()
    path = f"/api/v1/clients/{lisbon.client.id}/meeting-requests/{made['id']}/reschedule"
    busy = call(
        "POST",
        f"/api/v1/clients/{lisbon.client.id}/events",
        {"title": "Dentist", "starts_at": "2027-03-23T09:00", "ends_at": "2027-03-23T10:00"},
    )
    assert busy.status_code == 201
    taken = call("POST", path, {"starts_at": "2027-03-23T09:30"})
    assert taken.status_code == 422 and "starts_at" in taken.json["error"]["fields"]
    for bad in ({"starts_at": "soon"}, {"starts_at": made["offered"][0]}):
        assert call("POST", path, bad).status_code == 422
    moved = call("POST", path, {"starts_at": "2027-03-23T11:00"})
    assert moved.status_code == 200, moved.json
    event = next(e for e in rows(CalendarEvent, lisbon.agency.id) if e.kind == "meeting")
    assert event.starts_at == datetime(2027, 3, 23, 11, tzinfo=UTC) and event.sequence == 1
    assert {a["status"] for a in event.attendees} == {"needs-action"}  # asked again
    drain()
    for address in ("ana@partner.example", "rui@supplier.example"):
        [vevent] = invitation(mail.wait_for(address)).walk("VEVENT")
        assert vevent["SEQUENCE"] == 1
        assert vevent.decoded("DTSTART") == datetime(2027, 3, 23, 11, tzinfo=UTC)


def test_the_client_asks_for_another_time_and_the_desk_gets_the_work(
    client, app, lisbon, drain, mail, login_as
):
    from agency.domains.work.models import WorkItem
    from tests.conftest import post_form

    _call, made = propose(client, lisbon)
    drain()
    choose(app.test_client(), link_in(mail.wait_for("ana@partner.example")), made["offered"][0])
    http = login_as(lisbon.client_user)
    for _twice in range(2):
        asked = post_form(
            http, f"/portal/calendar/meetings/{made['id']}/move", {}, page="/portal/calendar"
        )
        assert asked.status_code == 302
    [item] = [i for i in rows(WorkItem, lisbon.agency.id) if i.title.startswith("Find another")]
    assert (item.kind, item.source) == ("meeting", "portal")  # once, however many asks


def test_a_participants_time_zone_is_known_from_their_phone_or_given(
    client, app, lisbon, drain, mail
):
    from agency.domains.clients.services import create_contact

    with use_agency(lisbon.agency.id):
        create_contact(
            db.session.get(Client, lisbon.client.id),
            {"name": "Ana", "email": "ana@partner.example", "phone": "+442079460001"},
        )
    db.session.remove()
    _call, made = propose(
        client, lisbon,
        participants=[PEOPLE[0], {**PEOPLE[1], "timezone": "America/New_York"}],
    )  # fmt: skip
    zones = {p["email"]: p["timezone"] for p in made["participants"]}
    assert zones == {
        "ana@partner.example": "Europe/London",
        "rui@supplier.example": "America/New_York",
    }
    drain()
    page = app.test_client().get(link_in(mail.wait_for("rui@supplier.example")))
    assert "your time" in page.get_data(as_text=True) and "America/New_York" in page.get_data(
        as_text=True
    )
    call = api_as(client, lisbon.secretary)
    bad = call(
        "POST",
        f"/api/v1/clients/{lisbon.client.id}/meeting-requests",
        {"title": "x", "minutes": 30, "from": "2027-03-22", "to": "2027-03-23",
         "participants": [{"email": "x@y.example", "timezone": "Mars/Olympus"}]},
    )  # fmt: skip
    assert bad.status_code == 422 and "participants" in bad.json["error"]["fields"]
