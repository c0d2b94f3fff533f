"""An agency signs up, its owner invites a secretary, and the secretary reaches the desk."""

import re
from pathlib import Path

from sqlalchemy import select

from agency.accounts.models import Role, User
from agency.extensions import db
from tenants import Agency, use_agency
from tests.mailbox import body

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_agency_signs_up_invites_a_secretary_who_sees_the_desk(live_server, new_page, mail, drain):
    owner = new_page()
    owner.goto(f"{live_server}/signup")
    owner.fill("input[name=name]", "Lumen Office Services")
    owner.fill("input[name=slug]", "lumen")
    owner.fill("input[name=timezone]", "Europe/Amsterdam")
    owner.select_option("select[name=locale]", "en")
    owner.fill("input[name=currency]", "EUR")
    owner.fill("input[name=owner_name]", "Lotte de Vries")
    owner.fill("input[name=owner_email]", "lotte@lumen.example")
    owner.fill("input[name=owner_password]", "a-long-password-1")
    _shot(owner, "signup")
    owner.click("text=Create the agency")
    owner.wait_for_url("**/console/")
    assert "Lumen Office Services" in owner.content()
    _shot(owner, "console")

    owner.click("nav >> text=Team")
    owner.wait_for_url("**/console/team")
    owner.fill("#invite-form input[name=name]", "Sanne Bakker")
    owner.fill("#invite-form input[name=email]", "sanne@lumen.example")
    owner.select_option("#invite-form select[name=role]", "secretary")
    owner.click("text=Send the invitation")
    owner.wait_for_selector("text=Invitation sent to sanne@lumen.example")
    _shot(owner, "team")

    drain()
    link = re.search(r"(http://\S+/invitations/\S+)", body(mail.wait_for("sanne@lumen.example")))
    assert link and link.group(1).startswith(live_server)

    secretary = new_page()
    secretary.goto(link.group(1))
    assert secretary.input_value("input[name=name]") == "Sanne Bakker"
    secretary.fill("input[name=password]", "another-long-password")
    secretary.click("text=Accept and sign in")
    secretary.wait_for_url("**/desk/")
    assert "Sanne Bakker" in secretary.content()
    _shot(secretary, "desk")

    db.session.remove()
    agency = db.session.scalar(select(Agency).where(Agency.slug == "lumen"))
    with use_agency(agency.id):
        user = db.session.scalar(select(User).where(User.email == "sanne@lumen.example"))
        assert user.role == Role.secretary
