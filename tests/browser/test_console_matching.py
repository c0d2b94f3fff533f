"""The manager creates a client, opens its matches, assigns the top one; the dashboard shows it."""

from pathlib import Path

from agency.extensions import db
from agency.staff.models import Secretary
from tenants import use_agency
from tests.conftest import PASSWORD

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


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
                schedule={d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
            )
        )
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
    assert "speaks pt native" in top.inner_text()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "matches.png"), full_page=True)
    top.locator("text=Assign as primary").click()
    page.wait_for_selector("text=Rita Alves now serves Clínica Ferreira")

    page.click("nav >> text=Console")
    page.wait_for_url("**/console/")
    row = page.locator("tr", has_text="Clínica Ferreira")
    assert "Rita Alves" in row.inner_text()
