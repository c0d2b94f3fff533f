"""A campaign's picture and its website post: the picture travels as an HTML part beside
the plain text (the image inline by its Content-ID); a picture that is not one, too
large, or for a campaign no longer a draft is refused and changes nothing; and a
WordPress site with its login in the vault gets the post, with the picture as its
featured image, when the campaign goes, once, or a website update with the site's reason
when it refuses."""

import io
from datetime import timedelta

from agency.domains.promotions.models import Campaign
from agency.domains.websites.models import Publication
from agency.domains.work.models import WorkEvent, WorkItem
from agency.kernel import clock
from tests.billing_seed import api_as
from tests.conftest import post_form, rows, sign_in
from tests.mailbox import body
from tests.test_campaigns import _approved, _consent, _contacts, _start
from tests.test_websites import _wordpress_site, png


def _parts(message) -> dict:
    return {part.get_content_type(): part for part in message.walk()}


def test_the_picture_goes_inline_beside_the_plain_text(client, app, agency, mail, drain):
    app.config.update(CAMPAIGN_MESSAGES_PER_SECOND=0, CAMPAIGN_IMAGE_MAX_BYTES=50_000)
    _consent(client, agency, _contacts(agency))
    office = api_as(client, agency.secretary)
    base = f"/api/v1/clients/{agency.client.id}/campaigns"
    made = office("POST", base, {
        "subject": "{first_name}, our winter offer", "body": "Dear {name},\n\nSee https://shop.example/o?a=1&b=2",
        "send_at": (clock.now() + timedelta(minutes=5)).isoformat()}).json  # fmt: skip
    picture = f"{base}/{made['id']}/image"

    def put(data, name="offer.png"):
        return office("PUT", f"{picture}?filename={name}", data=data,
                      content_type="application/octet-stream")  # fmt: skip

    not_one = put(b"%PDF-1.4 not a picture", "offer.pdf")
    assert not_one.status_code == 415 and "not an image" in not_one.json["error"]["message"]
    too_big = put(png(900, 900, (10, 10, 10)) + b"\0" * 60_000)
    assert too_big.status_code == 413
    assert office("GET", picture).status_code == 404
    assert put(png()).json["image_name"] == "offer.png"
    shown = office("GET", picture)
    assert shown.status_code == 200 and shown.content_type == "image/png"
    assert shown.data == png() and shown.headers["X-Content-Type-Options"] == "nosniff"

    _approved_id = made["id"]
    assert office("POST", f"{base}/{_approved_id}/submit").status_code == 200
    late = put(png(10, 10))
    assert late.status_code == 409  # no longer a draft: the picture stays as it was
    assert office("GET", picture).data == png()
    assert (
        api_as(client, agency.client_user)("POST", f"{base}/{_approved_id}/approve").json["status"]
        == "scheduled"
    )
    _start(app, agency)
    drain()

    ana = mail.to("ana@customers.example")[0]
    assert ana.get_content_type() == "multipart/alternative"
    parts = _parts(ana)
    image = parts["image/png"]
    cid = image["Content-ID"].strip("<>")
    html = parts["text/html"].get_payload(decode=True).decode()
    assert f'src="cid:{cid}"' in html and image.get_payload(decode=True) == png()
    assert "Dear Ana Lima," in html and "/unsubscribe/" in html
    assert '<a href="https://shop.example/o?a=1&amp;b=2">' in html
    assert "Dear Ana Lima," in body(ana) and "<p>" not in body(ana)


def test_a_bad_picture_on_the_desk_keeps_no_campaign(client, app, agency):
    _consent(client, agency, _contacts(agency))
    desk = app.test_client()
    sign_in(desk, agency.secretary)
    page = f"/desk/campaigns/{agency.client.id}"
    form = {"subject": "Hello {first_name}", "body": "Our offer", "send_at": "2099-01-05T09:00"}
    refused = post_form(desk, page, {**form, "image": (io.BytesIO(b"just text"), "offer.png")},
                        content_type="multipart/form-data")  # fmt: skip
    assert refused.status_code == 415 and "not an image" in refused.get_data(as_text=True)
    assert rows(Campaign, agency.agency.id) == []
    made = post_form(desk, page, {**form, "image": (io.BytesIO(png()), "offer.png")},
                     content_type="multipart/form-data")  # fmt: skip
    assert made.status_code == 302
    [campaign] = rows(Campaign, agency.agency.id)
    assert campaign.image_name == "offer.png" and campaign.image_type == "image/png"
    shown = desk.get(f"{page}/{campaign.id}").get_data(as_text=True)
    assert f"{page}/{campaign.id}/image" in shown
    removed = post_form(desk, f"{page}/{campaign.id}/image", {"remove": "1"},
                        page=f"{page}/{campaign.id}")  # fmt: skip
    assert removed.status_code == 302
    assert rows(Campaign, agency.agency.id)[0].image_name is None


