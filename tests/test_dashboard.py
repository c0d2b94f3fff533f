"""The console's dashboard: open and late work, utilisation, client hours; CSV and API."""

import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event

from agency.domains.clients.models import Client
from agency.domains.contracts.models import Contract
from agency.domains.hours.models import TimeEntry
from agency.domains.reports import services as reports
from agency.domains.staff.models import Absence, Secretary
from agency.domains.work.models import WorkItem
from agency.kernel import clock
from agency.kernel.database import db
from tenants import use_agency
from tests.conftest import PASSWORD, sign_in

# Wednesday 25 March 2026, 12:00 UTC: Lisbon and Berlin move their clocks on Sunday the 29th.
NOW = datetime(2026, 3, 25, 12, 0, tzinfo=UTC)
WEEKDAYS_9_TO_5 = {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}


@pytest.fixture
def frozen():
    clock.freeze(NOW)
    yield NOW
    clock.freeze(None)


@pytest.fixture
def api(client):
    def call(user, url):
        token = client.post(
            "/api/v1/auth/token", json={"email": user.email, "password": PASSWORD}
        ).json["token"]
        return client.get(url, headers={"Authorization": f"Bearer {token}"})

    return call


def _add(agency, *rows):
    with use_agency(agency.agency.id):
        db.session.add_all(rows)
        db.session.commit()
        return [r.id for r in rows]


def _item(client_id, title, status="queued", assignee_id=None, due=None):
    return WorkItem(
        client_id=client_id,
        kind="task",
        title=title,
        status=status,
        assignee_id=assignee_id,
        sla_due_at=due,
        created_at=NOW - timedelta(hours=5),
    )


def _entry(client_id, started_at, raw=60, billable=None, secretary_id=None):
    return TimeEntry(
        client_id=client_id,
        secretary_id=secretary_id,
        started_at=started_at,
        ended_at=started_at + timedelta(minutes=raw),
        raw_minutes=raw,
        billable_minutes=raw if billable is None else billable,
        billable=True,
    )


def _secretary(name, zone, schedule, **extra):
    return Secretary(
        name=name, email=f"{name.split()[0].lower()}@alpha.example", timezone=zone,
        schedule=schedule, **extra,
    )  # fmt: skip


def _figures(agency, now=NOW):
    with use_agency(agency.agency.id):
        return reports.dashboard(now)


# --- open and late work ---------------------------------------------------------------


def test_open_items_are_counted_per_client_and_per_secretary_with_the_pool(agency, frozen):
    (rita,) = _add(agency, _secretary("Rita Alves", "Europe/Lisbon", WEEKDAYS_9_TO_5))
    (other,) = _add(agency, Client(name="Ótica Lima", timezone="Europe/Lisbon"))
    me, mine = agency.profile.id, agency.client.id
    _add(
        agency,
        _item(mine, "queued in the pool"),
        _item(mine, "waiting in the pool", status="waiting"),
        _item(mine, "assigned", status="assigned", assignee_id=me),
        _item(mine, "in progress", status="in_progress", assignee_id=me),
        _item(other, "for Rita", status="assigned", assignee_id=rita),
        _item(mine, "done", status="done", assignee_id=me),
        _item(other, "cancelled", status="cancelled"),
        _item(other, "not routed yet", status="new"),
    )
    figures = _figures(agency)
    assert [(r.client_name, r.open_items) for r in figures.open_by_client] == [
        ("Alpha Client", 4),
        ("Ótica Lima", 1),
    ]
    assert [(r.secretary_id, r.open_items) for r in figures.open_by_secretary] == [
        (None, 2),
        (me, 2),
        (rita, 1),
    ]
    assert figures.open_by_secretary[0].secretary_name == "Unassigned (agency pool)"
    assert figures.open_items_total == 5


