"""The client dictates in the portal, the secretary drafts the email from it, the client
approves it in the portal, and the email arrives."""

from sqlalchemy import select

from agency.domains.contracts.models import Contract
from agency.domains.work.models import WorkItem
from agency.kernel.database import db
from tenants import use_agency
from tests.browser.conftest import shoot
from tests.conftest import PASSWORD
from tests.mailbox import body


def _sign_in(page, base, user):
    page.goto(f"{base}/login")
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


def test_dictation_becomes_an_approved_email(
    live_server, browser_page, new_page, agency, drain, mail
):
    with use_agency(agency.agency.id):
        db.session.get(Contract, agency.contract.id).approval_required = True
        db.session.commit()
    db.session.remove()
    page = browser_page
    secretary_page = new_page()

    _sign_in(page, live_server, agency.client_user)
    page.goto(f"{live_server}/portal/mail/")
    page.fill("#dictate textarea[name=text]", "Tell Pat the quote is 400 euros.")
    page.click("#send-dictation")
    page.wait_for_selector("text=Your dictation is with your secretary.")
    drain()

    with use_agency(agency.agency.id):
        item_id = db.session.scalar(select(WorkItem.id).where(WorkItem.kind == "dictation"))
    db.session.remove()
    _sign_in(secretary_page, live_server, agency.secretary)
    secretary_page.goto(f"{live_server}/desk/items/{item_id}")
    secretary_page.click("#write-reply")
    secretary_page.wait_for_selector("#dictation >> text=Tell Pat the quote is 400 euros.")
    secretary_page.fill("input[name=to_address]", "pat@buyer.example")
    secretary_page.fill("input[name=subject]", "Your quote")
    secretary_page.fill("textarea[name=body]", "Dear Pat, the quote is 400 euros.")
    secretary_page.click("#send-draft")
    secretary_page.wait_for_selector("text=The draft waits for the client's approval.")
    drain()
    assert mail.to("pat@buyer.example") == []

    page.goto(f"{live_server}/portal/mail/")
    page.wait_for_selector("#drafts-to-approve >> text=Your quote")
    shoot(page, "portal-mail")
    page.click("#drafts-to-approve .approve-draft")
    page.wait_for_selector("text=Approved.")
    drain()
    arrived = mail.wait_for("pat@buyer.example")
    assert arrived["Subject"] == "Your quote"
    assert "the quote is 400 euros" in body(arrived)
