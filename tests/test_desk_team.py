"""Shifts, team leads and managers over the work queue: on shift from the desk, who may
act on an item, reassigning, cancelling, handing back to someone else, and the pool."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from agency.domains.accounts.models import Role, User
from agency.domains.accounts.passwords import hash_password
from agency.domains.clients.models import Assignment, Client
from agency.domains.hours.models import TimeEntry
from agency.domains.schedules.tick import run_for_agency
from agency.domains.staff.models import Secretary
from agency.domains.work import pool
from agency.domains.work.creation import create_item
from agency.domains.work.models import WorkEvent, WorkItem
from agency.kernel import clock
from agency.kernel.database import db
from tenants import use_agency
from tests.conftest import PASSWORD, csrf_from, sign_in, snapshot

ALL_WEEK = {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
T0 = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)


def _person(agency, name, role=None, lead_id=None, shift="on_shift", languages=("en",)):
    """A secretary with a login, on shift all week, serving Alpha's client as ``role``."""
    with use_agency(agency.agency.id):
        email = f"{name.lower()}@alpha.example"
        user = User(
            email=email,
            name=name,
            role=Role.secretary,
            password_hash=hash_password(PASSWORD),
        )
        db.session.add(user)
        db.session.flush()
        secretary = Secretary(
            user_id=user.id,
            name=name,
            email=email,
            languages=[{"code": code, "level": "C2"} for code in languages],
            shift_status=shift,
            schedule=ALL_WEEK,
            team_lead_id=lead_id,
        )
        db.session.add(secretary)
        db.session.flush()
        if role:
            db.session.add(
                Assignment(client_id=agency.client.id, secretary_id=secretary.id, role=role)
            )
        db.session.commit()
        return secretary.id, snapshot(user)


@pytest.fixture
def team(agency):
    """Alpha's own secretary is the client's primary and the team lead; Pia and Ben are
    backups on her team; Kim serves nobody and leads nobody."""
    clock.freeze(T0)
    with use_agency(agency.agency.id):
        lead = db.session.get(Secretary, agency.profile.id)
        lead.shift_status, lead.schedule = "on_shift", ALL_WEEK
        db.session.commit()
    pia, pia_user = _person(agency, "Pia", "backup", lead_id=agency.profile.id)
    ben, ben_user = _person(agency, "Ben", "backup", lead_id=agency.profile.id)
    kim, kim_user = _person(agency, "Kim")
    yield {
        "lead": agency.profile.id,
        "pia": pia,
        "ben": ben,
        "kim": kim,
        "users": {"pia": pia_user, "ben": ben_user, "kim": kim_user},
    }
    clock.freeze(None)


def _item(agency, title="Call back", priority="normal", client_id=None):
    with use_agency(agency.agency.id):
        item, _new = create_item(
            {
                "client_id": client_id or agency.client.id,
                "kind": "call",
                "title": title,
                "priority": priority,
            }
        )
        return item.id


def _give(agency, item_id, secretary_id, status="assigned"):
    with use_agency(agency.agency.id):
        item = db.session.get(WorkItem, item_id)
        item.assignee_id, item.status, item.assigned_at = secretary_id, status, clock.now()
        db.session.commit()


def _state(agency, item_id):
    with use_agency(agency.agency.id):
        db.session.expire_all()
        item = db.session.get(WorkItem, item_id)
        return item.status, item.assignee_id


def _events(agency, item_id):
    with use_agency(agency.agency.id):
        return db.session.scalars(
            select(WorkEvent).where(WorkEvent.item_id == item_id).order_by(WorkEvent.id)
        ).all()


def _post(http, url, data=None, page="/desk/"):
    token = csrf_from(http.get(page).get_data(as_text=True))
    return http.post(url, data={"csrf_token": token, **(data or {})})


@pytest.fixture
def api(client):
    def call(user, method, url, json=None):
        token = client.post(
            "/api/v1/auth/token", json={"email": user.email, "password": PASSWORD}
        ).json["token"]
        return client.open(
            url, method=method, json=json, headers={"Authorization": f"Bearer {token}"}
        )

    return call


# --- the secretary's own shift --------------------------------------------------------