def test_past_sla_lists_open_late_items_oldest_due_first_with_how_late(agency, frozen):
    me, mine = agency.profile.id, agency.client.id
    _add(
        agency,
        _item(mine, "late a little", due=NOW - timedelta(minutes=10)),
        _item(mine, "late a lot", "in_progress", me, due=NOW - timedelta(hours=26, minutes=5)),
        _item(mine, "waiting, late", "waiting", me, due=NOW - timedelta(minutes=90)),
        _item(mine, "due later", due=NOW + timedelta(minutes=1)),
        _item(mine, "done late", "done", me, due=NOW - timedelta(days=3)),
        _item(mine, "no SLA"),
    )
    figures = _figures(agency)
    assert [(i.title, i.minutes_late, i.assignee_name) for i in figures.past_sla] == [
        ("late a lot", 26 * 60 + 5, "Alpha Secretary"),
        ("waiting, late", 90, "Alpha Secretary"),
        ("late a little", 10, None),
    ]
    assert {i.client_name for i in figures.past_sla} == {"Alpha Client"}
    assert figures.past_sla_total == 3


# --- utilisation ----------------------------------------------------------------------


def test_utilisation_is_this_weeks_logged_hours_against_the_schedule(agency, frozen):
    (rita,) = _add(agency, _secretary("Rita Alves", "Europe/Lisbon", WEEKDAYS_9_TO_5))
    mine = agency.client.id
    _add(
        agency,
        # Monday 00:30 in Lisbon (UTC+0 until the 29th) counts; Sunday 23:30 before does not.
        _entry(mine, datetime(2026, 3, 23, 0, 30, tzinfo=UTC), 90, secretary_id=rita),
        _entry(mine, datetime(2026, 3, 22, 23, 30, tzinfo=UTC), 20, secretary_id=rita),
        _entry(mine, datetime(2026, 3, 25, 9, 0, tzinfo=UTC), 150, secretary_id=rita),
        _entry(mine, datetime(2026, 3, 25, 9, 0, tzinfo=UTC), 45, secretary_id=agency.profile.id),
    )
    rows = {r.secretary_name: r for r in _figures(agency).utilisation}
    assert rows["Rita Alves"].week_starts_on == date(2026, 3, 23)
    assert rows["Rita Alves"].logged_minutes == 240
    assert rows["Rita Alves"].scheduled_minutes == 5 * 8 * 60
    assert rows["Rita Alves"].logged_hours == Decimal("4.00")
    assert rows["Rita Alves"].percent == Decimal("10.0")
    # The fixture's secretary has no schedule: no percentage rather than a division by zero.
    assert rows["Alpha Secretary"].logged_minutes == 45
    assert rows["Alpha Secretary"].scheduled_minutes == 0
    assert rows["Alpha Secretary"].percent is None


def test_an_absence_takes_its_days_out_of_the_scheduled_hours(agency, frozen):
    (rita,) = _add(agency, _secretary("Rita Alves", "Europe/Lisbon", WEEKDAYS_9_TO_5))
    _add(
        agency,
        # Friday before to Monday: only the Monday is in this week.
        Absence(secretary_id=rita, starts_on=date(2026, 3, 20), ends_on=date(2026, 3, 23)),
        Absence(secretary_id=rita, starts_on=date(2026, 3, 25), ends_on=date(2026, 3, 25)),
        # Next week's leave changes nothing yet.
        Absence(secretary_id=rita, starts_on=date(2026, 3, 30), ends_on=date(2026, 4, 3)),
    )
    (row,) = [r for r in _figures(agency).utilisation if r.secretary_id == rita]
    assert row.days_away == 2
    assert row.scheduled_minutes == 3 * 8 * 60


def test_scheduled_hours_follow_dst_changes_in_the_secretarys_zone(agency):
    all_sunday = {"sun": [["00:00", "24:00"]]}
    _add(
        agency,
        _secretary("Rita Alves", "Europe/Lisbon", all_sunday),
        _secretary("Dewi Lestari", "Asia/Jakarta", all_sunday),
    )
    spring = {r.secretary_name: r for r in _figures(agency, NOW).utilisation}
    assert spring["Rita Alves"].scheduled_minutes == 23 * 60  # 29 March: clocks go forward
    assert spring["Dewi Lestari"].scheduled_minutes == 24 * 60  # no DST in Jakarta
    autumn = {
        r.secretary_name: r
        for r in _figures(agency, datetime(2026, 10, 21, 12, 0, tzinfo=UTC)).utilisation
    }
    assert autumn["Rita Alves"].scheduled_minutes == 25 * 60  # 25 October: clocks go back


