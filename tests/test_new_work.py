"""New work by hand: from the console for any client, from the desk for a client the
secretary serves, with kind, priority, notes and a due time; routed like any other, and
refused with a clear message (writing nothing) when the form is wrong."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from agency.domains.clients.models import Client
from agency.domains.staff.models import Secretary
from agency.domains.work.models import WorkEvent, WorkItem
from agency.kernel import clock
from agency.kernel.database import db
from tenants import use_agency
from tests.conftest import PASSWORD, post_form, rows, sign_in, snapshot

pytestmark = pytest.mark.sqlite

ALL_WEEK = {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def on_shift(agency):
    clock.freeze(T0)
    with use_agency(agency.agency.id):
        me = db.session.get(Secretary, agency.profile.id)
        me.shift_status, me.schedule = "on_shift", ALL_WEEK
        db.session.get(Client, agency.client.id).timezone = "Europe/Lisbon"
        db.session.commit()
    db.session.remove()
    yield agency
    clock.freeze(None)


def _form(client_id, **extra):
    form = {"client_id": str(client_id), "kind": "letter", "priority": "high",
            "title": "Write to the landlord", "body": "About the boiler.\nUrgent-ish.",
            "due_at": ""}  # fmt: skip
    return {**form, **extra}


def _items(agency):
    found = [snapshot(i) for i in rows(WorkItem, agency.agency.id)]
    db.session.remove()
    return found


def test_a_manual_item_from_the_console_is_routed_like_any_other(client, on_shift, drain):
    agency = on_shift
    sign_in(client, agency.manager)
    answer = post_form(
        client, "/console/work/new", _form(agency.client.id, due_at="2026-06-03 17:00")
    )
    assert answer.status_code == 302
    [item] = _items(agency)
    assert (item.kind, item.priority, item.source) == ("letter", "high", "console")
    assert item.body == "About the boiler.\nUrgent-ish."
    # 17:00 in Lisbon (the client's zone) in June is 16:00 UTC
    assert item.sla_due_at == datetime(2026, 6, 3, 16, 0, tzinfo=UTC)
    drain()
    [item] = _items(agency)
    assert item.status == "assigned" and item.assignee_id == agency.profile.id
    with use_agency(agency.agency.id):
        actions = db.session.scalars(
            select(WorkEvent.action).where(WorkEvent.item_id == item.id).order_by(WorkEvent.id)
        ).all()
    assert actions == ["created", "assigned"]
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Write to the landlord" in page


@pytest.mark.parametrize(
    "change, field",
    [
        ({"title": ""}, "title"),
        ({"kind": "cooking"}, "kind"),
        ({"due_at": "tomorrow"}, "due_at"),
        ({"due_at": "2026-05-01 10:00"}, "due_at"),  # in the past
        ({"client_id": "999999"}, "client_id"),
    ],
)
def test_a_wrong_form_says_why_and_writes_nothing(client, on_shift, change, field):
    sign_in(client, on_shift.manager)
    answer = post_form(client, "/console/work/new", {**_form(on_shift.client.id), **change})
    assert answer.status_code == 422
    assert 'class="field-error"' in answer.get_data(as_text=True)
    assert _items(on_shift) == []


def test_the_desk_makes_work_for_its_own_clients_only(client, on_shift):
    agency = on_shift
    with use_agency(agency.agency.id):
        other = Client(name="Not Hers", email="nothers@alpha.example")
        db.session.add(other)
        db.session.commit()
        other_id = other.id
    db.session.remove()
    sign_in(client, agency.secretary)
    page = client.get("/desk/items/new").get_data(as_text=True)
    assert "Alpha Client" in page and "Not Hers" not in page
    refused = post_form(client, "/desk/items/new", _form(other_id), page="/desk/items/new")
    assert refused.status_code == 422 and _items(agency) == []
    made = post_form(client, "/desk/items/new", _form(agency.client.id), page="/desk/items/new")
    assert made.status_code == 302
    [item] = _items(agency)
    assert item.source == "desk" and item.client_id == agency.client.id


def test_the_api_takes_a_due_time(client, on_shift):
    token = client.post(
        "/api/v1/auth/token", json={"email": on_shift.manager.email, "password": PASSWORD}
    ).json["token"]
    auth = {"Authorization": f"Bearer {token}"}
    body = {"client_id": on_shift.client.id, "kind": "task", "title": "Renew the domain"}
    made = client.post("/api/v1/work-items/", json={**body, "due_at": "2026-06-02T10:00:00Z"},
                       headers=auth)  # fmt: skip
    assert made.status_code == 201
    assert made.json["sla_due_at"].startswith("2026-06-02T10:00:00")
    past = {**body, "title": "Late", "due_at": "2020-01-01T00:00:00Z"}
    late = client.post("/api/v1/work-items/", json=past, headers=auth)
    assert late.status_code == 422 and "due_at" in late.json["error"]["fields"]
