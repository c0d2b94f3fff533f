"""In the browser: the client reads the campaign their office wrote, as a reader will read
it, approves it in the portal; it goes; the report shows the counts (also on a phone)."""

from tests.browser.conftest import shoot
from tests.browser.test_meeting_arranged import _sign_in
from tests.browser.test_phone_width import OVERFLOW, PHONE
from tests.test_campaigns import _consent, _contacts, _start


def test_the_client_approves_a_campaign_and_reads_the_report(
    app, client, live_server, new_page, browser, agency, mail, drain
):
    from datetime import timedelta

    from agency.kernel import clock
    from tests.billing_seed import api_as

    app.config["CAMPAIGN_MESSAGES_PER_SECOND"] = 0
    contacts = _contacts(agency)
    _consent(client, agency, contacts)
    office = api_as(client, agency.secretary)
    base = f"/api/v1/clients/{agency.client.id}/campaigns"
    made = office("POST", base, {
        "subject": "{first_name}, the winter menu is here",
        "body": "Dear {name},\n\nOur winter menu starts on Monday.\n\n{client_name}",
        "send_at": (clock.now() + timedelta(minutes=5)).isoformat(),
    }).json  # fmt: skip
    office("POST", f"{base}/{made['id']}/submit")

    portal = new_page()
    _sign_in(portal, live_server, agency.client_user)
    portal.goto(f"{live_server}/portal/campaigns")
    card = f"[data-campaign='{made['id']}']"
    portal.wait_for_selector(f"{card} >> text=Ana, the winter menu is here")
    assert "Dear Ana Lima," in portal.inner_text(card)  # as the first reader reads it
    shoot(portal, "portal-campaign-approval")
    portal.click(f"#approve-campaign-{made['id']}")
    portal.wait_for_selector(".flash-success")

    _start(app, agency)
    drain()
    assert len(mail.messages) == 3
    portal.goto(f"{live_server}/portal/campaigns")
    assert portal.inner_text(f"{card} [data-count='sent']") == "3"
    shoot(portal, "portal-campaign-report")

    phone = browser.new_context(**PHONE)
    try:
        small = phone.new_page()
        _sign_in(small, live_server, agency.client_user)
        small.goto(f"{live_server}/portal/campaigns")
        small.wait_for_selector(card)
        assert small.evaluate(OVERFLOW) is None
    finally:
        phone.close()