def test_each_secretarys_week_starts_on_monday_in_their_own_zone(agency):
    lisbon, jakarta = _add(
        agency,
        _secretary("Rita Alves", "Europe/Lisbon", WEEKDAYS_9_TO_5),
        _secretary("Dewi Lestari", "Asia/Jakarta", WEEKDAYS_9_TO_5),
    )
    mine = agency.client.id
    sunday_morning = datetime(2026, 3, 29, 10, 0, tzinfo=UTC)  # Jakarta: Sunday 17:00
    sunday_night = datetime(2026, 3, 29, 18, 0, tzinfo=UTC)  # Jakarta: Monday 01:00
    _add(
        agency,
        *(_entry(mine, sunday_morning, 30, secretary_id=s) for s in (lisbon, jakarta)),
        *(_entry(mine, sunday_night, 60, secretary_id=s) for s in (lisbon, jakarta)),
    )
    at = datetime(2026, 3, 29, 20, 0, tzinfo=UTC)  # Lisbon: Sunday; Jakarta: Monday 03:00
    rows = {r.secretary_id: r for r in _figures(agency, at).utilisation}
    assert (rows[lisbon].week_starts_on, rows[lisbon].logged_minutes) == (date(2026, 3, 23), 90)
    assert (rows[jakarta].week_starts_on, rows[jakarta].logged_minutes) == (date(2026, 3, 30), 60)


def test_archived_secretaries_have_no_utilisation_row(agency, frozen):
    _add(agency, _secretary("Gone Away", "UTC", WEEKDAYS_9_TO_5, archived_at=NOW))
    names = [r.secretary_name for r in _figures(agency).utilisation]
    assert names == ["Alpha Secretary"]


# --- client hours ---------------------------------------------------------------------


def test_client_hours_count_the_month_in_the_clients_zone(agency):
    mine = agency.client.id
    with use_agency(agency.agency.id):
        db.session.get(Client, mine).timezone = "America/New_York"
        db.session.commit()
    tokyo, walk_in = _add(
        agency,
        Client(name="Kyoto Trading", timezone="Asia/Tokyo"),
        Client(name="Walk-in", timezone="UTC"),
    )
    _add(
        agency,
        Contract(
            client_id=tokyo,
            plan_name="Tokyo Plan",
            included_minutes=120,
            hourly_rate_minor=1,
            overage_rate_minor=1,
            currency="JPY",
            starts_on=date(2026, 1, 1),
            status="active",
        ),  # fmt: skip
    )
    late_march = datetime(2026, 3, 31, 23, 30, tzinfo=UTC)  # New York: 31 March; Tokyo: 1 April
    _add(
        agency,
        _entry(mine, datetime(2026, 3, 15, 12, 0, tzinfo=UTC), 50, billable=54),
        _entry(mine, late_march, 100, billable=102),
        _entry(mine, datetime(2026, 2, 28, 12, 0, tzinfo=UTC), 600),
        _entry(tokyo, datetime(2026, 3, 15, 12, 0, tzinfo=UTC), 30),
        _entry(tokyo, late_march, 150, billable=150),
        _entry(walk_in, datetime(2026, 3, 31, 12, 0, tzinfo=UTC), 30),
    )
    at = datetime(2026, 4, 1, 2, 0, tzinfo=UTC)  # New York: still 31 March, 22:00
    rows = {r.client_name: r for r in _figures(agency, at).client_hours}
    alpha = rows["Alpha Client"]
    assert (alpha.month, alpha.used_minutes, alpha.included_minutes) == ("2026-03", 156, 600)
    assert (alpha.used_hours, alpha.included_hours, alpha.percent) == (
        Decimal("2.60"),
        Decimal("10.00"),
        Decimal("26.0"),
    )
    kyoto = rows["Kyoto Trading"]
    assert (kyoto.month, kyoto.used_minutes, kyoto.percent) == ("2026-04", 150, Decimal("125.0"))
    walk = rows["Walk-in"]
    assert (walk.month, walk.used_minutes, walk.has_contract) == ("2026-04", 0, False)
    assert walk.percent is None and walk.plan_name is None


# --- few queries ----------------------------------------------------------------------


def _statements(agency) -> int:
    seen = []

    def count(_conn, _cursor, statement, *_args):
        if "set_config" not in statement:  # PostgreSQL's row-level security setting
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        _figures(agency)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(seen)


