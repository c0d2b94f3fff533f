"""The client's own calendar server kept in step both ways, against a real CalDAV server
(Radicale, on loopback, with its own storage): events made there appear here after a
sync and the other way round, deletions travel both ways, an event changed on both
sides keeps the product's version (docs/calendar.md), a second sync with nothing changed
fetches nothing, and a wrong password, a server that answers a web page, one that does
not answer in time and one that is not there mark the connection broken, say why in
words, and keep every event."""

import socket
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import caldav
import pytest

from agency.domains.calendar import caldav_sync
from agency.domains.calendar.models import CalendarConnection, CalendarEvent
from agency.domains.clients.models import Client
from agency.kernel import clock
from agency.kernel.database import db
from tenants import use_agency
from tests import radicale_server
from tests.billing_seed import api_as
from tests.conftest import rows, sign_in
from tests.radicale_server import PASSWORD, USER

NOON_BEFORE = datetime(2027, 3, 19, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def radicale(tmp_path_factory):
    """A Radicale server on a free loopback port; its base address."""
    process, base = radicale_server.start(tmp_path_factory.mktemp("radicale"))
    try:
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def own_calendar(radicale, request):
    """A fresh calendar of the client's on the server: (its address, the caldav object)."""
    client = caldav.DAVClient(url=f"{radicale}/{USER}/", username=USER, password=PASSWORD)
    name = f"work-{request.node.name[-40:].replace('[', '-').replace(']', '')}"
    calendar = client.principal().make_calendar(name=name, cal_id=name)
    return str(calendar.url), calendar


@pytest.fixture
def lisbon(agency):
    clock.freeze(NOON_BEFORE)
    with use_agency(agency.agency.id):
        db.session.get(Client, agency.client.id).timezone = "Europe/Lisbon"
        db.session.commit()
    yield agency
    clock.freeze(None)


def remote_event(uid: str, summary: str, start: str, end: str) -> str:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Their app//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20270301T000000Z\r\nDTSTART:{start}\r\nDTEND:{end}\r\n"
        f"SUMMARY:{summary}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )


def sync(team) -> dict:
    with use_agency(team.agency.id):
        result = caldav_sync.sync(db.session.get(Client, team.client.id))
    db.session.remove()
    return result


def connect(client, team, url, password=PASSWORD):
    call = api_as(client, team.client_user)
    answer = call(
        "PUT",
        f"/api/v1/clients/{team.client.id}/calendar-connection",
        {"url": url, "username": USER, "password": password},
    )
    assert answer.status_code == 200, answer.json
    assert "password" not in answer.json
    return call


def test_both_calendars_are_kept_in_step_both_ways(client, lisbon, own_calendar):
    url, remote = own_calendar
    remote.save_event(
        remote_event("dentist@own", "Dentist", "20270322T090000Z", "20270322T100000Z")
    )
    call = connect(client, lisbon, url)
    [stored] = rows(CalendarConnection, lisbon.agency.id)
    assert stored.password == PASSWORD and stored.status == "new"
    made = call(
        "POST",
        f"/api/v1/clients/{lisbon.client.id}/events",
        {"title": "Board meeting", "starts_at": "2027-03-23T14:00", "ends_at": "2027-03-23T15:00",
         "kind": "meeting"},
    ).json  # fmt: skip

    first = sync(lisbon)
    assert (first["pulled"], first["pushed"]) == (1, 1)
    events = {e.title: e for e in rows(CalendarEvent, lisbon.agency.id)}
    assert events["Dentist"].source == "caldav"
    assert events["Dentist"].starts_at == datetime(2027, 3, 22, 9, tzinfo=UTC)
    there = {str(o.icalendar_component["SUMMARY"]): o for o in remote.events()}
    assert set(there) == {"Dentist", "Board meeting"}
    assert str(there["Board meeting"].icalendar_component["UID"]) == made["uid"]
    [status] = rows(CalendarConnection, lisbon.agency.id)
    assert status.status == "ok" and status.sync_token

    # Nothing changed: the server is asked only for what changed, and sends nothing.
    quiet = sync(lisbon)
    assert quiet == {"pulled": 0, "pushed": 0, "fetched": 0}

    # Deleted there: gone here. Cancelled here: gone there.
    there["Dentist"].delete()
    call("DELETE", f"/api/v1/clients/{lisbon.client.id}/events/{made['id']}")
    sync(lisbon)
    assert [e.title for e in rows(CalendarEvent, lisbon.agency.id)] == ["Board meeting"]
    assert list(remote.events()) == []


def test_an_event_changed_on_both_sides_keeps_the_products_version(client, lisbon, own_calendar):
    url, remote = own_calendar
    call = connect(client, lisbon, url)
    made = call(
        "POST",
        f"/api/v1/clients/{lisbon.client.id}/events",
        {"title": "Lunch", "starts_at": "2027-03-23T13:00", "ends_at": "2027-03-23T14:00"},
    ).json
    sync(lisbon)
    [copy] = remote.events()
    copy.icalendar_component["SUMMARY"] = "Lunch (moved by the client's app)"
    copy.save()
    call(
        "PATCH",
        f"/api/v1/clients/{lisbon.client.id}/events/{made['id']}",
        {"title": "Lunch with Rui"},
    )
    sync(lisbon)
    [copy] = remote.events()
    assert str(copy.icalendar_component["SUMMARY"]) == "Lunch with Rui"
    assert [e.title for e in rows(CalendarEvent, lisbon.agency.id)] == ["Lunch with Rui"]


def test_a_refused_login_marks_the_connection_broken_and_keeps_every_event(
    client, lisbon, own_calendar
):
    url, remote = own_calendar
    remote.save_event(remote_event("call@own", "Call", "20270322T090000Z", "20270322T093000Z"))
    call = connect(client, lisbon, url)
    sync(lisbon)
    assert [e.title for e in rows(CalendarEvent, lisbon.agency.id)] == ["Call"]
    connect(client, lisbon, url, password="a-wrong-password")
    result = sync(lisbon)
    assert "error" in result
    [broken] = rows(CalendarConnection, lisbon.agency.id)
    assert broken.status == "broken" and broken.last_error and broken.failures == 1
    assert broken.next_sync_at > NOON_BEFORE
    assert [e.title for e in rows(CalendarEvent, lisbon.agency.id)] == ["Call"]
    assert len(list(remote.events())) == 1
    shown = call("GET", f"/api/v1/clients/{lisbon.client.id}/calendar-connection").json
    assert shown["status"] == "broken" and shown["last_error"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://calendar.example/ana/", "username": USER, "password": "x"}, "url"),
        ({"url": "http://localhost/dav/ana/", "username": USER, "password": "x"}, "url"),
        ({"url": "https://calendar.example/ana/", "username": USER}, "password"),
        ({"url": "https://calendar.example/ana/", "username": "", "password": "x"}, "username"),
    ],
)
def test_a_calendar_address_that_cannot_be_used_is_refused(client, lisbon, body, field):
    call = api_as(client, lisbon.client_user)
    answer = call("PUT", f"/api/v1/clients/{lisbon.client.id}/calendar-connection", body)
    assert answer.status_code == 422 and field in answer.json["error"]["fields"], answer.json
    assert rows(CalendarConnection, lisbon.agency.id) == []