def test_coming_on_shift_at_the_desk_hands_over_what_waits_in_the_pool(client, agency, team, drain):
    with use_agency(agency.agency.id):
        for secretary_id in (team["lead"], team["pia"], team["ben"], team["kim"]):
            db.session.get(Secretary, secretary_id).shift_status = "off"
        db.session.commit()
    waiting = [_item(agency, "First"), _item(agency, "Second")]
    drain()  # routing finds nobody: both wait in the pool
    assert [_state(agency, i) for i in waiting] == [("queued", None)] * 2
    sign_in(client, team["users"]["pia"])
    page = client.get("/desk/").get_data(as_text=True)
    assert 'class="shift-off">Off shift' in page
    response = _post(client, "/desk/shift", {"shift_status": "on_shift"})
    assert response.status_code == 302
    drain()
    assert [_state(agency, i) for i in waiting] == [("assigned", team["pia"])] * 2
    with use_agency(agency.agency.id):
        pia = db.session.get(Secretary, team["pia"])
        assert (pia.shift_status, pia.shift_status_at) == ("on_shift", T0)
    assert "On shift" in client.get("/desk/").get_data(as_text=True)


def test_a_made_up_shift_status_is_refused_and_changes_nothing(client, agency, team):
    sign_in(client, team["users"]["pia"])
    response = _post(client, "/desk/shift", {"shift_status": "asleep"})
    assert response.status_code == 422
    assert "Choose on shift, on a break or off." in response.get_data(as_text=True)
    with use_agency(agency.agency.id):
        assert db.session.get(Secretary, team["pia"]).shift_status == "on_shift"


def test_a_break_stops_the_running_timer_into_a_time_entry(client, agency, team):
    item_id = _item(agency)
    _give(agency, item_id, team["pia"])
    sign_in(client, team["users"]["pia"])
    _post(client, f"/desk/items/{item_id}/start")
    clock.freeze(T0 + timedelta(minutes=12))
    _post(client, "/desk/shift", {"shift_status": "on_break"})
    with use_agency(agency.agency.id):
        entry = db.session.scalar(select(TimeEntry))
        assert (entry.raw_minutes, entry.secretary_id, entry.item_id) == (
            12,
            team["pia"],
            item_id,
        )
        item = db.session.get(WorkItem, item_id)
        assert item.timer_started_at is None and item.status == "in_progress"


def test_going_off_shift_hands_untouched_items_to_whoever_is_on(client, agency, team, drain):
    untouched, started = _item(agency, "Untouched"), _item(agency, "Started")
    drain()
    _give(agency, untouched, team["pia"])
    _give(agency, started, team["pia"], status="in_progress")
    with use_agency(agency.agency.id):
        db.session.get(Secretary, team["lead"]).shift_status = "off"
        db.session.commit()
    sign_in(client, team["users"]["pia"])
    _post(client, "/desk/shift", {"shift_status": "off"})
    drain()
    assert _state(agency, untouched) == ("assigned", team["ben"])  # the other backup
    assert _state(agency, started) == ("in_progress", team["pia"])
    handed = [e for e in _events(agency, untouched) if e.action == "handback"]
    assert handed[0].detail == {"reason": "off_shift"}


def test_the_shift_over_the_api_for_oneself_and_by_a_manager(api, agency, team):
    pia = team["users"]["pia"]
    assert api(pia, "GET", "/api/v1/desk/shift").json["shift_status"] == "on_shift"
    took_a_break = api(pia, "PUT", "/api/v1/desk/shift", {"shift_status": "on_break"})
    assert took_a_break.status_code == 200 and took_a_break.json["shift_status"] == "on_break"
    bad = api(pia, "PUT", "/api/v1/desk/shift", {"shift_status": "gone"})
    assert bad.status_code == 422 and "shift_status" in bad.json["error"]["fields"]
    assert api(pia, "PUT", f"/api/v1/secretaries/{team['ben']}/shift", {}).status_code == 403
    by_manager = api(
        agency.manager, "PUT", f"/api/v1/secretaries/{team['ben']}/shift", {"shift_status": "off"}
    )
    assert by_manager.status_code == 200
    listed = api(agency.manager, "GET", f"/api/v1/secretaries/{team['ben']}").json
    assert listed["shift_status"] == "off" and listed["shift_status_at"].startswith("2026-06-01")
    ignored = api(
        agency.manager, "PATCH", f"/api/v1/secretaries/{team['ben']}", {"shift_status": "on_shift"}
    )
    assert ignored.status_code == 422  # not a field the record takes


def test_a_manager_sets_a_shift_from_the_console(client, agency, team):
    sign_in(client, agency.manager)
    page = client.get("/console/secretaries").get_data(as_text=True)
    assert "On shift" in page
    url = f"/console/secretaries/{team['kim']}"
    response = _post(client, f"{url}/shift", {"shift_status": "on_break"}, page=url)
    assert response.status_code == 302
    assert 'class="shift-on_break">On a break' in client.get(url).get_data(as_text=True)


