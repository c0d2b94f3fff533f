"""The client's calendar page, in the portal (the client's own) and on the desk (the
clients a secretary serves): the meeting rules, an event added and cancelled, an .ics
file imported, and free times found; bad input is refused on the page and writes
nothing; nobody else reaches it."""

import io
from datetime import UTC, datetime

import pytest

from agency.domains.accounts.models import User
from agency.domains.calendar.models import CalendarEvent, MeetingRules
from agency.domains.clients.models import Client
from agency.kernel import clock
from agency.kernel.database import db
from tenants import use_agency
from tests.conftest import post_form, rows
from tests.test_client_calendar import WEEKLY_AND_ALL_DAY

NOON_BEFORE = datetime(2027, 3, 19, 12, 0, tzinfo=UTC)


@pytest.fixture
def lisbon(agency):
    clock.freeze(NOON_BEFORE)
    with use_agency(agency.agency.id):
        db.session.get(Client, agency.client.id).timezone = "Europe/Lisbon"
        db.session.commit()
    yield agency
    clock.freeze(None)


def test_the_client_keeps_their_calendar_in_the_portal(client, lisbon, login_as):
    http = login_as(lisbon.client_user)
    page = http.get("/portal/calendar")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for section in ("coming", "free-times", "add-event", "import-calendar", "meeting-rules"):
        assert f'id="{section}"' in html
    saved = post_form(
        http,
        "/portal/calendar/rules",
        {"working_hours": "mon-fri 09:00-12:00", "buffer_before_minutes": "15",
         "buffer_after_minutes": "0", "daily_cap": "2", "min_notice_hours": "24"},
        page="/portal/calendar",
    )  # fmt: skip
    assert saved.status_code == 302, saved.get_data(as_text=True)
    [rules] = rows(MeetingRules, lisbon.agency.id)
    assert (rules.working_hours["mon"], rules.buffer_before_minutes) == ([["09:00", "12:00"]], 15)
    assert (rules.daily_cap, rules.min_notice_minutes) == (2, 24 * 60)

    added = post_form(
        http,
        "/portal/calendar/events",
        {"kind": "busy", "title": "Dentist", "starts_at": "2027-03-22 09:00",
         "ends_at": "2027-03-22 10:00", "attendees": ""},
        page="/portal/calendar",
    )  # fmt: skip
    assert added.status_code == 302, added.get_data(as_text=True)
    [event] = rows(CalendarEvent, lisbon.agency.id)
    assert (event.title, event.starts_at) == ("Dentist", datetime(2027, 3, 22, 9, tzinfo=UTC))
    found = http.get("/portal/calendar?minutes=60&on_or_after=2027-03-22&on_or_before=2027-03-22")
    html = found.get_data(as_text=True)
    # 09:00 is taken; the quarter hour after it is the buffer; the next free hour is 10:15.
    listed = html.split('<ul id="slots">')[1].split("</ul>")[0]
    assert listed.startswith("<li>3/22/27, 10:15\u202fAM") and "9:00" not in listed

    imported = http.post(
        "/portal/calendar/import",
        data={"file": (io.BytesIO(WEEKLY_AND_ALL_DAY), "mine.ics"),
              "csrf_token": _csrf(http, "/portal/calendar")},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert imported.status_code == 302, imported.get_data(as_text=True)
    assert len(rows(CalendarEvent, lisbon.agency.id)) == 7

    cancelled = post_form(
        http, f"/portal/calendar/events/{event.id}/cancel", {}, page="/portal/calendar"
    )
    assert cancelled.status_code == 302
    with use_agency(lisbon.agency.id):
        assert db.session.get(CalendarEvent, event.id).cancelled_at is not None
    db.session.remove()


@pytest.mark.parametrize(
    ("url", "data", "message"),
    [
        ("/portal/calendar/rules", {"working_hours": "someday 09:00-10:00"}, "one line per day"),
        ("/portal/calendar/events", {"kind": "busy", "title": "x", "starts_at": "2027-03-22 10:00",
                                     "ends_at": "2027-03-22 09:00"}, "end after it starts"),
        ("/portal/calendar/events", {"kind": "busy", "title": "x", "starts_at": "tomorrow",
                                     "ends_at": "2027-03-22 09:00"}, "YYYY-MM-DD HH:MM"),
    ],
)  # fmt: skip
def test_what_the_page_cannot_take_is_refused_on_the_page(
    client, lisbon, login_as, url, data, message
):
    http = login_as(lisbon.client_user)
    refused = post_form(http, url, data, page="/portal/calendar")
    assert refused.status_code == 422
    assert message in refused.get_data(as_text=True)
    assert rows(CalendarEvent, lisbon.agency.id) == []
    assert rows(MeetingRules, lisbon.agency.id) == []


def test_a_file_that_is_not_a_calendar_is_refused_on_the_page(client, lisbon, login_as):
    http = login_as(lisbon.client_user)
    refused = http.post(
        "/portal/calendar/import",
        data={"file": (io.BytesIO(b"hello"), "notes.ics"),
              "csrf_token": _csrf(http, "/portal/calendar")},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert refused.status_code == 400
    assert "not an iCalendar" in refused.get_data(as_text=True)
    assert rows(CalendarEvent, lisbon.agency.id) == []


def test_a_secretary_keeps_the_calendars_of_her_clients_and_no_others(
    client, lisbon, other_agency, login_as
):
    http = login_as(lisbon.secretary)
    listed = http.get("/desk/calendar/").get_data(as_text=True)
    assert f"/desk/calendar/{lisbon.client.id}" in listed
    assert http.get(f"/desk/calendar/{lisbon.client.id}").status_code == 200
    added = post_form(
        http,
        f"/desk/calendar/{lisbon.client.id}/events",
        {"kind": "meeting", "title": "Board", "starts_at": "2027-03-22 14:00",
         "ends_at": "2027-03-22 15:00", "attendees": "ana@partner.example, rui@partner.example"},
        page=f"/desk/calendar/{lisbon.client.id}",
    )  # fmt: skip
    assert added.status_code == 302, added.get_data(as_text=True)
    [event] = rows(CalendarEvent, lisbon.agency.id)
    assert [a["email"] for a in event.attendees] == ["ana@partner.example", "rui@partner.example"]
    # Another agency's client, by its id, is not found.
    assert http.get(f"/desk/calendar/{other_agency.client.id}").status_code == 404
    refused = post_form(
        http,
        f"/desk/calendar/{other_agency.client.id}/rules",
        {"working_hours": "mon 09:00-10:00"},
        page=f"/desk/calendar/{lisbon.client.id}",
    )
    assert refused.status_code == 404
    assert rows(MeetingRules, other_agency.agency.id) == []


def test_a_secretary_who_does_not_serve_the_client_does_not_see_its_calendar(
    client, lisbon, login_as
):
    from agency.domains.accounts.models import Role
    from agency.domains.accounts.passwords import hash_password
    from agency.domains.staff.models import Secretary
    from tests.conftest import PASSWORD

    with use_agency(lisbon.agency.id):
        user = User(
            email="other-secretary@alpha.example", name="Other", role=Role.secretary,
            password_hash=hash_password(PASSWORD),
        )  # fmt: skip
        db.session.add(user)
        db.session.flush()
        db.session.add(Secretary(user_id=user.id, name="Other", email=user.email, languages=[]))
        db.session.commit()
        email = user.email
    db.session.remove()
    http = login_as(type("Person", (), {"email": email})())
    assert http.get(f"/desk/calendar/{lisbon.client.id}").status_code == 404
    assert f"/desk/calendar/{lisbon.client.id}" not in http.get("/desk/calendar/").get_data(
        as_text=True
    )


def _csrf(http, page: str) -> str:
    from tests.conftest import csrf_from

    return csrf_from(http.get(page).get_data(as_text=True))


def test_the_secretary_arranges_a_meeting_on_the_desk_and_the_client_cancels_it(
    client, app, lisbon, login_as, drain, mail
):
    from agency.domains.calendar.models import MeetingRequest

    http = login_as(lisbon.secretary)
    page = f"/desk/calendar/{lisbon.client.id}"
    refused = post_form(
        http,
        f"{page}/meetings",
        {"title": "Supply contract", "minutes": "60", "on_or_after": "2027-03-22",
         "on_or_before": "2027-03-23", "participants": "Ana Lima not-an-address"},
        page=page,
    )  # fmt: skip
    assert refused.status_code == 422
    assert rows(MeetingRequest, lisbon.agency.id) == []
    arranged = post_form(
        http,
        f"{page}/meetings",
        {"title": "Supply contract", "minutes": "60", "on_or_after": "2027-03-22",
         "on_or_before": "2027-03-23",
         "participants": "Ana Lima ana@partner.example\nrui@supplier.example"},
        page=page,
    )  # fmt: skip
    assert arranged.status_code == 302, arranged.get_data(as_text=True)
    [request] = rows(MeetingRequest, lisbon.agency.id)
    drain()
    assert "Ana Lima" in mail.wait_for("ana@partner.example")["To"] or mail.to(
        "ana@partner.example"
    )
    assert "Supply contract" in http.get(page).get_data(as_text=True)

    portal = app.test_client()
    from tests.conftest import sign_in

    sign_in(portal, lisbon.client_user)
    shown = portal.get("/portal/calendar").get_data(as_text=True)
    assert f'data-request="{request.id}"' in shown and "Ana Lima" in shown
    cancelled = post_form(
        portal, f"/portal/calendar/meetings/{request.id}/cancel", {}, page="/portal/calendar"
    )
    assert cancelled.status_code == 302
    with use_agency(lisbon.agency.id):
        assert db.session.get(MeetingRequest, request.id).status == "cancelled"
    db.session.remove()


def test_the_secretary_arranges_a_meeting_from_a_desk_item(client, lisbon, login_as):
    from agency.domains.calendar.models import MeetingRequest
    from agency.domains.work.models import WorkItem
    from tests.billing_seed import api_as

    item_id = api_as(client, lisbon.manager)(
        "POST", "/api/v1/work-items/", {"client_id": lisbon.client.id, "kind": "meeting",
                                        "title": "Lunch with the bank"},
    ).json["id"]  # fmt: skip
    assert api_as(client, lisbon.secretary)("POST", f"/api/v1/work-items/{item_id}/claim").json
    http = login_as(lisbon.secretary)
    item_page = http.get(f"/desk/items/{item_id}").get_data(as_text=True)
    link = f"/desk/calendar/{lisbon.client.id}?item={item_id}"
    assert f'href="{link.replace("&", "&amp;")}#arrange-form"' in item_page
    form = http.get(link).get_data(as_text=True)
    assert 'id="arrange-for-item"' in form and "Lunch with the bank" in form
    assert f'name="item_id" type="hidden" value="{item_id}"' in form
    arranged = post_form(
        http,
        f"/desk/calendar/{lisbon.client.id}/meetings",
        {"title": "Lunch with the bank", "minutes": "60", "on_or_after": "2027-03-22",
         "on_or_before": "2027-03-23", "participants": "ana@partner.example",
         "item_id": str(item_id)},
        page=link,
    )  # fmt: skip
    assert arranged.status_code == 302, arranged.get_data(as_text=True)
    [request] = rows(MeetingRequest, lisbon.agency.id)
    [item] = rows(WorkItem, lisbon.agency.id)
    assert (request.item_id, item.status) == (item_id, "waiting")
    shown = http.get(f"/desk/items/{item_id}").get_data(as_text=True)
    assert "ana@partner.example: invited" in shown and "waiting for a pick" in shown
    # An item id that is not an open item of this client is refused above the form.
    refused = post_form(
        http,
        f"/desk/calendar/{lisbon.client.id}/meetings",
        {"title": "Again", "minutes": "60", "on_or_after": "2027-03-22",
         "on_or_before": "2027-03-23", "participants": "ana@partner.example",
         "item_id": "999999"},
        page=link,
    )  # fmt: skip
    assert refused.status_code == 422
    assert "Choose an open item of this client." in refused.get_data(as_text=True)
    assert len(rows(MeetingRequest, lisbon.agency.id)) == 1


def test_the_secretary_invites_the_clients_contacts_by_choosing_them(client, lisbon, login_as):
    from agency.domains.calendar.models import MeetingInvitee
    from agency.domains.clients.services import create_contact

    with use_agency(lisbon.agency.id):
        ana = create_contact(
            db.session.get(Client, lisbon.client.id),
            {"name": "Ana Lima", "email": "ana@partner.example"},
        ).id
    db.session.remove()
    http = login_as(lisbon.secretary)
    page = f"/desk/calendar/{lisbon.client.id}"
    assert "Ana Lima &lt;ana@partner.example&gt;" in http.get(page).get_data(as_text=True)
    arranged = post_form(
        http,
        f"{page}/meetings",
        {"title": "Catch-up", "minutes": "30", "on_or_after": "2027-03-22",
         "on_or_before": "2027-03-23", "contacts": str(ana), "participants": ""},
        page=page,
    )  # fmt: skip
    assert arranged.status_code == 302, arranged.get_data(as_text=True)
    [invitee] = rows(MeetingInvitee, lisbon.agency.id)
    assert (invitee.email, invitee.name) == ("ana@partner.example", "Ana Lima")
