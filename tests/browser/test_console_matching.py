"""The manager creates a client, opens its matches, assigns the top one; the dashboard shows it."""

from datetime import timedelta

from sqlalchemy import select

from agency.domains.clients.models import Client
from agency.domains.hours.models import TimeEntry
from agency.domains.staff.models import Secretary
from agency.domains.work.models import WorkItem
from agency.kernel import clock
from agency.kernel.database import db
from tenants import use_agency
from tests.browser.conftest import shoot
from tests.conftest import PASSWORD

WEEKDAYS_9_TO_5 = {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}


def test_manager_matches_a_new_client_and_sees_it_on_the_dashboard(
    live_server, browser_page, agency
):
    with use_agency(agency.agency.id):
        db.session.add(
            Secretary(
                name="Rita Alves",
                email="rita@alpha.example",
                timezone="Europe/Lisbon",
                languages=[{"code": "pt", "level": "native"}],
                specialities=[{"code": "medical", "training": "Terminology course"}],
                schedule=WEEKDAYS_9_TO_5,
            )
        )
        db.session.get(Secretary, agency.profile.id).schedule = WEEKDAYS_9_TO_5
        db.session.commit()
    db.session.remove()

    page = browser_page
    page.goto(f"{live_server}/login")
    page.fill("input[name=email]", agency.manager.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/console/")

    page.click("nav >> text=Clients")
    page.click("text=Add a client")
    page.fill("input[name=name]", "Clínica Ferreira")
    page.fill("input[name=timezone]", "Europe/Lisbon")
    page.fill("input[name=languages]", "pt")
    page.fill("input[name=required_specialities]", "medical")
    page.fill("textarea[name=business_hours]", "mon-fri 09:00-17:00")
    page.fill("input[name=greeting]", "Bom dia, Clínica Ferreira.")
    page.click("#client-form button[type=submit]")
    page.wait_for_url("**/matches")

    top = page.locator("#matches tbody tr").first
    assert "Rita Alves" in top.inner_text()
    assert "speaks Portuguese natively" in top.inner_text()
    shoot(page, "matches")
    top.locator("text=Assign as primary").click()
    page.wait_for_selector("text=Rita Alves now serves Clínica Ferreira")

    _the_day_goes_on(agency)
    page.click("nav >> text=Console")
    page.wait_for_url("**/console/")
    row = page.locator("#clients tr", has_text="Clínica Ferreira")
    assert "Rita Alves" in row.inner_text()
    assert "Clínica Ferreira" in page.locator("#chart-open-by-client").text_content()
    assert "Rita Alves" in page.locator("#chart-utilisation").text_content()
    late = page.locator("#past-sla tr", has_text="Call back about Tuesday")
    assert "Clínica Ferreira" in late.inner_text() and "Rita Alves" in late.inner_text()
    hours = page.locator("#client-hours tr", has_text="Clínica Ferreira")
    assert "no contract" in hours.inner_text()
    shoot(page, "console")


def _the_day_goes_on(agency):
    """Work arrives for the new client and time is logged, so the dashboard has figures."""
    now = clock.now()
    with use_agency(agency.agency.id):
        ferreira = db.session.scalar(select(Client).where(Client.name == "Clínica Ferreira"))
        rita = db.session.scalar(select(Secretary).where(Secretary.name == "Rita Alves"))
        items = [
            (ferreira.id, "call", "Call back about Tuesday's appointments", rita.id, -75),
            (ferreira.id, "email", "Answer the insurer's letter", None, 180),
            (agency.client.id, "letter", "Letter to the landlord", agency.profile.id, 45),
            (agency.client.id, "task", "Book the flight to Porto", None, -20),
        ]
        for client_id, kind, title, assignee_id, due_in in items:
            db.session.add(
                WorkItem(
                    client_id=client_id,
                    kind=kind,
                    title=title,
                    status="assigned" if assignee_id else "queued",
                    assignee_id=assignee_id,
                    sla_due_at=now + timedelta(minutes=due_in),
                )
            )
        for client_id, secretary_id, minutes in [
            (ferreira.id, rita.id, 150),
            (agency.client.id, agency.profile.id, 200),
        ]:
            db.session.add(
                TimeEntry(
                    client_id=client_id,
                    secretary_id=secretary_id,
                    started_at=now - timedelta(minutes=minutes + 5),
                    ended_at=now - timedelta(minutes=5),
                    raw_minutes=minutes,
                    billable_minutes=minutes,
                    billable=True,
                )
            )
        db.session.commit()
    db.session.remove()