def test_the_client_connects_their_calendar_in_the_portal(
    client, app, lisbon, own_calendar, login_as
):
    from rq import Queue

    from tests.conftest import post_form

    url, remote = own_calendar
    http = login_as(lisbon.client_user)
    refused = post_form(
        http, "/portal/calendar/connection",
        {"url": "gopher://x.example/", "username": USER, "password": PASSWORD},
        page="/portal/calendar",
    )  # fmt: skip
    assert refused.status_code == 422 and "https://" in refused.get_data(as_text=True)
    assert rows(CalendarConnection, lisbon.agency.id) == []
    connected = post_form(
        http, "/portal/calendar/connection",
        {"url": url, "username": USER, "password": PASSWORD}, page="/portal/calendar",
    )  # fmt: skip
    assert connected.status_code == 302, connected.get_data(as_text=True)
    jobs = Queue("default", connection=app.extensions["redis"]).get_jobs()
    assert [j.args for j in jobs if j.func_name == caldav_sync.SYNC_JOB] == [
        (lisbon.agency.id, lisbon.client.id)
    ]
    remote.save_event(remote_event("gym@own", "Gym", "20270322T180000Z", "20270322T190000Z"))
    sync(lisbon)
    page = http.get("/portal/calendar").get_data(as_text=True)
    assert 'id="connection-status"' in page and "Gym" in page
    gone = post_form(http, "/portal/calendar/connection/disconnect", {}, page="/portal/calendar")
    assert gone.status_code == 302
    assert rows(CalendarConnection, lisbon.agency.id) == []
    assert rows(CalendarEvent, lisbon.agency.id) == []  # what came from it went with it


