"""The secretary's desk: the merged queue, Next, the item page, the timer and time entries."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from agency.domains.hours.models import TimeEntry
from agency.domains.hours.services import billable_minutes
from agency.domains.staff.models import Secretary
from agency.domains.work.creation import create_item
from agency.domains.work.models import WorkItem
from agency.kernel import clock
from agency.kernel.database import db
from tenants import use_agency
from tests.conftest import csrf_from, sign_in

pytestmark = pytest.mark.sqlite

ALL_WEEK = {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
T0 = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)


@pytest.fixture
def desk(client, agency):
    with use_agency(agency.agency.id):
        me = db.session.get(Secretary, agency.profile.id)
        me.shift_status, me.schedule = "on_shift", ALL_WEEK
        db.session.commit()
    sign_in(client, agency.secretary)
    clock.freeze(T0)
    yield client
    clock.freeze(None)


def _post(client, url, data=None):
    token = csrf_from(client.get("/desk/").get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **(data or {})})


def _new_item(agency, title, priority="normal"):
    with use_agency(agency.agency.id):
        item, _new = create_item(
            {"client_id": agency.client.id, "kind": "email", "title": title, "priority": priority}
        )
        return item.id


@pytest.mark.parametrize(
    ("seconds", "rounding", "minimum", "expected"),
    [(1, 6, 0, 6), (360, 6, 0, 6), (361, 6, 0, 12), (60, 15, 0, 15), (60, 1, 10, 10), (0, 6, 6, 0)],
)
def test_billable_minutes_round_up_with_a_minimum(seconds, rounding, minimum, expected):
    assert billable_minutes(seconds, rounding, minimum) == expected


def test_the_queue_is_merged_and_ordered_with_time_left(desk, agency):
    _new_item(agency, "Low one", "low")
    _new_item(agency, "Urgent one", "urgent")
    page = desk.get("/desk/queue").get_data(as_text=True)
    assert page.index("Urgent one") < page.index("Low one")
    assert "due in 5 min" in page


def test_next_claims_the_top_item_and_the_timer_makes_a_time_entry(desk, agency):
    urgent = _new_item(agency, "Urgent one", "urgent")
    _new_item(agency, "Later", "low")
    response = _post(desk, "/desk/next")
    assert response.headers["Location"].endswith(f"/desk/items/{urgent}")
    page = desk.get(f"/desk/items/{urgent}").get_data(as_text=True)
    assert "Instructions of Alpha" in page and 'id="item-status">in progress<' in page
    _post(desk, f"/desk/items/{urgent}/start")
    clock.freeze(T0 + timedelta(minutes=7, seconds=5))
    _post(desk, f"/desk/items/{urgent}/note", {"note": "Left a voicemail"})
    _post(desk, f"/desk/items/{urgent}/complete", {"outcome": "Replied to the customer"})
    with use_agency(agency.agency.id):
        entry = db.session.scalar(select(TimeEntry))
        assert (entry.raw_minutes, entry.billable_minutes) == (8, 12)  # rounding 6 min
        assert entry.contract_id == agency.contract.id and entry.secretary_id == agency.profile.id
        item = db.session.get(WorkItem, urgent)
        assert item.status == "done" and item.outcome == "Replied to the customer"
        assert [e.action for e in item.events][-3:] == ["note", "timer_stopped", "complete"]


def test_completing_without_an_outcome_is_refused(desk, agency):
    item_id = _new_item(agency, "Needs outcome")
    _post(desk, "/desk/next")
    _post(desk, f"/desk/items/{item_id}/complete", {"outcome": ""})
    with use_agency(agency.agency.id):
        assert db.session.get(WorkItem, item_id).status == "in_progress"


def test_another_agencys_item_is_a_404_on_the_desk(desk, agency, other_agency):
    with use_agency(other_agency.agency.id):
        theirs, _new = create_item(
            {"client_id": other_agency.client.id, "kind": "task", "title": "Bravo task"}
        )
        theirs_id = theirs.id
    assert desk.get(f"/desk/items/{theirs_id}").status_code == 404
    assert "Bravo task" not in desk.get("/desk/queue").get_data(as_text=True)


ACTION_IDS = ("claim", "start", "pause", "wait", "handback", "escalate", "complete")


def _shown(client, item_id) -> list[str]:
    page = client.get(f"/desk/items/{item_id}").get_data(as_text=True)
    return [a for a in ACTION_IDS if f'id="action-{a}"' in page]


def test_the_item_page_offers_only_what_the_items_state_allows(desk, agency):
    with use_agency(agency.agency.id):
        item, _new = create_item(
            {"client_id": agency.client.id, "kind": "task", "title": "Book a room"}
        )
        item_id = item.id
    db.session.remove()
    assert _shown(desk, item_id) == ["claim"]  # waits in the pool
    _post(desk, f"/desk/items/{item_id}/claim")
    assert _shown(desk, item_id) == ["start", "wait", "handback", "complete"]
    _post(desk, f"/desk/items/{item_id}/start")
    assert _shown(desk, item_id) == ["pause", "wait", "handback", "complete"]
    _post(desk, f"/desk/items/{item_id}/wait")
    assert _shown(desk, item_id) == ["start", "handback", "complete"]
    _post(desk, f"/desk/items/{item_id}/complete", {"outcome": "Booked."})
    assert _shown(desk, item_id) == []
