"""The SLA report: met, missed and pending per client, secretary and kind, over a period."""

import csv
import io
from datetime import UTC, datetime

import pytest

from agency.domains.clients.models import Client
from agency.domains.work.creation import create_item
from agency.domains.work.models import WorkItem
from agency.kernel import clock
from agency.kernel.database import db
from tenants import use_agency
from tests.conftest import PASSWORD, sign_in

# The agencies are in Europe/Lisbon (UTC+1 in June).
NOW = datetime(2026, 6, 16, 8, 0, tzinfo=UTC)
PERIOD = "from=2026-06-10&to=2026-06-15"


def at(day, hour, minute=0):
    return datetime(2026, 6, day, hour, minute, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _release_clock():
    yield
    clock.freeze(None)


def _item(team, created, kind, priority, started=None, closed=None, client_id=None, mine=True):
    """An item created at ``created`` (due at the built-in default), then worked on."""
    clock.freeze(created)
    with use_agency(team.agency.id):
        item, _new = create_item(
            {
                "client_id": client_id or team.client.id,
                "kind": kind,
                "priority": priority,
                "title": team.agency.name,
            }
        )
        item.started_at, item.closed_at = started, closed
        item.assignee_id = team.profile.id if mine else None
        db.session.commit()
        return item.sla_due_at


@pytest.fixture
def items(agency, other_agency):
    """Alpha: its client 3 met, 2 missed, 1 pending; a second client 1 met, unassigned."""
    with use_agency(agency.agency.id):
        other = Client(name="Alpha Second")
        db.session.add(other)
        db.session.commit()
        other_id = other.id
    # Met: started 3 minutes after creation (urgent: due after 5).
    _item(agency, at(10, 10), "call", "urgent", started=at(10, 10, 3))
    # Missed: started after 10 minutes.
    _item(agency, at(10, 11), "call", "urgent", started=at(10, 11, 10))
    # Met at the very minute it was due (high: 30 minutes).
    _item(agency, at(11, 9), "call", "high", started=at(11, 9, 30))
    # Never started, closed within its 4 hours: met.
    _item(agency, at(10, 12), "email", "normal", closed=at(10, 15))
    # Untouched and long overdue: missed. Created 23:30 UTC on the 9th = 00:30 in Lisbon.
    _item(agency, at(9, 23, 30), "email", "normal")
    # Untouched, due tomorrow (low: a day): pending.
    _item(agency, at(15, 11), "task", "low")
    # The second client, nobody assigned: met.
    _item(
        agency, at(12, 9), "email", "urgent", started=at(12, 9, 1), client_id=other_id, mine=False
    )
    # Outside the period: 23:30 UTC on the 15th is already the 16th in Lisbon; and May.
    _item(agency, at(15, 23, 30), "call", "urgent")
    _item(agency, datetime(2026, 5, 1, 10, tzinfo=UTC), "call", "urgent")
    # The other agency's items never count.
    _item(other_agency, at(10, 10), "call", "urgent", started=at(10, 10, 1))
    clock.freeze(NOW)
    return other_id


@pytest.fixture
def token(client, agency):
    return client.post(
        "/api/v1/auth/token", json={"email": agency.manager.email, "password": PASSWORD}
    ).json["token"]


def _api(client, token, query):
    return client.get(f"/api/v1/reports/sla?{query}", headers={"Authorization": f"Bearer {token}"})


def _table(rows):
    return {r["name"]: (r["met"], r["missed"], r["pending"], r["percent"]) for r in rows}


def test_met_missed_and_pending_per_client(client, token, agency, items):
    report = _api(client, token, f"{PERIOD}&by=client")
    assert report.status_code == 200, report.json
    assert (report.json["from"], report.json["to"]) == ("2026-06-10", "2026-06-15")
    assert report.json["timezone"] == "Europe/Lisbon"
    assert _table(report.json["rows"]) == {
        "Alpha Client": (3, 2, 1, 60.0),
        "Alpha Second": (1, 0, 0, 100.0),
    }
    assert report.json["total"] == {
        **report.json["total"],
        "met": 4,
        "missed": 2,
        "pending": 1,
        "total": 7,
        "percent": 66.7,
    }


def test_per_secretary_unassigned_items_have_their_own_row(client, token, agency, items):
    rows = _api(client, token, f"{PERIOD}&by=secretary").json["rows"]
    assert _table(rows) == {"Alpha Secretary": (3, 2, 1, 60.0), "Unassigned": (1, 0, 0, 100.0)}
    assert rows[-1]["key"] is None


def test_per_kind(client, token, agency, items):
    rows = _api(client, token, f"{PERIOD}&by=kind").json["rows"]
    assert _table(rows) == {
        "Call": (2, 1, 0, 66.7),
        "Email": (2, 1, 0, 66.7),
        "Task": (0, 0, 1, None),
    }


def test_a_pending_item_turns_missed_once_its_due_time_passes(client, token, agency, items):
    clock.freeze(at(16, 11, 1))
    rows = _api(client, token, f"{PERIOD}&by=kind").json["rows"]
    assert _table(rows)["Task"] == (0, 1, 0, 0.0)


def test_the_default_period_is_the_last_30_days(client, token, agency, items):
    report = _api(client, token, "").json
    assert (report["from"], report["to"], report["by"]) == ("2026-05-18", "2026-06-16", "client")
    # Everything from the 10th on, and the item of 00:30 on the 16th, Lisbon time.
    assert report["total"]["total"] == 8


def test_another_agency_sees_only_its_own_items(client, agency, other_agency, items):
    token = client.post(
        "/api/v1/auth/token", json={"email": other_agency.owner.email, "password": PASSWORD}
    ).json["token"]
    rows = _api(client, token, f"{PERIOD}&by=client").json["rows"]
    assert _table(rows) == {"Bravo Client": (1, 0, 0, 100.0)}


def test_any_period_can_be_asked_for(client, token, agency, items):
    report = _api(client, token, "from=1970-01-01&to=2999-12-31&by=client").json
    assert (report["from"], report["to"]) == ("1970-01-01", "2999-12-31")
    # Every item of the agency: the seven of the period, the 16th's and May's.
    assert report["total"]["total"] == 9


BAD_PERIODS = [
    ("from=2026-06-15&to=2026-06-10", "to", "The end date is before the start date."),
    ("from=10.06.2026&to=2026-06-15", "from", "Enter a date as YYYY-MM-DD."),
    ("from=2026-06-10&to=2026-02-30", "to", "Enter a date as YYYY-MM-DD."),
    ("from=0001-01-01&to=0001-01-02", "from", "Enter a date between 1970 and 2999."),
    ("from=9999-12-30&to=9999-12-31", "from", "Enter a date between 1970 and 2999."),
    ("from=1969-12-31&to=1970-01-01", "from", "Enter a date between 1970 and 2999."),
]


@pytest.mark.parametrize(("query", "field", "message"), BAD_PERIODS)
def test_bad_periods_are_400_in_the_api(client, token, agency, query, field, message):
    response = _api(client, token, query)
    assert response.status_code == 400
    assert response.json["error"]["fields"] == {field: [message]}


def test_an_unknown_grouping_is_400(client, token, agency):
    response = _api(client, token, f"{PERIOD}&by=colour")
    assert response.status_code == 400
    assert "by" in response.json["error"]["fields"]
    sign_in(client, agency.manager)
    assert client.get(f"/console/sla/report.csv?{PERIOD}&by=colour").status_code == 400


def test_a_full_leap_year_is_allowed(client, token, agency):
    assert _api(client, token, "from=2028-01-01&to=2028-12-31").status_code == 200


def test_the_console_report_shows_the_three_tables(client, agency, items):
    sign_in(client, agency.manager)
    page = client.get(f"/console/sla/report?{PERIOD}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for section in ("sla-client", "sla-secretary", "sla-kind"):
        assert f'id="{section}"' in html
    assert '<span id="sla-total">66.7 %</span>' in html
    assert "Alpha Second" in html and "Unassigned" in html and "60 %" in html
    assert "Bravo" not in html


def test_the_console_report_defaults_to_the_last_30_days(client, agency, items):
    sign_in(client, agency.manager)
    html = client.get("/console/sla/report").get_data(as_text=True)
    assert 'value="2026-05-18"' in html and 'value="2026-06-16"' in html


@pytest.mark.parametrize(("query", "field", "message"), BAD_PERIODS)
def test_bad_periods_are_400_in_the_console(client, agency, query, field, message):
    sign_in(client, agency.manager)
    response = client.get(f"/console/sla/report?{query}")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f'id="period-{field}-error"' in html and message in html
    assert 'id="sla-client"' not in html
    csv_response = client.get(f"/console/sla/report.csv?{query}")
    assert csv_response.status_code == 400 and message in csv_response.get_data(as_text=True)


def test_the_report_downloads_as_csv(client, agency, items):
    sign_in(client, agency.manager)
    response = client.get(f"/console/sla/report.csv?{PERIOD}&by=kind")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "sla-kind-2026-06-10-2026-06-15.csv" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["kind", "name", "met", "missed", "pending", "total", "percent"]
    assert rows[1:] == [
        ["call", "Call", "2", "1", "0", "3", "66.7"],
        ["email", "Email", "2", "1", "0", "3", "66.7"],
        ["task", "Task", "0", "0", "1", "1", ""],
        ["", "All", "4", "2", "1", "7", "66.7"],
    ]


def test_names_a_spreadsheet_would_run_are_kept_as_text(client, agency):
    with use_agency(agency.agency.id):
        db.session.get(Client, agency.client.id).name = "=HYPERLINK(1)"
        db.session.commit()
    _item(agency, at(10, 10), "call", "urgent", started=at(10, 10, 1))
    clock.freeze(NOW)
    sign_in(client, agency.manager)
    body = client.get(f"/console/sla/report.csv?{PERIOD}").get_data(as_text=True)
    assert "'=HYPERLINK(1)" in body


def test_items_without_a_due_time_are_left_out(client, token, agency, items):
    with use_agency(agency.agency.id):
        for item in db.session.query(WorkItem).all():
            item.sla_due_at = None
        db.session.commit()
    report = _api(client, token, PERIOD).json
    assert report["rows"] == [] and report["total"]["percent"] is None
