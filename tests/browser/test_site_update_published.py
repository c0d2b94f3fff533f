"""In the browser: the client asks for a website update with a picture in the portal, the
secretary publishes it to a real WordPress from the desk, and the client finds the live
address in the site's history (also on a phone's width)."""

from agency.domains.websites.models import Publication
from agency.domains.work.models import WorkItem
from tests.billing_seed import api_as
from tests.browser.conftest import shoot
from tests.browser.test_meeting_arranged import _sign_in
from tests.browser.test_phone_width import OVERFLOW, PHONE
from tests.conftest import rows
from tests.test_websites import png


def test_an_update_asked_for_in_the_portal_is_published_from_the_desk(
    app, live_server, new_page, browser, agency, wordpress
):
    call = api_as(app.test_client(), agency.manager)
    base = f"/api/v1/clients/{agency.client.id}"
    login = {"label": "Bakery WordPress", "username": "admin",
             "secret": wordpress.application_password}  # fmt: skip
    entry = call("POST", f"{base}/vault", login).json
    site = call("POST", f"{base}/sites", {"name": "Bakery", "url": wordpress.base,
                                          "platform": "wordpress",
                                          "vault_entry_id": entry["id"]}).json  # fmt: skip

    portal = new_page()
    _sign_in(portal, live_server, agency.client_user)
    portal.goto(f"{live_server}/portal/sites")
    form = f"#site-{site['id']} .site-update-form"
    portal.click(f"#site-{site['id']} summary")
    portal.fill(f"{form} textarea", "Our spelt loaf is back on Saturdays")
    portal.set_input_files(f"{form} input[type=file]", files=[
        {"name": "spelt.png", "mimeType": "image/png", "buffer": png(64, 48, (180, 120, 60))},
    ])  # fmt: skip
    portal.click(f"{form} button[type=submit]")
    portal.wait_for_selector(".flash-success")
    assert "spelt.png" in portal.inner_text(f"#site-{site['id']} .site-history")
    [item_id] = [i.id for i in rows(WorkItem, agency.agency.id)]

    desk = new_page()
    _sign_in(desk, live_server, agency.secretary)
    desk.goto(f"{live_server}/desk/items/{item_id}")
    desk.click("#action-claim")
    desk.click("#open-site-update")
    desk.wait_for_selector("#publication-form")
    desk.fill("#publication-form [name=title]", "Spelt loaf on Saturdays")
    desk.select_option("#publication-form [name=image_id]", label="spelt.png")
    shoot(desk, "desk-site-update")
    desk.click("#publish")
    desk.wait_for_selector(".flash-success")
    [post] = rows(Publication, agency.agency.id)
    assert post.state == "published", post.error
    remote = wordpress.get(f"/wp/v2/posts/{post.remote_id}", context="edit").json()
    assert remote["title"]["raw"] == "Spelt loaf on Saturdays" and remote["featured_media"]

    portal.goto(f"{live_server}/portal/sites")
    live = portal.get_attribute(f"#site-{site['id']} .proof-url", "href")
    assert live == post.remote_url and live.startswith(wordpress.base)
    shoot(portal, "portal-website")

    phone = browser.new_context(**PHONE)
    try:
        small = phone.new_page()
        _sign_in(small, live_server, agency.client_user)
        small.goto(f"{live_server}/portal/sites")
        small.wait_for_selector(".proof-url")
        assert small.evaluate(OVERFLOW) is None  # fits 390 px without a horizontal scroll
    finally:
        phone.close()