ZONES = ("Europe/Lisbon", "Asia/Jakarta", "America/New_York")


def test_the_dashboard_takes_the_same_few_queries_however_many_rows(agency, frozen):
    def grow(n):
        secretaries = _add(
            agency,
            *(_secretary(f"S{n}{i} Name", z, WEEKDAYS_9_TO_5) for i, z in enumerate(ZONES)),
        )
        clients = _add(agency, *(Client(name=f"C{n}{i}", timezone=z) for i, z in enumerate(ZONES)))
        _add(
            agency,
            *(_item(c, "late", "assigned", s, NOW - timedelta(hours=1)) for c, s in
              zip(clients, secretaries, strict=True)),
            *(_entry(c, NOW - timedelta(hours=2), secretary_id=s) for c, s in
              zip(clients, secretaries, strict=True)),
            *(Absence(secretary_id=s, starts_on=date(2026, 3, 24), ends_on=date(2026, 3, 24))
              for s in secretaries),
        )  # fmt: skip

    grow(1)
    small = _statements(agency)
    grow(2)
    grow(3)
    assert _statements(agency) == small
    assert small <= 11


# --- the console page and its CSV files -----------------------------------------------


def _busy_agency(agency):
    (rita,) = _add(
        agency,
        _secretary("Rita Alves", "Europe/Lisbon", WEEKDAYS_9_TO_5, team_lead_id=None),
    )
    _add(
        agency,
        _item(agency.client.id, "Call back Mr Costa", "assigned", rita, NOW - timedelta(hours=3)),
        _item(agency.client.id, "=HYPERLINK(1)", due=NOW - timedelta(minutes=5)),
        _entry(agency.client.id, NOW - timedelta(hours=1), 90, secretary_id=rita),
    )
    return rita


def test_the_console_home_is_the_dashboard(client, agency, other_agency, frozen):
    _busy_agency(agency)
    sign_in(client, agency.manager)
    page = client.get("/console/").get_data(as_text=True)
    for expected in (
        'id="chart-open-by-client"',
        'id="chart-open-by-secretary"',
        'id="chart-utilisation"',
        'id="chart-client-hours"',
        "Unassigned (agency pool)",
        "Call back Mr Costa",
        "1.5 / 40 h · 3.8 %",  # Rita: logged against scheduled
        "1.5 / 10 h · 15 %",  # the client's hours against its contract
        "/console/dashboard/past-sla.csv",
        "/console/dashboard/client-hours.csv",
    ):
        assert expected in page, expected
    assert "Bravo" not in page


@pytest.mark.parametrize(
    ("section", "header", "first_row"),
    [
        ("open-by-client", "client_id,client_name,open_items", ["Alpha Client", "2"]),
        ("open-by-secretary", "secretary_id,secretary_name,open_items", ["", "Unassigned"]),
        ("past-sla", "item_id,title,kind,priority,status,client_id,client_name", ["Call back"]),
        ("utilisation", "secretary_id,secretary_name,timezone,week_starts_on", ["Alpha Sec"]),
        ("client-hours", "client_id,client_name,timezone,month,used_minutes", ["2026-03", "90"]),
    ],
)
def test_each_section_downloads_as_csv(client, agency, frozen, section, header, first_row):
    _busy_agency(agency)
    sign_in(client, agency.manager)
    response = client.get(f"/console/dashboard/{section}.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="{section}-2026-03-25.csv"'
    )
    text = response.get_data(as_text=True)
    assert text.startswith(header)
    first = text.splitlines()[1]
    assert all(part in first for part in first_row), first


def test_the_csv_files_carry_the_figures_and_defuse_formulas(client, agency, frozen):
    rita = _busy_agency(agency)
    sign_in(client, agency.manager)
    late = list(csv.DictReader(io.StringIO(client.get("/console/dashboard/past-sla.csv").text)))
    assert [(r["title"], r["minutes_late"], r["assignee_name"]) for r in late] == [
        ("Call back Mr Costa", "180", "Rita Alves"),
        ("'=HYPERLINK(1)", "5", ""),
    ]
    assert late[0]["sla_due_at"] == "2026-03-25T09:00:00+00:00"
    use = client.get("/console/dashboard/utilisation.csv").text
    (row,) = [r for r in csv.DictReader(io.StringIO(use)) if r["secretary_id"] == str(rita)]
    assert (row["logged_minutes"], row["scheduled_minutes"], row["percent"]) == (
        "90",
        "2400",
        "3.8",
    )