def test_a_wordpress_site_gets_the_post_with_the_picture_once(
    client, app, agency, mail, drain, wordpress
):
    app.config["CAMPAIGN_MESSAGES_PER_SECOND"] = 0
    _consent(client, agency, _contacts(agency))
    site = _wordpress_site(api_as(client, agency.manager), agency.client.id, wordpress)
    office = api_as(client, agency.secretary)
    base = f"/api/v1/clients/{agency.client.id}/campaigns"
    draft = office("POST", base, {
        "subject": "{first_name}, our winter offer", "body": "Dear {name},\n\nTen percent off.",
        "send_at": (clock.now() + timedelta(minutes=5)).isoformat(), "website_id": site["id"],
    }).json  # fmt: skip
    office("PUT", f"{base}/{draft['id']}/image?filename=offer.png", data=png(),
           content_type="application/octet-stream")  # fmt: skip
    office("POST", f"{base}/{draft['id']}/submit")
    api_as(client, agency.client_user)("POST", f"{base}/{draft['id']}/approve")
    _start(app, agency)
    drain()

    [post] = rows(Publication, agency.agency.id)
    assert post.source_key == f"campaign-post:{draft['id']}"
    assert post.state == "published" and post.remote_url.startswith(wordpress.base)
    remote = wordpress.get(f"/wp/v2/posts/{post.remote_id}", context="edit").json()
    assert remote["title"]["raw"] == "Our winter offer"
    assert "Ten percent off." in remote["content"]["raw"] and "Dear" not in remote["content"]["raw"]
    media = wordpress.get(f"/wp/v2/media/{remote['featured_media']}").json()
    assert media["mime_type"] == "image/png"
    assert [i for i in rows(WorkItem, agency.agency.id) if i.kind == "website_update"] == []

    from workers.jobs import publish_campaign_post

    publish_campaign_post(agency.agency.id, draft["id"])  # a retried job: no second post
    assert len(rows(Publication, agency.agency.id)) == 1
    found = wordpress.get("/wp/v2/posts", search="winter offer", context="edit").json()
    assert [p["id"] for p in found] == [post.remote_id]
    assert _uses(client, agency) == [("used", site["url"], agency.secretary.name)]  # once


def _uses(client, agency) -> list[tuple]:
    """The client's vault audit as the portal's API shows it."""
    path = f"/api/v1/clients/{agency.client.id}/vault-reveals"
    audit = api_as(client, agency.manager)("GET", path)
    assert audit.status_code == 200, audit.json
    return [(r["outcome"], r["reason"], r["user"]) for r in audit.json]


def test_a_wordpress_site_that_refuses_leaves_an_update_with_its_reason(
    client, app, agency, mail, drain, wordpress
):
    app.config["CAMPAIGN_MESSAGES_PER_SECOND"] = 0
    _consent(client, agency, _contacts(agency))
    call = api_as(client, agency.manager)
    site = _wordpress_site(call, agency.client.id, wordpress, password="wrong pass word here")
    _approved(client, agency, website_id=site["id"])
    _start(app, agency)
    drain()
    [post] = rows(Publication, agency.agency.id)
    assert post.state == "failed" and post.error
    [item] = [i for i in rows(WorkItem, agency.agency.id) if i.kind == "website_update"]
    assert item.links["website_id"] == site["id"] and item.body == "Ten percent off."
    events = [e for e in rows(WorkEvent, agency.agency.id) if e.item_id == item.id]
    assert any(e.action == "publish_failed" for e in events)
    readers = ("ana@customers.example", "bruno@customers.example", "carla@partners.example")
    assert all(len(mail.to(r)) == 1 for r in readers)  # the email went all the same
    [(outcome, where, _who)] = _uses(client, agency)  # sent, though the site refused it
    assert (outcome, where) == ("used", site["url"])
    sign_in(client, agency.client_user)  # the client reads it in words, in the portal
    page = client.get("/portal/vault").get_data(as_text=True)
    assert f"not shown: sent to {site['url']} to publish" in page
