"""SLA targets and holidays: which target applies, due times of new items, console and API."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from agency.domains.clients.models import Client
from agency.domains.contracts.models import Contract
from agency.domains.sla import services
from agency.domains.sla.models import Holiday, SlaTarget
from agency.domains.work.creation import create_item
from agency.kernel import clock
from agency.kernel.database import db
from tenants import use_agency
from tests.conftest import PASSWORD, post_form, sign_in

WEEKDAYS_9_TO_5 = {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
# Friday 6 March 2026, 15:00 in New York (EST, UTC-5); the clocks go forward on Sunday.
FRIDAY_3PM_NEW_YORK = datetime(2026, 3, 6, 20, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _release_clock():
    yield
    clock.freeze(None)


def _as(agency):
    return use_agency(agency.agency.id)


def _target(**values) -> SlaTarget:
    target, _created = services.save_target(values)
    return target


def _rows(agency, model):
    with _as(agency):
        return db.session.scalars(select(model).order_by(model.id)).all()


@pytest.fixture
def tokens(client, agency, other_agency):
    def token(user):
        return client.post(
            "/api/v1/auth/token", json={"email": user.email, "password": PASSWORD}
        ).json["token"]

    return {
        "manager": token(agency.manager),
        "secretary": token(agency.secretary),
        "bravo": token(other_agency.manager),
    }


@pytest.fixture
def call(client):
    def request(token, method, url, json=None):
        return client.open(
            url, method=method, json=json, headers={"Authorization": f"Bearer {token}"}
        )

    return request


# --- which target applies ----------------------------------------------------------------------


def test_without_targets_the_built_in_defaults_apply(agency):
    with _as(agency):
        for priority, minutes in services.DEFAULT_SLA_MINUTES.items():
            target = services.target_for(agency.client.id, "email", priority)
            assert target == services.Target(minutes, False, "default")


def test_a_contract_override_beats_the_agency_target_which_beats_the_default(agency):
    client_id, contract_id = agency.client.id, agency.contract.id
    with _as(agency):
        _target(kind=None, priority="normal", minutes=200)
        assert services.target_for(client_id, "email", "normal").minutes == 200
        _target(kind="email", priority="normal", minutes=180, business_hours_only=True)
        assert services.target_for(client_id, "email", "normal") == services.Target(
            180, True, "agency"
        )
        assert services.target_for(client_id, "call", "normal").minutes == 200
        _target(contract_id=contract_id, kind=None, priority="normal", minutes=120)
        assert services.target_for(client_id, "email", "normal") == services.Target(
            120, False, "contract"
        )
        _target(contract_id=contract_id, kind="email", priority="normal", minutes=60)
        assert services.target_for(client_id, "email", "normal").minutes == 60
        assert services.target_for(client_id, "call", "normal").minutes == 120
        assert services.target_for(client_id, "call", "urgent").source == "default"


def test_overrides_of_a_contract_that_is_not_active_do_not_apply(agency):
    with _as(agency):
        _target(kind="email", priority="normal", minutes=180)
        _target(contract_id=agency.contract.id, kind="email", priority="normal", minutes=30)
        db.session.get(Contract, agency.contract.id).status = "ended"
        db.session.commit()
        assert services.target_for(agency.client.id, "email", "normal").minutes == 180


def test_saving_the_same_target_twice_updates_it(agency):
    with _as(agency):
        first, created = services.save_target({"priority": "urgent", "minutes": 5})
        second, again = services.save_target({"priority": "urgent", "minutes": 3})
        assert (created, again, first.id) == (True, False, second.id)
        assert [t.minutes for t in services.targets()] == [3]


# --- due times of new items --------------------------------------------------------------------


def _business_client(agency, timezone="America/New_York"):
    with _as(agency):
        client = db.session.get(Client, agency.client.id)
        client.timezone, client.business_hours = timezone, WEEKDAYS_9_TO_5
        db.session.commit()


def _new_item(agency, **data):
    with _as(agency):
        item, _new = create_item({"client_id": agency.client.id, "title": "Reply", **data})
        return item.sla_due_at


def test_a_new_item_is_due_at_the_built_in_default_wall_clock(agency):
    clock.freeze(FRIDAY_3PM_NEW_YORK)
    due = _new_item(agency, kind="call", priority="urgent")
    assert due == FRIDAY_3PM_NEW_YORK + timedelta(minutes=5)


def test_a_new_item_counts_business_hours_over_the_weekend_and_the_dst_change(agency):
    _business_client(agency)
    with _as(agency):
        _target(kind="email", priority="normal", minutes=240, business_hours_only=True)
    clock.freeze(FRIDAY_3PM_NEW_YORK)
    due = _new_item(agency, kind="email")
    # Two hours on Friday, two on Monday from 09:00 EDT (UTC-4): 11:00 EDT.
    assert due == datetime(2026, 3, 9, 15, 0, tzinfo=UTC)


def test_a_new_item_skips_agency_and_client_holidays(agency):
    _business_client(agency)
    with _as(agency):
        _target(kind="email", priority="normal", minutes=240, business_hours_only=True)
        services.add_holiday({"date": "2026-03-09", "name": "Agency day"})
        services.add_holiday(
            {"date": "2026-03-10", "name": "Closed", "client_id": agency.client.id}
        )
    clock.freeze(FRIDAY_3PM_NEW_YORK)
    assert _new_item(agency, kind="email") == datetime(2026, 3, 11, 15, 0, tzinfo=UTC)


def test_another_clients_closed_day_does_not_close_this_client(agency):
    _business_client(agency)
    with _as(agency):
        other = Client(name="Alpha Other")
        db.session.add(other)
        db.session.commit()
        _target(kind="email", priority="normal", minutes=240, business_hours_only=True)
        services.add_holiday({"date": "2026-03-09", "name": "Closed", "client_id": other.id})
    clock.freeze(FRIDAY_3PM_NEW_YORK)
    assert _new_item(agency, kind="email") == datetime(2026, 3, 9, 15, 0, tzinfo=UTC)


def test_a_business_hours_target_is_wall_clock_for_a_client_without_hours(agency):
    with _as(agency):
        _target(kind="email", priority="normal", minutes=240, business_hours_only=True)
    clock.freeze(FRIDAY_3PM_NEW_YORK)
    assert _new_item(agency, kind="email") == FRIDAY_3PM_NEW_YORK + timedelta(hours=4)


def test_an_item_created_through_the_api_gets_the_contract_due_time(call, tokens, agency):
    _business_client(agency)
    with _as(agency):
        _target(
            contract_id=agency.contract.id,
            priority="high",
            minutes=90,
            business_hours_only=True,
        )
    clock.freeze(FRIDAY_3PM_NEW_YORK)
    created = call(
        tokens["manager"],
        "POST",
        "/api/v1/work-items/",
        {"client_id": agency.client.id, "kind": "call", "title": "Call", "priority": "high"},
    )
    assert created.status_code == 201, created.json
    assert created.json["sla_due_at"].startswith("2026-03-06T21:30:00")


# --- console ---------------------------------------------------------------------------------


def test_a_manager_edits_the_agency_grid(client, agency, other_agency):
    sign_in(client, agency.manager)
    page = client.get("/console/sla")
    assert page.status_code == 200
    assert 'name="call_urgent"' in page.get_data(as_text=True)
    response = post_form(
        client,
        "/console/sla",
        {
            "call_urgent": "5",
            "email_normal": "240",
            "email_normal_business": "y",
            "any_low": "1440",
        },
    )
    assert response.status_code == 302
    cells = {
        (t.kind, t.priority): (t.minutes, t.business_hours_only) for t in _rows(agency, SlaTarget)
    }
    assert cells == {
        ("call", "urgent"): (5, False),
        ("email", "normal"): (240, True),
        (None, "low"): (1440, False),
    }
    assert 'value="240"' in client.get("/console/sla").get_data(as_text=True)
    # A blank cell removes its target.
    post_form(client, "/console/sla", {"call_urgent": "3"})
    assert [(t.kind, t.minutes) for t in _rows(agency, SlaTarget)] == [("call", 3)]
    assert _rows(other_agency, SlaTarget) == []


@pytest.mark.parametrize("minutes", ["0", "-5", "abc", "1.5", "99999999"])
def test_bad_minutes_in_the_grid_are_shown_and_nothing_is_written(client, agency, minutes):
    sign_in(client, agency.manager)
    post_form(client, "/console/sla", {"call_urgent": "5"})
    response = post_form(client, "/console/sla", {"call_urgent": "7", "email_high": minutes})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="email_high-error"' in page
    assert "nothing was saved" in page
    assert [(t.kind, t.minutes) for t in _rows(agency, SlaTarget)] == [("call", 5)]


def test_the_grid_refuses_a_post_without_csrf(client, agency):
    sign_in(client, agency.manager)
    response = client.post("/console/sla", data={"call_urgent": "5"})
    assert response.status_code == 400
    assert _rows(agency, SlaTarget) == []


def test_contract_overrides_are_edited_from_the_contract_page(client, agency):
    sign_in(client, agency.manager)
    contract_page = client.get(f"/console/contracts/{agency.contract.id}").get_data(as_text=True)
    url = f"/console/contracts/{agency.contract.id}/sla"
    assert url in contract_page
    response = post_form(client, url, {"any_urgent": "2", "email_normal": "60"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/console/contracts/{agency.contract.id}")
    targets = _rows(agency, SlaTarget)
    assert {(t.contract_id, t.kind, t.minutes) for t in targets} == {
        (agency.contract.id, None, 2),
        (agency.contract.id, "email", 60),
    }
    assert "Email" in client.get(f"/console/contracts/{agency.contract.id}").get_data(as_text=True)
    bad = post_form(client, url, {"any_urgent": "x"})
    assert bad.status_code == 422
    assert len(_rows(agency, SlaTarget)) == 2


def test_secretaries_cannot_open_the_sla_pages(client, agency):
    sign_in(client, agency.secretary)
    for url in ("/console/sla", "/console/sla/holidays", "/console/sla/report"):
        assert client.get(url).status_code == 403


def test_holidays_are_added_and_removed_in_the_console(client, agency, other_agency):
    sign_in(client, agency.manager)
    added = post_form(client, "/console/sla/holidays", {"date": "2026-12-25", "name": "Christmas"})
    assert added.status_code == 302
    own = post_form(
        client,
        "/console/sla/holidays",
        {"date": "2026-08-14", "name": "Office move", "client_id": str(agency.client.id)},
    )
    assert own.status_code == 302
    page = client.get("/console/sla/holidays").get_data(as_text=True)
    assert "Christmas" in page and "Office move" in page and "Alpha Client" in page
    holidays = _rows(agency, Holiday)
    assert {(h.client_id, h.name) for h in holidays} == {
        (None, "Christmas"),
        (agency.client.id, "Office move"),
    }
    removed = post_form(
        client, f"/console/sla/holidays/{holidays[0].id}/remove", {}, page="/console/sla/holidays"
    )
    assert removed.status_code == 302
    assert [h.name for h in _rows(agency, Holiday)] == ["Office move"]
    assert _rows(other_agency, Holiday) == []


@pytest.mark.parametrize(
    ("fields", "status", "message"),
    [
        ({"date": "25/12/2026", "name": "Christmas"}, 422, "Enter a date as YYYY-MM-DD."),
        ({"date": "2026-02-30", "name": "Christmas"}, 422, "Enter a date as YYYY-MM-DD."),
        ({"date": "2026-12-25", "name": ""}, 422, "This field is required."),
        ({"date": "2026-12-25", "name": "X" * 101}, 422, "Length must be between 1 and 100."),
        ({"date": "2026-12-25", "name": "Xmas", "client_id": "abc"}, 422, "Enter a whole number"),
        ({"date": "2026-12-25", "name": "Xmas", "client_id": "999999"}, 422, "Choose a client"),
        ({"date": "2026-05-01", "name": "Again"}, 409, "2026-05-01 is already a holiday."),
    ],
)
def test_bad_holidays_in_the_console_are_refused(client, agency, fields, status, message):
    with _as(agency):
        services.add_holiday({"date": "2026-05-01", "name": "Labour day"})
    sign_in(client, agency.manager)
    response = post_form(client, "/console/sla/holidays", fields)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert [h.name for h in _rows(agency, Holiday)] == ["Labour day"]


# --- API -------------------------------------------------------------------------------------


def test_targets_through_the_api(call, tokens, agency, other_agency):
    url = "/api/v1/sla-targets/"
    created = call(
        tokens["manager"], "POST", url, {"kind": "call", "priority": "urgent", "minutes": 5}
    )
    assert created.status_code == 201, created.json
    assert created.json["contract_id"] is None and created.json["business_hours_only"] is False
    updated = call(
        tokens["manager"],
        "POST",
        url,
        {"kind": "call", "priority": "urgent", "minutes": 4, "business_hours_only": True},
    )
    assert updated.status_code == 200 and updated.json["id"] == created.json["id"]
    override = call(
        tokens["manager"],
        "POST",
        url,
        {"contract_id": agency.contract.id, "priority": "urgent", "minutes": 2},
    )
    assert override.status_code == 201 and override.json["kind"] is None
    listed = call(tokens["manager"], "GET", url)
    assert [t["minutes"] for t in listed.json] == [4, 2]
    only = call(tokens["manager"], "GET", f"{url}?contract_id={agency.contract.id}")
    assert [t["id"] for t in only.json] == [override.json["id"]]
    assert call(tokens["bravo"], "GET", url).json == []
    assert call(tokens["manager"], "GET", f"{url}{created.json['id']}").json["minutes"] == 4
    deleted = call(tokens["manager"], "DELETE", f"{url}{created.json['id']}")
    assert deleted.status_code == 204
    assert [t.id for t in _rows(agency, SlaTarget)] == [override.json["id"]]


def test_secretaries_cannot_change_targets(call, tokens, agency):
    response = call(
        tokens["secretary"], "POST", "/api/v1/sla-targets/", {"priority": "urgent", "minutes": 5}
    )
    assert response.status_code == 403
    assert call(tokens["secretary"], "GET", "/api/v1/holidays/").status_code == 403
    assert call(tokens["secretary"], "GET", "/api/v1/reports/sla").status_code == 403
    assert _rows(agency, SlaTarget) == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"minutes": 5}, "priority"),
        ({"priority": "soon", "minutes": 5}, "priority"),
        ({"priority": "urgent"}, "minutes"),
        ({"priority": "urgent", "minutes": 0}, "minutes"),
        ({"priority": "urgent", "minutes": -1}, "minutes"),
        ({"priority": "urgent", "minutes": 5.5}, "minutes"),
        ({"priority": "urgent", "minutes": "5"}, "minutes"),
        ({"priority": "urgent", "minutes": 10**12}, "minutes"),
        ({"priority": "urgent", "minutes": True}, "minutes"),
        ({"priority": "urgent", "minutes": 5, "kind": "fax"}, "kind"),
        ({"priority": "urgent", "minutes": 5, "contract_id": "x"}, "contract_id"),
        ({"priority": "urgent", "minutes": 5, "contract_id": 10**20}, "contract_id"),
        ({"priority": "urgent", "minutes": 5, "contract_id": 999999}, "contract_id"),
        (
            {"priority": "urgent", "minutes": 5, "business_hours_only": "maybe"},
            "business_hours_only",
        ),
        ({"priority": "urgent", "minutes": 5, "colour": "red"}, "colour"),
    ],
)
def test_bad_targets_are_refused_with_the_field(call, tokens, agency, body, field):
    response = call(tokens["manager"], "POST", "/api/v1/sla-targets/", body)
    assert response.status_code == 422, response.json
    assert field in response.json["error"]["fields"]
    assert _rows(agency, SlaTarget) == []


def test_an_override_for_another_agencys_contract_is_refused(call, tokens, agency, other_agency):
    body = {"contract_id": agency.contract.id, "priority": "urgent", "minutes": 5}
    response = call(tokens["bravo"], "POST", "/api/v1/sla-targets/", body)
    assert response.status_code == 422
    assert response.json["error"]["fields"]["contract_id"] == ["Choose a contract of this agency."]
    assert _rows(agency, SlaTarget) == [] and _rows(other_agency, SlaTarget) == []


@pytest.mark.parametrize("url", ["/api/v1/sla-targets/", "/api/v1/holidays/"])
@pytest.mark.parametrize("body", [None, "not json", [1, 2]])
def test_bodies_that_are_not_json_objects_are_400(client, tokens, url, body):
    headers = {"Authorization": f"Bearer {tokens['manager']}"}
    if body is None:
        response = client.post(url, data="priority=urgent", headers=headers)
    elif isinstance(body, str):
        response = client.post(url, data=body, headers=headers, content_type="application/json")
    else:
        response = client.post(url, json=body, headers=headers)
    assert response.status_code == 400
    assert response.json["error"]["code"] == "bad_request"


@pytest.mark.parametrize("query", ["contract_id=abc", "contract_id=-1", "contract_id=99999999999"])
def test_bad_filters_are_400(call, tokens, query):
    response = call(tokens["manager"], "GET", f"/api/v1/sla-targets/?{query}")
    assert response.status_code == 400
    assert "contract_id" in response.json["error"]["fields"]
    bad_client = call(tokens["manager"], "GET", "/api/v1/holidays/?client_id=abc")
    assert bad_client.status_code == 400


def test_holidays_through_the_api(call, tokens, agency, other_agency):
    url = "/api/v1/holidays/"
    agency_day = call(tokens["manager"], "POST", url, {"date": "2026-12-25", "name": "Christmas"})
    assert agency_day.status_code == 201, agency_day.json
    assert agency_day.json == {**agency_day.json, "date": "2026-12-25", "client_id": None}
    client_day = call(
        tokens["manager"],
        "POST",
        url,
        {"date": "2026-12-25", "name": "Closed", "client_id": agency.client.id},
    )
    assert client_day.status_code == 201
    again = call(tokens["manager"], "POST", url, {"date": "2026-12-25", "name": "Twice"})
    assert again.status_code == 409
    assert again.json["error"]["fields"]["date"] == ["2026-12-25 is already a holiday."]
    assert len(call(tokens["manager"], "GET", url).json) == 2
    mine = call(tokens["manager"], "GET", f"{url}?client_id={agency.client.id}").json
    assert [h["name"] for h in mine] == ["Closed"]
    assert call(tokens["bravo"], "GET", url).json == []
    theirs = call(
        tokens["bravo"],
        "POST",
        url,
        {"date": "2026-12-26", "name": "X", "client_id": agency.client.id},
    )
    assert theirs.status_code == 422
    assert call(tokens["manager"], "DELETE", f"{url}{agency_day.json['id']}").status_code == 204
    assert [h.name for h in _rows(agency, Holiday)] == ["Closed"]
    assert _rows(other_agency, Holiday) == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "X"}, "date"),
        ({"date": "tomorrow", "name": "X"}, "date"),
        ({"date": "2026-13-01", "name": "X"}, "date"),
        ({"date": "2026-12-25"}, "name"),
        ({"date": "2026-12-25", "name": ""}, "name"),
        ({"date": "2026-12-25", "name": "X", "client_id": 0}, "client_id"),
        ({"date": "2026-12-25", "name": "X", "client_id": 999999}, "client_id"),
    ],
)
def test_bad_holidays_are_refused_with_the_field(call, tokens, agency, body, field):
    response = call(tokens["manager"], "POST", "/api/v1/holidays/", body)
    assert response.status_code == 422, response.json
    assert field in response.json["error"]["fields"]
    assert _rows(agency, Holiday) == []


def test_the_new_endpoints_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/sla-targets/"])
    assert "delete" in paths["/api/v1/sla-targets/{target_id}"]
    assert {"get", "post"} <= set(paths["/api/v1/holidays/"])
    assert "delete" in paths["/api/v1/holidays/{holiday_id}"]
    report = paths["/api/v1/reports/sla"]["get"]
    assert {p["name"] for p in report["parameters"]} >= {"from", "to", "by"}


def test_blank_cells_show_what_applies_instead(client, agency):
    with _as(agency):
        _target(kind=None, priority="urgent", minutes=3)
    sign_in(client, agency.manager)
    agency_grid = client.get("/console/sla").get_data(as_text=True)
    assert 'id="call_urgent" inputmode="numeric" name="call_urgent" placeholder="3"' in agency_grid
    assert 'name="call_low" placeholder="1440"' in agency_grid
    contract_grid = client.get(f"/console/contracts/{agency.contract.id}/sla")
    assert 'name="email_urgent" placeholder="3"' in contract_grid.get_data(as_text=True)