# --- who may act on an item -----------------------------------------------------------


def test_a_colleague_sees_the_primarys_item_but_cannot_work_it(client, agency, team):
    item_id = _item(agency)
    _give(agency, item_id, team["lead"])
    sign_in(client, team["users"]["ben"])
    url = f"/desk/items/{item_id}"
    page = client.get(url).get_data(as_text=True)
    assert "Call back" in page and 'id="action-start"' not in page
    refused = _post(client, f"{url}/start", page=url)
    assert refused.status_code == 403
    assert "Alpha Secretary&#39;s" in refused.get_data(as_text=True)
    refused = _post(client, f"{url}/complete", {"outcome": "Done by me"}, page=url)
    assert refused.status_code == 403
    assert _state(agency, item_id) == ("assigned", team["lead"])
    assert _post(client, f"{url}/note", {"note": "The caller rang again"}, page=url).status_code
    assert [e.action for e in _events(agency, item_id)][-1] == "note"


def test_the_api_refuses_working_someone_elses_item(api, agency, team):
    item_id = _item(agency)
    _give(agency, item_id, team["pia"])
    response = api(team["users"]["ben"], "POST", f"/api/v1/work-items/{item_id}/start")
    assert response.status_code == 403 and "Pia" in response.json["error"]["message"]
    assert _state(agency, item_id) == ("assigned", team["pia"])


# --- reassigning ----------------------------------------------------------------------


def test_a_team_lead_reassigns_an_assistants_item_within_the_team(client, agency, team):
    item_id = _item(agency)
    _give(agency, item_id, team["pia"], status="in_progress")
    with use_agency(agency.agency.id):
        db.session.get(WorkItem, item_id).timer_started_at = T0
        db.session.commit()
    clock.freeze(T0 + timedelta(minutes=6))
    sign_in(client, agency.secretary)  # the lead
    url = f"/desk/items/{item_id}"
    page = client.get(url).get_data(as_text=True)
    assert 'id="reassign-form"' in page and "Ben" in page and "Kim" not in page
    outside = _post(client, f"{url}/reassign", {"secretary_id": team["kim"]}, page=url)
    assert outside.status_code == 422
    assert "Choose someone of your team." in outside.get_data(as_text=True)
    assert _state(agency, item_id) == ("in_progress", team["pia"])
    _post(client, f"{url}/reassign", {"secretary_id": team["ben"]}, page=url)
    assert _state(agency, item_id) == ("assigned", team["ben"])
    with use_agency(agency.agency.id):
        entry = db.session.scalar(select(TimeEntry))
        assert (entry.raw_minutes, entry.secretary_id) == (6, team["pia"])
    event = _events(agency, item_id)[-1]
    assert (event.action, event.detail) == (
        "reassigned",
        {"from_secretary_id": team["pia"], "to_secretary_id": team["ben"]},
    )
    timeline = client.get(url).get_data(as_text=True)
    assert "reassigned</span> → Ben" in timeline and "by Alpha secretary" in timeline


def test_a_secretary_who_leads_nobody_cannot_reassign(api, agency, team):
    item_id = _item(agency)
    _give(agency, item_id, team["pia"])
    response = api(
        team["users"]["ben"],
        "POST",
        f"/api/v1/work-items/{item_id}/assign",
        {"secretary_id": team["ben"]},
    )
    assert response.status_code == 403
    assert _state(agency, item_id) == ("assigned", team["pia"])


def test_a_manager_assigns_a_pool_item_over_the_api(api, agency, team, drain):
    item_id = _item(agency)
    assign = f"/api/v1/work-items/{item_id}/assign"
    missing = api(agency.manager, "POST", assign, {})
    assert missing.status_code == 422 and "secretary_id" in missing.json["error"]["fields"]
    assert api(agency.manager, "POST", assign, {"secretary_id": 2**31 - 1}).status_code == 422
    done = api(agency.manager, "POST", assign, {"secretary_id": team["kim"]})
    assert done.status_code == 200 and done.json["assignee_id"] == team["kim"]
    detail = api(agency.manager, "GET", f"/api/v1/work-items/{item_id}").json
    assert detail["events"][-1]["action"] == "reassigned"
    assert detail["events"][-1]["actor_name"] == "Alpha manager"


# --- managers in the console: every item, reassign, cancel ----------------------------


