"""Work items and the desk through the API."""

import pytest
from sqlalchemy import select

from agency.domains.staff.models import Secretary
from agency.domains.work.models import WorkItem
from agency.kernel.database import db
from tenants import use_agency
from tests.conftest import PASSWORD

pytestmark = pytest.mark.sqlite

ALL_WEEK = {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


@pytest.fixture
def tokens(client, agency):
    def token(user):
        return client.post(
            "/api/v1/auth/token", json={"email": user.email, "password": PASSWORD}
        ).json["token"]

    return {"manager": token(agency.manager), "secretary": token(agency.secretary)}


@pytest.fixture
def call(client):
    def request(token, method, url, json=None):
        return client.open(
            url, method=method, json=json, headers={"Authorization": f"Bearer {token}"}
        )

    return request


def _on_shift(agency):
    with use_agency(agency.agency.id):
        me = db.session.get(Secretary, agency.profile.id)
        me.shift_status, me.schedule = "on_shift", ALL_WEEK
        db.session.commit()


ITEM = {
    "kind": "call",
    "title": "Call Mr Duarte back",
    "priority": "high",
    "source": "voice",
    "source_key": "CA-1",
}


def test_an_item_created_by_api_is_routed_claimed_and_completed(call, tokens, agency, drain):
    _on_shift(agency)
    created = call(
        tokens["manager"], "POST", "/api/v1/work-items/", {**ITEM, "client_id": agency.client.id}
    )
    assert created.status_code == 201, created.json
    again = call(
        tokens["manager"], "POST", "/api/v1/work-items/", {**ITEM, "client_id": agency.client.id}
    )
    assert again.status_code == 200 and again.json["id"] == created.json["id"]
    drain()
    item_id = created.json["id"]
    routed = call(tokens["secretary"], "GET", f"/api/v1/work-items/{item_id}").json
    assert routed["status"] == "assigned" and routed["assignee_id"] == agency.profile.id
    nxt = call(tokens["secretary"], "POST", "/api/v1/desk/next")
    assert nxt.status_code == 200 and nxt.json["status"] == "in_progress"
    assert call(tokens["secretary"], "POST", "/api/v1/desk/next").status_code == 204
    bad = call(tokens["secretary"], "POST", f"/api/v1/work-items/{item_id}/complete", {})
    assert bad.status_code == 422 and "outcome" in bad.json["error"]["fields"]
    done = call(
        tokens["secretary"],
        "POST",
        f"/api/v1/work-items/{item_id}/complete",
        {"outcome": "Called back; meeting on Friday."},
    )
    assert done.json["status"] == "done"
    again = call(tokens["secretary"], "POST", f"/api/v1/work-items/{item_id}/start")
    assert again.status_code == 409
    timeline = call(tokens["manager"], "GET", f"/api/v1/work-items/{item_id}").json["events"]
    assert [e["action"] for e in timeline] == ["created", "assigned", "claimed", "complete"]


def test_the_created_event_names_its_maker_source_and_time(call, tokens, agency):
    created = call(
        tokens["manager"], "POST", "/api/v1/work-items/", {**ITEM, "client_id": agency.client.id}
    ).json
    item = call(tokens["manager"], "GET", f"/api/v1/work-items/{created['id']}").json
    [event] = item["events"]
    assert event["action"] == "created" and event["detail"] == {"source": "voice"}
    assert event["actor_user_id"] == agency.manager.id
    assert event["actor_name"] == agency.manager.name
    assert event["at"] == item["created_at"]
    with use_agency(agency.agency.id):
        made = db.session.get(WorkItem, created["id"])
        assert [e.agency_id for e in made.events] == [agency.agency.id]


def test_bad_items_are_refused_and_write_nothing(call, tokens, agency):
    for body, field in [
        ({**ITEM, "client_id": agency.client.id, "kind": "juggling"}, "kind"),
        ({**ITEM, "client_id": agency.client.id, "priority": "asap"}, "priority"),
        ({**ITEM, "client_id": 999999}, "client_id"),
        ({**ITEM}, "client_id"),
    ]:
        response = call(tokens["manager"], "POST", "/api/v1/work-items/", body)
        assert response.status_code == 422 and field in response.json["error"]["fields"], body
    with use_agency(agency.agency.id):
        assert db.session.scalars(select(WorkItem)).all() == []


def test_secretaries_see_their_own_queue_and_cannot_create(call, tokens, agency, other_agency):
    call(tokens["manager"], "POST", "/api/v1/work-items/", {**ITEM, "client_id": agency.client.id})
    mine = call(tokens["secretary"], "GET", "/api/v1/work-items/?status=queued").json
    assert [i["title"] for i in mine] == ["Call Mr Duarte back"]
    refused = call(
        tokens["secretary"],
        "POST",
        "/api/v1/work-items/",
        {**ITEM, "client_id": agency.client.id, "source_key": "CA-2"},
    )
    assert refused.status_code == 403


def test_handing_back_returns_the_item_to_the_pool_and_reroutes_it(call, tokens, agency, drain):
    _on_shift(agency)
    item = call(
        tokens["manager"], "POST", "/api/v1/work-items/", {**ITEM, "client_id": agency.client.id}
    ).json
    drain()
    call(tokens["secretary"], "POST", f"/api/v1/work-items/{item['id']}/claim")
    back = call(tokens["secretary"], "POST", f"/api/v1/work-items/{item['id']}/handback")
    assert back.json["status"] == "queued" and back.json["assignee_id"] is None
    assert drain() == 1


def test_escalation_hands_the_item_to_the_team_lead(call, tokens, agency, drain):
    _on_shift(agency)
    with use_agency(agency.agency.id):
        lead = Secretary(name="Lena Lead", email="lead@alpha.example")
        db.session.add(lead)
        db.session.flush()
        db.session.get(Secretary, agency.profile.id).team_lead_id = lead.id
        db.session.commit()
        lead_id = lead.id
    item = call(
        tokens["manager"], "POST", "/api/v1/work-items/", {**ITEM, "client_id": agency.client.id}
    ).json
    drain()
    escalated = call(tokens["secretary"], "POST", f"/api/v1/work-items/{item['id']}/escalate")
    assert escalated.status_code == 200
    assert (escalated.json["assignee_id"], escalated.json["status"]) == (lead_id, "assigned")
    events = call(tokens["manager"], "GET", f"/api/v1/work-items/{item['id']}").json["events"]
    assert events[-1]["action"] == "escalated"


def test_escalation_without_a_team_lead_is_refused(call, tokens, agency, drain):
    _on_shift(agency)
    item = call(
        tokens["manager"], "POST", "/api/v1/work-items/", {**ITEM, "client_id": agency.client.id}
    ).json
    drain()
    refused = call(tokens["secretary"], "POST", f"/api/v1/work-items/{item['id']}/escalate")
    assert refused.status_code == 409
    assert refused.json["error"]["message"] == "There is no team lead to escalate to."
