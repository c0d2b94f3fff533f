"""In the browser: the client reads the campaign their office wrote, as a reader will read
it, approves it in the portal; it goes; the report shows the counts (also on a phone)."""

from tests.browser.conftest import shoot
from tests.browser.test_meeting_arranged import _sign_in
from tests.browser.test_phone_width import OVERFLOW, PHONE
from tests.test_campaigns import _consent, _contacts, _start


def _picture() -> bytes:
    """A banner: a warm gradient with the menu's name."""
    import io

    from PIL import Image, ImageDraw

    banner = Image.new("RGB", (600, 220))
    draw = ImageDraw.Draw(banner)
    for x in range(600):
        draw.line([(x, 0), (x, 220)], fill=(150 + x // 8, 70 + x // 12, 40))
    draw.text((40, 90), "Winter menu, from Monday", fill=(255, 255, 255), font_size=36)
    out = io.BytesIO()
    banner.save(out, "PNG")
    return out.getvalue()


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
    added = office("PUT", f"{base}/{made['id']}/image?filename=winter-menu.png",
                   data=_picture(), content_type="application/octet-stream")  # fmt: skip
    assert added.status_code == 200, added.json
    office("POST", f"{base}/{made['id']}/submit")

    portal = new_page()
    _sign_in(portal, live_server, agency.client_user)
    portal.goto(f"{live_server}/portal/campaigns")
    card = f"[data-campaign='{made['id']}']"
    portal.wait_for_selector(f"{card} >> text=Ana, the winter menu is here")
    assert "Dear Ana Lima," in portal.inner_text(card)  # as the first reader reads it
    shown = portal.eval_on_selector(f"{card} img.campaign-picture", "i => i.naturalWidth")
    assert shown == 600  # the picture, loaded
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