def test_the_console_lists_the_pool_and_a_manager_cancels_with_a_reason(client, agency, team):
    pooled, mine = _item(agency, "In the pool"), _item(agency, "With Pia")
    _give(agency, mine, team["pia"])
    sign_in(client, agency.manager)
    pool = client.get("/console/work?assignee_id=pool").get_data(as_text=True)
    assert "In the pool" in pool and "With Pia" not in pool
    every = client.get("/console/work").get_data(as_text=True)
    assert "In the pool" in every and "With Pia" in every
    bad = client.get("/console/work?client_id=abc")
    assert bad.status_code == 400 and "whole numbers" in bad.get_data(as_text=True)
    url = f"/console/work/{mine}"
    no_reason = _post(client, f"{url}/cancel", {"reason": ""}, page=url)
    assert no_reason.status_code == 422
    assert _state(agency, mine) == ("assigned", team["pia"])
    _post(client, f"{url}/cancel", {"reason": "The client sorted it out"}, page=url)
    assert _state(agency, mine)[0] == "cancelled"
    page = client.get(url).get_data(as_text=True)
    assert "cancelled" in page and "The client sorted it out" in page
    assert (
        "cancelled"
        not in client.get("/console/work")
        .get_data(as_text=True)
        .split("work-items")[1]
        .split("With Pia")[0]
    )
    _post(client, f"/console/work/{pooled}/reassign", {"secretary_id": team["ben"]}, page=url)
    assert _state(agency, pooled) == ("assigned", team["ben"])


def test_only_managers_cancel_over_the_api(api, agency, team):
    item_id = _item(agency)
    _give(agency, item_id, team["pia"])
    cancel = f"/api/v1/work-items/{item_id}/cancel"
    assert api(team["users"]["pia"], "POST", cancel, {"reason": "no"}).status_code == 403
    response = api(agency.manager, "POST", cancel, {"reason": "Duplicate"})
    assert response.status_code == 200 and response.json["status"] == "cancelled"
    again = api(agency.manager, "POST", cancel, {"reason": "Duplicate"})
    assert again.status_code == 409


# --- hand back, the pool and backfill -------------------------------------------------


def test_a_handed_back_item_goes_to_someone_else(api, agency, team, drain):
    item_id = _item(agency)
    drain()
    assert _state(agency, item_id) == ("assigned", team["lead"])  # the primary
    back = api(agency.secretary, "POST", f"/api/v1/work-items/{item_id}/handback")
    assert back.status_code == 200
    drain()
    assert _state(agency, item_id) == ("assigned", team["pia"])  # a backup, not the lead


def test_handed_back_with_nobody_else_free_it_waits_in_the_pool(api, agency, team, drain):
    with use_agency(agency.agency.id):
        for name in ("pia", "ben", "kim"):
            db.session.get(Secretary, team[name]).shift_status = "off"
        db.session.commit()
    item_id = _item(agency)
    drain()
    api(agency.secretary, "POST", f"/api/v1/work-items/{item_id}/handback")
    drain()
    assert _state(agency, item_id) == ("queued", None)
    assert "unroutable" in [e.action for e in _events(agency, item_id)]


def test_the_minute_tick_routes_the_pool_to_whoever_is_free_now(agency, team, drain):
    with use_agency(agency.agency.id):
        for name in ("lead", "pia", "ben", "kim"):
            db.session.get(Secretary, team[name]).shift_status = "off"
        db.session.commit()
    item_id = _item(agency)
    drain()
    assert _state(agency, item_id) == ("queued", None)
    run_for_agency(agency.agency.id)
    assert _state(agency, item_id) == ("queued", None)  # still nobody
    with use_agency(agency.agency.id):
        db.session.get(Secretary, team["ben"]).shift_status = "on_shift"  # set by hand, no job
        db.session.commit()
    run_for_agency(agency.agency.id)
    assert _state(agency, item_id) == ("assigned", team["ben"])
    assert [e.action for e in _events(agency, item_id)].count("unroutable") == 1