def test_csv_export_is_for_managers_and_known_sections_only(client, agency, frozen):
    sign_in(client, agency.manager)
    assert client.get("/console/dashboard/salaries.csv").status_code == 404
    assert client.get("/console/dashboard/past-sla.txt").status_code == 404
    other = client.application.test_client()
    sign_in(other, agency.secretary)
    assert other.get("/console/dashboard/past-sla.csv").status_code == 403
    assert client.application.test_client().get("/console/dashboard/past-sla.csv").status_code in (
        302,
        401,
    )


# --- the API --------------------------------------------------------------------------


def test_the_dashboard_is_in_the_api(api, agency, frozen):
    rita = _busy_agency(agency)
    response = api(agency.manager, "/api/v1/dashboard")
    assert response.status_code == 200, response.json
    body = response.json
    assert body["at"].startswith("2026-03-25T12:00:00")
    assert body["open_items_total"] == 2 and body["past_sla_total"] == 2
    assert body["open_by_client"] == [
        {"client_id": agency.client.id, "client_name": "Alpha Client", "open_items": 2}
    ]
    assert body["open_by_secretary"][0] == {
        "secretary_id": None,
        "secretary_name": "Unassigned (agency pool)",
        "open_items": 1,
    }
    assert [i["title"] for i in body["past_sla"]] == ["Call back Mr Costa", "=HYPERLINK(1)"]
    (use,) = [u for u in body["utilisation"] if u["secretary_id"] == rita]
    assert use["logged_hours"] == 1.5 and use["scheduled_hours"] == 40 and use["percent"] == 3.8
    assert use["week_starts_on"] == "2026-03-23"
    (hours,) = body["client_hours"]
    assert hours["used_minutes"] == 90 and hours["included_minutes"] == 600
    assert hours["percent"] == 15 and hours["has_contract"] is True


def test_the_dashboard_api_is_for_managers_and_documented(api, client, agency):
    response = api(agency.secretary, "/api/v1/dashboard")
    assert response.status_code == 403
    assert response.json["error"]["code"] == "forbidden"
    assert client.get("/api/v1/dashboard").status_code == 401
    spec = client.get("/api/v1/openapi.json").json
    operation = spec["paths"]["/api/v1/dashboard"]["get"]
    assert "200" in operation["responses"]
    assert "Dashboard" in spec["components"]["schemas"]


# --- tenancy --------------------------------------------------------------------------


def test_another_agency_sees_none_of_it(client, api, agency, other_agency, frozen):
    _busy_agency(agency)
    sign_in(client, other_agency.manager)
    page = client.get("/console/").get_data(as_text=True)
    assert "Alpha" not in page and "Rita Alves" not in page and "Mr Costa" not in page
    for section in ("open-by-client", "open-by-secretary", "past-sla", "utilisation"):
        body = client.get(f"/console/dashboard/{section}.csv").text
        assert "Alpha" not in body and "Rita" not in body and "Costa" not in body, section
    hours = client.get("/console/dashboard/client-hours.csv").text
    assert "Bravo Client" in hours and "Alpha" not in hours
    body = api(other_agency.manager, "/api/v1/dashboard").json
    assert body["open_items_total"] == 0 and body["past_sla"] == []
    assert [u["secretary_name"] for u in body["utilisation"]] == ["Bravo Secretary"]
    assert [c["used_minutes"] for c in body["client_hours"]] == [0]


def test_a_label_cut_short_on_a_chart_keeps_its_whole_text(client, agency, frozen):
    long_name = "Keller, Hoffmann & Partner Rechtsanwälte und Notare mbB"
    with use_agency(agency.agency.id):
        db.session.get(Client, agency.client.id).name = long_name
        db.session.commit()
    _add(agency, _item(agency.client.id, "Open"))
    sign_in(client, agency.manager)
    page = client.get("/console/").get_data(as_text=True)
    label = page.split('id="chart-open-by-client"')[1].split("</text>")[0]
    assert f"<title>{long_name.replace('&', '&amp;')}</title>" in label
    assert "…" in label  # the bar's label itself is cut short
