"""An agency of one: the owner adds the desk to her own login and works both the console
and the desk, with calls and work routed to her like any secretary."""

import pytest
from sqlalchemy import select

from agency.domains.accounts.models import Role, User
from agency.domains.clients.services import assign
from agency.domains.staff.models import Secretary
from agency.domains.work.creation import create_item
from agency.domains.work.models import WorkItem
from agency.kernel.database import db
from tenants import use_agency
from tests.conftest import post_form, sign_in

pytestmark = pytest.mark.sqlite

ALL_WEEK = {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def test_a_freelancer_works_the_console_and_the_desk_with_one_login(client, agency, drain):
    sign_in(client, agency.owner)
    assert client.get("/desk/").status_code == 403  # not yet
    team = client.get("/console/team").get_data(as_text=True)
    assert 'id="work-the-desk"' in team
    answer = post_form(client, "/console/team/desk", {}, page="/console/team")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/desk/")

    with use_agency(agency.agency.id):
        owner = db.session.get(User, agency.owner.id)
        assert owner.role == Role.owner and owner.roles == {Role.owner, Role.secretary}
        mine = db.session.scalar(select(Secretary).where(Secretary.user_id == owner.id))
        mine.shift_status, mine.schedule = "on_shift", ALL_WEEK
        # Her own client, served by her alone: its work comes to her desk.
        db.session.get(Secretary, agency.profile.id).shift_status = "off"
        db.session.commit()
        assign({"client_id": agency.client.id, "secretary_id": mine.id, "role": "primary"})
        item, _new = create_item(
            {"client_id": agency.client.id, "kind": "task", "title": "Her own work"}
        )
        item_id, mine_id = item.id, mine.id
    db.session.remove()
    drain()

    desk = client.get("/desk/")
    assert desk.status_code == 200 and "Her own work" in desk.get_data(as_text=True)
    assert client.get("/console/").status_code == 200  # the console is still hers
    nav = client.get("/console/").get_data(as_text=True)
    assert 'id="nav-desk"' in nav
    with use_agency(agency.agency.id):
        assert db.session.get(WorkItem, item_id).assignee_id == mine_id
    # She takes it from her desk, as a secretary would.
    claimed = post_form(client, f"/desk/items/{item_id}/start", {}, page=f"/desk/items/{item_id}")
    assert claimed.status_code == 302
    with use_agency(agency.agency.id):
        assert db.session.get(WorkItem, item_id).status == "in_progress"
    # The team page no longer offers what she has.
    assert 'id="work-the-desk"' not in client.get("/console/team").get_data(as_text=True)


def test_only_owners_and_managers_add_the_desk(client, agency):
    sign_in(client, agency.secretary)
    page = client.get("/desk/").get_data(as_text=True)
    from tests.conftest import csrf_from

    answer = client.post("/console/team/desk", data={"csrf_token": csrf_from(page)})
    assert answer.status_code == 403