def test_backfill_takes_pool_items_of_clients_the_secretary_can_serve(agency, team, drain):
    with use_agency(agency.agency.id):
        for name in ("lead", "pia", "ben", "kim"):
            db.session.get(Secretary, team[name]).shift_status = "off"
        german = Client(name="Berlin GmbH", languages=["de"])
        english = Client(name="London Ltd", languages=["en"])
        db.session.add_all([german, english])
        db.session.commit()
        german_id, english_id = german.id, english.id
    for_german = _item(agency, "Rückruf", client_id=german_id)
    for_english = _item(agency, "Call back", client_id=english_id)
    drain()
    with use_agency(agency.agency.id):
        kim = db.session.get(Secretary, team["kim"])  # speaks English only, serves nobody
        kim.shift_status = "on_shift"
        db.session.commit()
        taken = [i.id for i in pool.backfill(kim)]
    assert taken == [for_english]
    assert _state(agency, for_german) == ("queued", None)


def test_an_archived_secretarys_open_items_go_to_someone_else(api, agency, team, drain):
    started = _item(agency)
    drain()
    _give(agency, started, team["pia"], status="in_progress")
    assert api(agency.manager, "DELETE", f"/api/v1/secretaries/{team['pia']}").status_code == 200
    drain()
    status, assignee = _state(agency, started)
    assert status == "assigned" and assignee not in (team["pia"], None)
    with use_agency(agency.agency.id):
        assert db.session.get(Secretary, team["pia"]).shift_status == "off"


# --- the API's filters -----------------------------------------------------------------


def test_the_work_item_filters_refuse_what_they_cannot_read(api, agency, team):
    pooled = _item(agency, "Pooled")
    for query in ("client_id=abc", "assignee_id=-1", "status=lost", "priority=huge"):
        response = api(agency.manager, "GET", f"/api/v1/work-items/?{query}")
        assert response.status_code == 422, query
    found = api(agency.manager, "GET", "/api/v1/work-items/?assignee_id=pool&status=open").json
    assert [i["id"] for i in found] == [pooled]


# --- the desk's queue across clients, and what a team lead sees -------------------------


def test_the_queue_merges_every_client_served_and_a_lead_sees_the_teams_items(client, agency, team):
    with use_agency(agency.agency.id):
        other = Client(name="Second Client", languages=["en"])
        unserved = Client(name="Nobody's Client", languages=["en"])
        db.session.add_all([other, unserved])
        db.session.flush()
        db.session.add(Assignment(client_id=other.id, secretary_id=team["pia"], role="primary"))
        db.session.commit()
        other_id, unserved_id = other.id, unserved.id
    first = _item(agency, "For Alpha's client", priority="low")
    second = _item(agency, "For the second client", priority="urgent", client_id=other_id)
    theirs = _item(agency, "For nobody we serve", client_id=unserved_id)
    for item_id in (first, second, theirs):
        _give(agency, item_id, team["kim"] if item_id == theirs else team["pia"])
    sign_in(client, team["users"]["pia"])
    queue = client.get("/desk/queue").get_data(as_text=True)
    assert queue.index("For the second client") < queue.index("For Alpha&#39;s client")
    assert "For nobody we serve" not in queue
    lead = client.application.test_client()
    sign_in(lead, agency.secretary)
    team_queue = lead.get("/desk/queue").get_data(as_text=True)
    assert "For the second client" in team_queue  # Pia's, on a client the lead does not serve
    assert "For nobody we serve" not in team_queue  # Kim is not on the lead's team
    assert lead.get(f"/desk/items/{theirs}").status_code == 404


def test_pause_and_wait_over_the_api(api, agency, team):
    item_id = _item(agency)
    _give(agency, item_id, team["pia"])
    pia = team["users"]["pia"]
    started = api(pia, "POST", f"/api/v1/work-items/{item_id}/start")
    assert started.status_code == 200 and started.json["status"] == "in_progress"
    clock.freeze(T0 + timedelta(minutes=4))
    paused = api(pia, "POST", f"/api/v1/work-items/{item_id}/pause")
    assert paused.status_code == 200 and paused.json["status"] == "in_progress"
    assert api(pia, "POST", f"/api/v1/work-items/{item_id}/wait").json["status"] == "waiting"
    again = api(pia, "POST", f"/api/v1/work-items/{item_id}/wait")
    assert again.status_code == 409
    with use_agency(agency.agency.id):
        entries = db.session.scalars(select(TimeEntry)).all()
        assert [(e.raw_minutes, e.secretary_id) for e in entries] == [(4, team["pia"])]


def test_a_new_priority_moves_the_due_time(api, agency, team):
    item_id = _item(agency)  # normal: due four hours after creation
    changed = api(agency.manager, "PATCH", f"/api/v1/work-items/{item_id}", {"priority": "urgent"})
    assert changed.status_code == 200
    assert changed.json["sla_due_at"].startswith("2026-06-01T10:05")
