"""An agency signs up, its owner invites a secretary, and the secretary reaches the desk."""

import re

from sqlalchemy import select

from agency.domains.accounts.models import Role, User
from agency.kernel.database import db
from tenants import directory, use_agency
from tests.browser.conftest import shoot
from tests.mailbox import body


def test_agency_signs_up_invites_a_secretary_who_sees_the_desk(
    live_server, browser_page, new_page, mail, drain
):
    owner = browser_page
    owner.goto(f"{live_server}/signup")
    owner.fill("[name=name]", "Lumen Office Services")
    owner.fill("[name=slug]", "lumen")
    owner.fill("[name=timezone]", "Europe/Amsterdam")
    owner.select_option("select[name=locale]", "en")
    owner.fill("[name=currency]", "EUR")
    owner.fill("[name=owner_name]", "Lotte de Vries")
    owner.fill("[name=owner_email]", "lotte@lumen.example")
    owner.fill("[name=owner_password]", "a-long-password-1")
    shoot(owner, "signup")
    owner.get_by_role("button", name="Create the agency").click()
    owner.wait_for_url(re.compile(r"/console/$"))
    assert owner.url.endswith("/console/")
    assert "Lumen Office Services" in owner.locator("body").inner_text()

    owner.locator("header nav").get_by_role("link", name="Team", exact=True).click()
    owner.wait_for_selector("#invite-form")
    owner.fill("#invite-form [name=name]", "Sanne Bakker")
    owner.fill("#invite-form [name=email]", "sanne@lumen.example")
    owner.select_option("#invite-form select[name=role]", "secretary")
    owner.get_by_role("button", name="Send the invitation").click()
    owner.get_by_text("Invitation sent to sanne@lumen.example").wait_for()
    shoot(owner, "team")

    drain()
    text = body(mail.wait_for("sanne@lumen.example"))
    found = re.search(r"https?://\S+/invitations/[^\s<>\"']+", text)
    assert found, text
    link = found.group(0)
    assert link.startswith(live_server + "/"), link

    # A fresh incognito context: the owner's session cookie is not in it.
    secretary = new_page()
    secretary.goto(link)
    assert secretary.input_value("[name=name]") == "Sanne Bakker"
    secretary.fill("[name=password]", "another-long-password")
    secretary.get_by_role("button", name="Accept and sign in").click()
    secretary.wait_for_url(re.compile(r"/desk/$"))
    assert secretary.url.endswith("/desk/")
    assert "Sanne Bakker" in secretary.locator("body").inner_text()
    shoot(secretary, "desk")

    db.session.remove()
    agency = directory.agency_at("lumen")
    assert agency is not None
    with use_agency(agency.id):
        user = db.session.scalar(select(User).where(User.email == "sanne@lumen.example"))
        assert user is not None
        assert user.role == Role.secretary
