"""Recurring rules through the API and the console: create, list, edit, pause, delete, and
bad input refused with nothing written."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from agency.domains.schedules.models import RecurringRule
from agency.kernel import clock
from agency.kernel.database import db
from tenants import use_agency
from tests.conftest import PASSWORD, post_form, sign_in

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)  # a Monday


@pytest.fixture(autouse=True)
def frozen():
    clock.freeze(NOW)
    yield
    clock.freeze(None)


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
    def request(token, method, url, json=None, **kwargs):
        headers = {"Authorization": f"Bearer {token}"}
        return client.open(url, method=method, json=json, headers=headers, **kwargs)

    return request


def _rules(agency_id):
    with use_agency(agency_id):
        return db.session.scalars(select(RecurringRule)).all()


def _weekly(client_id, **extra):
    return {
        "client_id": client_id,
        "kind": "website_update",
        "title": "Weekly website update",
        "frequency": "weekly",
        "weekdays": ["mon", "thu"],
        "time_of_day": "09:00",
        "timezone": "Europe/Lisbon",
        **extra,
    }


# --- API ------------------------------------------------------------------------------------


def test_a_rule_is_created_listed_read_changed_paused_and_deleted(call, tokens, agency):
    created = call(tokens["manager"], "POST", "/api/v1/recurring-rules/", _weekly(agency.client.id))
    assert created.status_code == 201, created.json
    rule = created.json
    assert rule["starts_on"] == "2026-06-01" and rule["active"] is True
    assert rule["created_by_id"] == agency.manager.id
    assert rule["next_occurrences"][:3] == [
        "2026-06-04T08:00:00+00:00",
        "2026-06-08T08:00:00+00:00",
        "2026-06-11T08:00:00+00:00",
    ]
    base = "/api/v1/recurring-rules/"
    url = f"{base}{rule['id']}"
    listed = call(tokens["manager"], "GET", f"{base}?client_id={agency.client.id}")
    assert [r["id"] for r in listed.json] == [rule["id"]]
    assert call(tokens["manager"], "GET", f"{base}?client_id=999").json == []
    assert call(tokens["manager"], "GET", url).json["title"] == "Weekly website update"
    changed = call(tokens["manager"], "PATCH", url, {"frequency": "monthly", "day_of_month": 31})
    assert changed.status_code == 200, changed.json
    assert changed.json["weekdays"] == [] and changed.json["day_of_month"] == 31
    assert changed.json["next_occurrences"][0] == "2026-06-30T08:00:00+00:00"
    paused = call(tokens["manager"], "PATCH", url, {"active": False})
    assert paused.json["active"] is False and paused.json["next_occurrences"] == []
    assert call(tokens["manager"], "DELETE", url).status_code == 204
    assert call(tokens["manager"], "GET", url).status_code == 404
    assert _rules(agency.agency.id) == []


def test_an_rrule_rule_is_kept_in_its_normal_form(call, tokens, agency):
    body = {
        "client_id": agency.client.id,
        "title": "First Monday report",
        "frequency": "rrule",
        "rrule": "rrule:freq=monthly;byday=1mo",
        "weekdays": ["tue"],
    }
    created = call(tokens["manager"], "POST", "/api/v1/recurring-rules/", body)
    assert created.status_code == 201, created.json
    assert created.json["rrule"] == "FREQ=MONTHLY;BYDAY=1MO"
    assert created.json["weekdays"] == []
    assert created.json["timezone"] == "UTC"  # the client's
    assert created.json["next_occurrences"][0] == "2026-07-06T09:00:00+00:00"


BAD_RULES = [
    ({"rrule": "FREQ=SOMETIMES"}, "rrule"),
    ({"rrule": "not a rule at all"}, "rrule"),
    ({"rrule": "FREQ=MINUTELY"}, "rrule"),
    ({"rrule": "FREQ=SECONDLY;INTERVAL=30"}, "rrule"),
    ({"rrule": "DTSTART:20260101T090000\nRRULE:FREQ=DAILY"}, "rrule"),
    ({"rrule": "FREQ=DAILY;UNTIL=20260701T000000Z"}, "rrule"),
    ({"rrule": "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"}, "rrule"),
    ({"rrule": ""}, "rrule"),
    ({"frequency": "fortnightly"}, "frequency"),
    ({"frequency": "weekly"}, "weekdays"),
    ({"frequency": "weekly", "weekdays": ["someday"]}, "weekdays"),
    ({"frequency": "monthly"}, "day_of_month"),
    ({"frequency": "monthly", "day_of_month": 32}, "day_of_month"),
    ({"starts_on": "2026-07-01", "ends_on": "2026-06-01"}, "ends_on"),
    ({"starts_on": "yesterday"}, "starts_on"),
    ({"time_of_day": "25:00"}, "time_of_day"),
    ({"time_of_day": 9}, "time_of_day"),
    ({"timezone": "Mars/Olympus"}, "timezone"),
    ({"kind": "magic"}, "kind"),
    ({"priority": "whenever"}, "priority"),
    ({"title": ""}, "title"),
    ({"client_id": "abc"}, "client_id"),
    ({"client_id": 10**12}, "client_id"),
]


@pytest.mark.parametrize(("change", "field"), BAD_RULES)
def test_a_bad_rule_is_refused_with_its_field_and_nothing_written(
    call, tokens, agency, change, field
):
    body = {
        "client_id": agency.client.id,
        "title": "Report",
        "frequency": "rrule",
        "rrule": "FREQ=DAILY",
        **change,
    }
    response = call(tokens["manager"], "POST", "/api/v1/recurring-rules/", body)
    assert response.status_code == 422, response.json
    assert field in response.json["error"]["fields"], response.json
    assert _rules(agency.agency.id) == []


def test_another_agencys_client_is_refused(call, tokens, agency, other_agency):
    body = _weekly(other_agency.client.id)
    response = call(tokens["manager"], "POST", "/api/v1/recurring-rules/", body)
    assert response.status_code == 422
    assert "client_id" in response.json["error"]["fields"]
    assert _rules(agency.agency.id) == [] and _rules(other_agency.agency.id) == []


def test_a_bad_update_changes_nothing(call, tokens, agency):
    rule = call(tokens["manager"], "POST", "/api/v1/recurring-rules/", _weekly(agency.client.id))
    url = f"/api/v1/recurring-rules/{rule.json['id']}"
    for change in ({"frequency": "rrule", "rrule": "FREQ=MINUTELY"}, {"ends_on": "2020-01-01"}):
        assert call(tokens["manager"], "PATCH", url, change).status_code == 422
    db.session.expire_all()
    [kept] = _rules(agency.agency.id)
    assert (kept.frequency, kept.rrule, kept.ends_on) == ("weekly", None, None)


def test_malformed_requests_are_clear_4xx(call, tokens, agency, client):
    url = "/api/v1/recurring-rules/"
    not_json = client.post(
        url, data="frequency=daily", headers={"Authorization": f"Bearer {tokens['manager']}"}
    )
    assert not_json.status_code == 400
    assert call(tokens["manager"], "POST", url, ["a list"]).status_code == 400
    assert call(tokens["manager"], "GET", f"{url}?client_id=abc").status_code == 422
    assert call(tokens["manager"], "GET", f"{url}?client_id=-3").status_code == 422
    assert call(tokens["manager"], "GET", f"{url}99999999999999").status_code == 404
    assert _rules(agency.agency.id) == []


def test_secretaries_cannot_manage_rules(call, tokens, agency):
    response = call(tokens["secretary"], "POST", "/api/v1/recurring-rules/", _weekly(1))
    assert response.status_code == 403
    assert call(tokens["secretary"], "GET", "/api/v1/recurring-rules/").status_code == 403


def test_another_agency_sees_none_of_the_rules(call, tokens, agency):
    rule = call(tokens["manager"], "POST", "/api/v1/recurring-rules/", _weekly(agency.client.id))
    url = f"/api/v1/recurring-rules/{rule.json['id']}"
    assert call(tokens["bravo"], "GET", "/api/v1/recurring-rules/").json == []
    listed = call(tokens["bravo"], "GET", f"/api/v1/recurring-rules/?client_id={agency.client.id}")
    assert listed.json == []
    for method, body in (("GET", None), ("PATCH", {"title": "Mine"}), ("DELETE", None)):
        assert call(tokens["bravo"], method, url, body).status_code == 404
    db.session.expire_all()
    assert [r.title for r in _rules(agency.agency.id)] == ["Weekly website update"]


def test_the_openapi_document_describes_recurring_rules(client):
    spec = client.get("/api/v1/openapi.json").json
    assert {"get", "post"} <= set(spec["paths"]["/api/v1/recurring-rules/"])
    assert {"get", "patch", "delete"} <= set(spec["paths"]["/api/v1/recurring-rules/{rule_id}"])
    schema = spec["components"]["schemas"]["RecurringRule"]["properties"]
    assert {"frequency", "rrule", "weekdays", "day_of_month", "next_occurrences"} <= set(schema)


# --- console --------------------------------------------------------------------------------

FORM = {
    "title": "Post the weekly specials",
    "kind": "website_update",
    "priority": "normal",
    "frequency": "weekly",
    "time_of_day": "09:00",
    "weekdays": "mon, Thu",
    "timezone": "Europe/Lisbon",
}


def _page(client_id):
    return f"/console/clients/{client_id}/recurring"


def test_the_client_page_links_to_its_recurring_work(login_as, agency):
    http = login_as(agency.manager)
    page = http.get(f"/console/clients/{agency.client.id}").get_data(as_text=True)
    assert _page(agency.client.id) in page


def test_a_manager_sets_a_rule_and_sees_its_next_five_occurrences(login_as, agency):
    http = login_as(agency.manager)
    response = post_form(http, _page(agency.client.id), FORM, follow_redirects=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Post the weekly specials" in html
    for day in ("Thu 4 Jun 2026, 09:00", "Mon 8 Jun 2026, 09:00", "Thu 18 Jun 2026, 09:00"):
        assert day in html
    assert "Mon 22 Jun 2026" not in html  # five only
    [rule] = _rules(agency.agency.id)
    assert (rule.weekdays, rule.created_by_id) == (["mon", "thu"], agency.manager.id)


def test_a_manager_edits_pauses_resumes_and_deletes_a_rule(login_as, agency):
    http = login_as(agency.manager)
    post_form(http, _page(agency.client.id), FORM)
    [rule] = _rules(agency.agency.id)
    edit = f"/console/recurring/{rule.id}"
    assert "Thu 4 Jun 2026, 09:00" in http.get(edit).get_data(as_text=True)
    changed = post_form(
        http, edit, {**FORM, "frequency": "daily", "time_of_day": "17:30", "weekdays": ""}
    )
    assert changed.status_code == 302
    db.session.expire_all()
    [rule] = _rules(agency.agency.id)
    assert (rule.frequency, rule.time_of_day) == ("daily", "17:30")
    post_form(http, f"{edit}/pause", {}, page=edit)
    db.session.expire_all()
    assert _rules(agency.agency.id)[0].active is False
    assert "paused" in http.get(_page(agency.client.id)).get_data(as_text=True)
    post_form(http, f"{edit}/resume", {}, page=edit)
    db.session.expire_all()
    assert _rules(agency.agency.id)[0].active is True
    post_form(http, f"{edit}/delete", {}, page=edit)
    assert _rules(agency.agency.id) == []


BAD_FORMS = [
    ({"frequency": "rrule", "rrule": "FREQ=MINUTELY"}, "minutes and seconds are too fine"),
    ({"frequency": "rrule", "rrule": "garbage"}, "not a valid RRULE"),
    ({"frequency": "rrule", "rrule": ""}, "Write the rule"),
    ({"weekdays": ""}, "Choose at least one weekday"),
    ({"weekdays": "mon, funday"}, "Must be one of"),
    ({"frequency": "monthly", "day_of_month": "x"}, "Enter a whole number"),
    ({"frequency": "monthly", "day_of_month": "40"}, "less than or equal to 31"),
    ({"starts_on": "2026-07-01", "ends_on": "2026-06-01"}, "before the start date"),
    ({"starts_on": "1st of July"}, "Enter a date as YYYY-MM-DD"),
    ({"time_of_day": "9am"}, "HH:MM"),
    ({"timezone": "Nowhere/Land"}, "Unknown time zone"),
    ({"frequency": "hourly"}, "Not a valid choice"),
    ({"title": ""}, "This field is required"),
]


@pytest.mark.parametrize(("change", "message"), BAD_FORMS)
def test_a_bad_rule_form_shows_the_error_and_writes_nothing(login_as, agency, change, message):
    http = login_as(agency.manager)
    response = post_form(http, _page(agency.client.id), {**FORM, **change})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _rules(agency.agency.id) == []


def test_a_bad_edit_writes_nothing(login_as, agency):
    http = login_as(agency.manager)
    post_form(http, _page(agency.client.id), FORM)
    [rule] = _rules(agency.agency.id)
    response = post_form(http, f"/console/recurring/{rule.id}", {**FORM, "weekdays": "xyz"})
    assert response.status_code == 422
    db.session.expire_all()
    assert _rules(agency.agency.id)[0].weekdays == ["mon", "thu"]


def test_secretaries_and_other_agencies_cannot_reach_the_rules(
    login_as, client, agency, other_agency
):
    http = login_as(agency.manager)
    post_form(http, _page(agency.client.id), FORM)
    rule_id = _rules(agency.agency.id)[0].id
    db.session.expunge_all()  # each request has its own session in production
    bravo = client.application.test_client()
    sign_in(bravo, other_agency.manager)
    assert bravo.get(_page(agency.client.id)).status_code == 404
    assert bravo.get(f"/console/recurring/{rule_id}").status_code == 404
    secretary = client.application.test_client()
    sign_in(secretary, agency.secretary)
    assert secretary.get(_page(agency.client.id)).status_code == 403
    db.session.expire_all()
    assert [r.active for r in _rules(agency.agency.id)] == [True]
