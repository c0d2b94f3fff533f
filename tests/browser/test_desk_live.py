"""An item created through the API appears on the secretary's open desk without a reload;
they claim, time and complete it, and a time entry exists."""

from sqlalchemy import select

from agency.domains.hours.models import TimeEntry
from agency.domains.staff.models import Secretary
from agency.domains.work.models import WorkItem
from agency.kernel.database import db
from tenants import use_agency
from tests.browser.conftest import not_reloaded, shoot, stay_on_page
from tests.conftest import PASSWORD

ALL_WEEK = {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def test_a_new_item_appears_on_the_open_desk_and_is_worked(
    live_server, browser_page, agency, client, drain
):
    with use_agency(agency.agency.id):
        me = db.session.get(Secretary, agency.profile.id)
        me.shift_status, me.schedule = "on_shift", ALL_WEEK
        db.session.commit()
    db.session.remove()

    page = browser_page
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", agency.secretary.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/desk/")
    page.wait_for_selector("#queue-empty")
    stay_on_page(page)

    token = client.post(
        "/api/v1/auth/token", json={"email": agency.manager.email, "password": PASSWORD}
    ).json["token"]
    created = client.post(
        "/api/v1/work-items/",
        json={
            "client_id": agency.client.id,
            "kind": "call",
            "title": "Call Dr. Reis back",
            "priority": "urgent",
        },
        headers={"Authorization": f"Bearer {token}"},
    )
    assert created.status_code == 201
    drain()

    # Assigned by now: the open desk shows it within a second or two, with no reload.
    page.wait_for_selector("#queue >> text=Call Dr. Reis back", timeout=2000)
    assert not_reloaded(page)
    page.click("#next")
    page.wait_for_url("**/desk/items/*")
    page.click("#action-start")
    page.wait_for_selector("#timer")
    page.fill("#complete-form textarea[name=outcome]", "Called back, appointment booked.")
    page.click("#action-complete")
    page.wait_for_url("**/desk/")

    db.session.remove()
    with use_agency(agency.agency.id):
        item = db.session.scalar(select(WorkItem).where(WorkItem.title == "Call Dr. Reis back"))
        assert item.status == "done"
        entries = db.session.scalars(select(TimeEntry).where(TimeEntry.item_id == item.id)).all()
        assert len(entries) == 1 and entries[0].billable_minutes >= 1


def test_a_manager_reassigns_from_the_console_and_it_appears_on_the_new_desk(
    live_server, browser_page, new_page, agency
):
    from agency.domains.accounts.models import Role, User
    from agency.domains.accounts.passwords import hash_password
    from agency.domains.work.creation import create_item

    with use_agency(agency.agency.id):
        user = User(
            email="pia@alpha.example",
            name="Pia",
            role=Role.secretary,
            password_hash=hash_password(PASSWORD),
        )
        db.session.add(user)
        db.session.flush()
        pia = Secretary(user_id=user.id, name="Pia", email=user.email, shift_status="on_shift")
        db.session.add(pia)
        db.session.commit()
        pia_id = pia.id
        item, _new = create_item(
            {"client_id": agency.client.id, "kind": "task", "title": "Book the venue"}
        )
        item_id = item.id
    db.session.remove()

    page = browser_page
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", "pia@alpha.example")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/desk/")
    page.wait_for_selector("#queue-empty")  # the client is not Pia's: nothing to see yet
    stay_on_page(page)

    manager = new_page()
    manager.goto(f"{live_server}/login")
    manager.fill("input[name=email]", agency.manager.email)
    manager.fill("input[name=password]", PASSWORD)
    manager.click("button[type=submit]")
    manager.wait_for_url("**/console/")
    manager.goto(f"{live_server}/console/work?assignee_id=pool")
    manager.click("#work-items >> text=Book the venue")
    manager.wait_for_url(f"**/console/work/{item_id}")
    manager.select_option("#reassign-form select[name=secretary_id]", str(pia_id))
    manager.click("#action-reassign")
    manager.wait_for_selector("#item-assignee >> text=Assigned to Pia")
    page.wait_for_selector("#queue >> text=Book the venue", timeout=2000)
    assert not_reloaded(page)
    manager.goto(f"{live_server}/console/work")
    shoot(manager, "console-work")
    shoot(page, "desk-shift")
