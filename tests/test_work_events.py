"""The time, place and people of a meeting or journey arranged on a work item: through the
API and on the desk, checked, kept in UTC, entered on the client's wall clock."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from agency.domains.clients.models import Client
from agency.domains.work.models import WorkItem
from agency.kernel.database import db
from tenants import use_agency
from tests.conftest import PASSWORD, csrf_from, rows, sign_in

MEETING = {
    "kind": "meeting",
    "title": "Lunch with Mr Duarte",
    "starts_at": "2026-03-27T12:30:00+00:00",
    "ends_at": "2026-03-27T14:00:00+00:00",
    "location": "Cervejaria Ramiro, Lisbon",
    "attendees": ["Rui Duarte", "rui@duarte.example"],
    "event_notes": "Table booked in the client's name.",
}


@pytest.fixture
def lisbon(agency):
    with use_agency(agency.agency.id):
        db.session.get(Client, agency.client.id).timezone = "Europe/Lisbon"
        db.session.commit()
    return agency


@pytest.fixture
def api(client, lisbon):
    token = client.post(
        "/api/v1/auth/token", json={"email": lisbon.manager.email, "password": PASSWORD}
    ).json["token"]

    def request(method, url, json=None):
        return client.open(
            url, method=method, json=json, headers={"Authorization": f"Bearer {token}"}
        )

    return request


def _create(api, agency, **changes):
    return api("POST", "/api/v1/work-items/", {**MEETING, "client_id": agency.client.id, **changes})


def _task(api, agency):
    task = {"kind": "task", "title": "Renew the lease", "client_id": agency.client.id}
    return api("POST", "/api/v1/work-items/", task)


def _item(agency, item_id) -> WorkItem:
    with use_agency(agency.agency.id):
        item = db.session.get(WorkItem, item_id, populate_existing=True)
        db.session.expunge(item)
        return item


def test_a_meeting_created_by_api_carries_its_event_in_utc(api, lisbon):
    created = _create(api, lisbon, starts_at="2026-03-27T13:30:00+01:00")
    assert created.status_code == 201, created.json
    body = created.json
    assert body["starts_at"] == "2026-03-27T12:30:00+00:00"
    assert body["ends_at"] == "2026-03-27T14:00:00+00:00"
    assert body["location"] == "Cervejaria Ramiro, Lisbon"
    assert body["attendees"] == ["Rui Duarte", "rui@duarte.example"]
    assert body["event_notes"] == "Table booked in the client's name."
    fetched = api("GET", f"/api/v1/work-items/{body['id']}")
    assert fetched.json["starts_at"] == "2026-03-27T12:30:00+00:00"


def test_a_time_without_offset_is_on_the_clients_wall_clock_across_dst(api, lisbon):
    before = _create(api, lisbon, starts_at="2026-03-27T09:00:00", ends_at="2026-03-27T10:00:00")
    after = _create(api, lisbon, starts_at="2026-03-30T09:00:00", ends_at="2026-03-30T10:00:00")
    assert before.json["starts_at"] == "2026-03-27T09:00:00+00:00"  # WET, UTC+0
    assert after.json["starts_at"] == "2026-03-30T08:00:00+00:00"  # WEST, UTC+1
    stored = _item(lisbon, after.json["id"])
    assert stored.starts_at == datetime(2026, 3, 30, 8, tzinfo=UTC)


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"ends_at": "2026-03-27T12:00:00+00:00"}, "ends_at"),
        ({"ends_at": "2026-03-27T12:30:00+00:00"}, "ends_at"),
        ({"ends_at": None}, "ends_at"),
        ({"starts_at": None}, "starts_at"),
        ({"starts_at": "next tuesday"}, "starts_at"),
        ({"starts_at": "0001-01-01T00:00:00+05:00"}, "starts_at"),
        ({"ends_at": "2028-03-27T12:00:00+00:00"}, "ends_at"),
        ({"attendees": "Rui"}, "attendees"),
        ({"attendees": [""]}, "attendees"),
        ({"location": "x" * 301}, "location"),
        ({"kind": "task"}, "starts_at"),
    ],
)
def test_an_event_that_makes_no_sense_is_refused_and_nothing_is_made(api, lisbon, changes, field):
    response = _create(api, lisbon, **changes)
    assert response.status_code == 422, response.json
    assert field in response.json["error"]["fields"]
    assert rows(WorkItem, lisbon.agency.id) == []


def test_a_meeting_without_a_time_yet_is_fine(api, lisbon):
    response = _create(api, lisbon, starts_at=None, ends_at=None)
    assert response.status_code == 201
    assert response.json["starts_at"] is None
    assert response.json["location"] == "Cervejaria Ramiro, Lisbon"


def test_patching_the_end_is_checked_against_the_stored_start(api, lisbon):
    item_id = _create(api, lisbon).json["id"]
    refused = api("PATCH", f"/api/v1/work-items/{item_id}", {"ends_at": "2026-03-27T11:00:00Z"})
    assert refused.status_code == 422
    assert "ends_at" in refused.json["error"]["fields"]
    assert _item(lisbon, item_id).ends_at == datetime(2026, 3, 27, 14, tzinfo=UTC)

    moved = api(
        "PATCH",
        f"/api/v1/work-items/{item_id}",
        {"ends_at": "2026-03-27T15:00:00Z", "location": "Pap'Açorda"},
    )
    assert moved.status_code == 200, moved.json
    item = _item(lisbon, item_id)
    assert (item.ends_at, item.location) == (datetime(2026, 3, 27, 15, tzinfo=UTC), "Pap'Açorda")
    assert item.event_sequence == 1 and item.event_updated_at is not None


def test_a_task_cannot_be_given_a_time(api, lisbon):
    task = _task(api, lisbon)
    assert task.status_code == 201, task.json
    refused = api(
        "PATCH",
        f"/api/v1/work-items/{task.json['id']}",
        {"starts_at": "2026-03-27T12:30:00Z", "ends_at": "2026-03-27T13:30:00Z"},
    )
    assert refused.status_code == 422
    assert "starts_at" in refused.json["error"]["fields"]


def test_the_openapi_document_describes_the_event_fields(client):
    spec = client.get("/api/v1/openapi.json").json
    schemas = spec["components"]["schemas"]
    item = next(
        s
        for name, s in schemas.items()
        if name.startswith("WorkItem") and "kind" in s.get("properties", {})
    )
    for name in ("starts_at", "ends_at", "location", "attendees", "event_notes"):
        assert name in item["properties"]
    update = next(s for name, s in schemas.items() if name.startswith("WorkItemUpdate"))
    assert "starts_at" in update["properties"]


# --- the desk ---------------------------------------------------------------------------


@pytest.fixture
def meeting_on_desk(api, lisbon, client):
    item_id = _create(api, lisbon, starts_at=None, ends_at=None, location=None, attendees=[]).json[
        "id"
    ]
    sign_in(client, lisbon.secretary)
    return item_id


def _post_event(client, item_id, **fields):
    page = client.get(f"/desk/items/{item_id}").get_data(as_text=True)
    data = {"starts_at": "", "ends_at": "", "location": "", "attendees": "", "event_notes": ""}
    return client.post(
        f"/desk/items/{item_id}/event", data={**data, **fields, "csrf_token": csrf_from(page)}
    )


def test_the_secretary_sets_the_meeting_on_the_clients_wall_clock(client, lisbon, meeting_on_desk):
    page = client.get(f"/desk/items/{meeting_on_desk}").get_data(as_text=True)
    assert 'id="event-form"' in page
    response = _post_event(
        client,
        meeting_on_desk,
        starts_at="2026-03-30 09:00",
        ends_at="2026-03-30 10:30",
        location="Avenida da Liberdade 100",
        attendees="Rui Duarte\n\nAna Lima",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    item = _item(lisbon, meeting_on_desk)
    assert item.starts_at == datetime(2026, 3, 30, 8, tzinfo=UTC)
    assert item.ends_at == datetime(2026, 3, 30, 9, 30, tzinfo=UTC)
    assert item.attendees == ["Rui Duarte", "Ana Lima"]
    page = client.get(f"/desk/items/{meeting_on_desk}").get_data(as_text=True)
    assert "Europe/Lisbon" in page and "Avenida da Liberdade 100" in page
    assert 'value="2026-03-30 09:00"' in page


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"starts_at": "2026-03-30 09:00", "ends_at": "2026-03-30 08:00"}, "after the start"),
        ({"starts_at": "30/03/2026 9am", "ends_at": "2026-03-30 10:00"}, "YYYY-MM-DD HH:MM"),
        ({"starts_at": "2026-03-30 09:00"}, "both the start and the end"),
    ],
)
def test_a_bad_event_on_the_desk_is_shown_beside_the_field(
    client, lisbon, meeting_on_desk, fields, message
):
    response = _post_event(client, meeting_on_desk, location="Somewhere", **fields)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and 'class="field-error"' in page
    item = _item(lisbon, meeting_on_desk)
    assert (item.starts_at, item.location) == (None, None)


def test_the_desk_offers_no_event_form_on_other_kinds(api, lisbon, client):
    task_id = _task(api, lisbon).json["id"]
    sign_in(client, lisbon.secretary)
    assert 'id="event-form"' not in client.get(f"/desk/items/{task_id}").get_data(as_text=True)
    response = _post_event(
        client, task_id, starts_at="2026-03-30 09:00", ends_at="2026-03-30 10:00"
    )
    assert response.status_code == 422
    with use_agency(lisbon.agency.id):
        assert db.session.scalar(select(WorkItem.starts_at).where(WorkItem.id == task_id)) is None