class _Shop(BaseHTTPRequestHandler):
    """A web server that is no calendar: a web page to every request."""

    def _answer(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        page = b"<html><body><h1>Welcome to our shop</h1>"
        self.send_response(207)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)

    do_GET = do_PUT = do_DELETE = do_PROPFIND = do_REPORT = do_OPTIONS = _answer

    def log_message(self, *args):
        pass


class _Silent(_Shop):
    """A server that takes the request and does not answer in time."""

    def _answer(self):
        time.sleep(2)

    do_GET = do_PUT = do_DELETE = do_PROPFIND = do_REPORT = do_OPTIONS = _answer


@pytest.fixture
def stand_in():
    servers = []

    def start(handler) -> str:
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}/dav/ana/calendar/"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def closed_port() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/dav/ana/calendar/"


@pytest.mark.parametrize(
    ("server", "reason"),
    [
        ("shop", "answered with something that is not a calendar"),
        ("silent", "could not be reached or did not answer in time"),
        ("closed", "could not be reached or did not answer in time"),
    ],
)
def test_a_server_that_answers_garbage_or_nothing_marks_the_connection_broken(
    client, app, lisbon, login_as, stand_in, monkeypatch, server, reason
):
    monkeypatch.setitem(app.config, "CALDAV_TIMEOUT_SECONDS", 0.5)
    call = api_as(client, lisbon.manager)
    made = call("POST", f"/api/v1/clients/{lisbon.client.id}/events",
                {"title": "Dentist", "starts_at": "2027-03-22T09:00:00",
                 "ends_at": "2027-03-22T10:00:00"})  # fmt: skip
    assert made.status_code == 201
    url = {"shop": lambda: stand_in(_Shop), "silent": lambda: stand_in(_Silent)}.get(
        server, closed_port
    )()
    connect(client, lisbon, url)
    result = sync(lisbon)
    assert "error" in result
    [broken] = rows(CalendarConnection, lisbon.agency.id)
    assert (broken.status, broken.failures) == ("broken", 1)
    assert [e.title for e in rows(CalendarEvent, lisbon.agency.id)] == ["Dentist"]
    shown = call("GET", f"/api/v1/clients/{lisbon.client.id}/calendar-connection").json
    assert reason in shown["last_error"]
    # In words, in the portal and in the console; never the library's own message.
    portal = login_as(lisbon.client_user).get("/portal/calendar").get_data(as_text=True)
    assert reason in portal
    manager = app.test_client()
    sign_in(manager, lisbon.manager)
    console = manager.get(f"/console/clients/{lisbon.client.id}")
    assert reason in console.get_data(as_text=True)
    assert 'id="client-calendar-connection"' in console.get_data(as_text=True)
