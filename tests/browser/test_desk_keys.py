"""A secretary works three items with the keyboard alone: n takes the next, t starts the
timer, c writes the outcome, Ctrl+Enter completes; ? shows the shortcuts. The item page
offers only what the item's state allows, and its running timer counts up."""

from sqlalchemy import select

from agency.domains.hours.models import TimeEntry
from agency.domains.staff.models import Secretary
from agency.domains.work.creation import create_item
from agency.domains.work.models import WorkItem
from agency.kernel.database import db
from tenants import use_agency
from tests.browser.conftest import shoot
from tests.conftest import PASSWORD

ALL_WEEK = {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
TITLES = ["Confirm the dentist", "Book the train to Porto", "Order printer toner"]


def test_three_items_worked_with_the_keyboard_alone(live_server, browser_page, agency, drain):
    with use_agency(agency.agency.id):
        me = db.session.get(Secretary, agency.profile.id)
        me.shift_status, me.schedule = "on_shift", ALL_WEEK
        db.session.commit()
        for title in TITLES:
            create_item({"client_id": agency.client.id, "kind": "task", "title": title})
    drain()
    db.session.remove()

    page = browser_page
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", agency.secretary.email)
    page.fill("input[name=password]", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/desk/")

    page.keyboard.press("?")
    page.wait_for_selector("#shortcuts[open]")
    assert "Start or pause the timer" in page.inner_text("#shortcuts")
    page.keyboard.press("Escape")
    page.wait_for_selector("#shortcuts:not([open])", state="attached")

    for n in range(3):
        page.keyboard.press("n")
        page.wait_for_url("**/desk/items/*")
        assert page.locator("#action-claim").count() == 0  # taken: no Claim
        assert page.locator("#action-pause").count() == 0  # no timer runs yet
        page.keyboard.press("t")
        page.wait_for_selector("#timer time.elapsed")
        # The page the timer reloaded hears keys once it has loaded, not when the timer
        # shows: under load the next key could come first and be lost.
        page.wait_for_function("() => document.readyState === 'complete'")
        assert page.locator("#action-start").count() == 0
        assert page.locator("#action-pause").count() == 1
        if n == 0:
            first = page.inner_text("#timer time.elapsed")
            page.wait_for_function(
                "first => document.querySelector('#timer time.elapsed').textContent !== first",
                arg=first,
            )
            shoot(page, "desk-workspace")
        page.keyboard.press("c")
        page.keyboard.type(f"Done by keyboard {n}")
        page.keyboard.press("Control+Enter")
        page.wait_for_url("**/desk/")

    db.session.remove()
    with use_agency(agency.agency.id):
        items = db.session.scalars(select(WorkItem).where(WorkItem.title.in_(TITLES))).all()
        assert sorted(i.status for i in items) == ["done"] * 3
        assert sorted(i.outcome for i in items) == [f"Done by keyboard {n}" for n in range(3)]
        entries = db.session.scalars(select(TimeEntry)).all()
        assert {e.item_id for e in entries} == {i.id for i in items}
