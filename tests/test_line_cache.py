"""The lines a web process keeps between calls: kept while PostgreSQL can tell it of
changes, dropped the moment the agency changes one (in this process or another), and
read afresh whenever the listening connection is gone."""

import time
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import psycopg
import pytest
from sqlalchemy.engine import make_url
from twilio.request_validator import RequestValidator

from agency.domains.calls import services
from agency.domains.calls.line_cache import LINE_TABLES, LISTENER_NAME
from agency.domains.clients.models import Client
from agency.domains.staff.models import Secretary
from agency.kernel import clock
from agency.kernel.database import db
from agency.kernel.validation import WEEKDAYS
from tenants import use_agency

pytestmark = pytest.mark.postgres

TOKEN = "alpha-auth-token-0123456789abcdef"
LINE = "+442079460100"
DESK_PHONE = "+351910000001"
CLIENT_PHONE = "+351912345678"
VIP = "+442079460001"
TUESDAY_10_15 = datetime(2026, 12, 1, 10, 15, tzinfo=UTC)


@pytest.fixture
def line(agency):
    clock.freeze(TUESDAY_10_15)
    with use_agency(agency.agency.id):
        services.save_voice_settings({"account_sid": "AC123", "auth_token": TOKEN})
        services.add_number({"number": LINE, "client_id": agency.client.id})
        client = db.session.get(Client, agency.client.id)
        client.timezone = "Europe/Lisbon"
        secretary = db.session.get(Secretary, agency.profile.id)
        secretary.phone, secretary.shift_status = DESK_PHONE, "on_shift"
        secretary.schedule = {day: [["08:00", "19:00"]] for day in WEEKDAYS[:5]}
        db.session.commit()
        services.save_rules(
            client, {"vip_numbers": [VIP], "client_phone": CLIENT_PHONE, "transfer_mode": "cold"}
        )
    yield agency
    clock.freeze(None)


def _call(http, caller=VIP, sid="CA0001"):
    form = {"CallSid": sid, "From": caller, "To": LINE}
    signature = RequestValidator(TOKEN).compute_signature("http://localhost/hooks/voice", form)
    response = http.post("/hooks/voice", data=form, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 200, response.get_data(as_text=True)
    return [n.text for n in ET.fromstring(response.get_data(as_text=True)).iter("Number")]


def _cache(app):
    return app.extensions["voice_lines"].current()


def _until(condition, what: str, seconds: float = 5.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError(f"gave up waiting: {what}")


def _listening(app, http):
    """A first call starts this process's listener; wait until it listens."""
    _call(http)
    _until(lambda: _cache(app).listening, "the line cache to listen")


def _owner(app):
    url = make_url(app.config["DATABASE_MIGRATE_URL"]).set(drivername="postgresql")
    return psycopg.connect(url.render_as_string(hide_password=False), autocommit=True)


def test_a_line_is_kept_until_its_agency_changes_it(app, client, line):
    _listening(app, client)
    assert _call(client) == [CLIENT_PHONE]  # read, and kept
    with _owner(app) as owner:
        # A change PostgreSQL says nothing of (its trigger off): the kept line still answers.
        owner.execute("ALTER TABLE clients DISABLE TRIGGER line_changed")
        owner.execute(
            "UPDATE clients SET status_text = 'In court' WHERE id = %s", (line.client.id,)
        )
        owner.execute("ALTER TABLE clients ENABLE TRIGGER line_changed")
        assert _call(client) == [CLIENT_PHONE]
        # Any change it does tell of drops the agency's lines: the next call reads afresh.
        owner.execute("UPDATE clients SET greeting = 'Hello' WHERE id = %s", (line.client.id,))
    _until(lambda: _call(client) == [DESK_PHONE], "the client's status to reach the call")


def test_a_change_made_in_this_process_reaches_its_very_next_call(app, client, line):
    _listening(app, client)
    assert _call(client) == [CLIENT_PHONE]
    with use_agency(line.agency.id):
        client_row = db.session.get(Client, line.client.id)
        services.set_status(client_row, {"status_text": "Do not disturb", "status_until": None})
    assert _call(client) == [DESK_PHONE]  # no wait: dropped at the commit


def test_another_agencys_change_keeps_this_agencys_line(app, client, line, other_agency):
    _listening(app, client)
    _call(client)
    kept = _cache(app).changes()
    with use_agency(other_agency.agency.id):
        db.session.get(Secretary, other_agency.profile.id).shift_status = "on_break"
        db.session.commit()
    # Told twice (the commit here, then PostgreSQL's notice): neither drops Alpha's line.
    _until(lambda: _cache(app).changes() >= kept + 2, "the notice of Bravo's change")
    key = (LINE, TUESDAY_10_15.date())
    assert _cache(app).get(key) is not None


@pytest.mark.alone
def test_without_its_listening_connection_every_call_reads_the_line(app, client, line):
    _listening(app, client)
    assert _call(client) == [CLIENT_PHONE]
    with _owner(app) as owner:
        owner.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND application_name = %s",
            (LISTENER_NAME,),
        )
        _until(lambda: not _cache(app).listening, "the cache to stop keeping")
        owner.execute("ALTER TABLE clients DISABLE TRIGGER line_changed")
        owner.execute("UPDATE clients SET status_text = 'Away' WHERE id = %s", (line.client.id,))
        owner.execute("ALTER TABLE clients ENABLE TRIGGER line_changed")
    # Changes went untold while nobody listened: listening again, it keeps nothing older.
    _until(lambda: _cache(app).listening, "the cache to listen again")
    assert _call(client) == [DESK_PHONE]


def test_every_table_a_line_is_made_of_tells_of_its_changes(app):
    with _owner(app) as owner:
        found = {
            row[0]
            for row in owner.execute(
                "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
                " WHERE t.tgname = 'line_changed'"
            )
        }
    assert found == set(LINE_TABLES)
