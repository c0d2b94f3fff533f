"""A client's websites: the update schedule makes its items on the client's clock with the
site's checklist; the client's update requests become work items with their files and
are done with proof; posts are published to a real WordPress (with their image in its
media library), after the client's approval where the site asks for it; a site that
refuses leaves the item open with the reason; bad input changes nothing."""

import io
import socket
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests
from PIL import Image

from agency.domains.clients.models import Client
from agency.domains.schedules import services as rules
from agency.domains.websites.models import Publication, SiteFile, SiteUpdate, Website
from agency.domains.work.models import WorkItem
from agency.kernel import clock
from agency.kernel.database import db
from tenants import use_agency
from tests.billing_seed import api_as
from tests.conftest import rows, sign_in


def png(width=40, height=30, colour=(200, 40, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "PNG")
    return out.getvalue()


def _wordpress_site(call, client_id, wordpress, password=None, **extra):
    entry = call("POST", f"/api/v1/clients/{client_id}/vault", {
        "label": "Bakery WordPress", "url": wordpress.base, "username": "admin",
        "secret": password or wordpress.application_password,
    }).json  # fmt: skip
    made = call("POST", f"/api/v1/clients/{client_id}/sites", {
        "name": "Bakery", "url": wordpress.base, "platform": "wordpress",
        "vault_entry_id": entry["id"], "checklist": ["Check the contact form"], **extra,
    })  # fmt: skip
    assert made.status_code == 201, made.json
    return made.json


def _claim(client, agency, item_id):
    claimed = api_as(client, agency.secretary)("POST", f"/api/v1/work-items/{item_id}/claim")
    assert claimed.status_code == 200, claimed.json


def test_a_weekly_schedule_makes_its_items_on_the_clients_days(client, app, agency):
    call = api_as(client, agency.manager)
    base = f"/api/v1/clients/{agency.client.id}"
    with use_agency(agency.agency.id):
        db.session.get(Client, agency.client.id).timezone = "America/New_York"
        db.session.commit()
    db.session.remove()
    site = call("POST", f"{base}/sites", {"name": "Shop", "url": "https://shop.example",
                                          "platform": "shopify",
                                          "checklist": ["Post this week's offer",
                                                        "Update opening hours"]}).json  # fmt: skip
    path = f"{base}/sites/{site['id']}/schedule"
    refused = call("PUT", path, {"frequency": "weekly", "weekdays": []})
    assert refused.status_code == 422 and "weekdays" in refused.json["error"]["fields"]
    assert call("GET", f"{base}/sites/{site['id']}").json["schedule"]["frequency"] == "none"
    clock.freeze(datetime(2026, 12, 6, 12, 0, tzinfo=UTC))  # a Sunday
    try:
        set_ = call("PUT", path, {"frequency": "weekly", "weekdays": ["mon", "thu"],
                                  "time_of_day": "08:30"})  # fmt: skip
        assert set_.status_code == 200, set_.json
        assert set_.json["schedule"]["next"][:2] == [
            "2026-12-07T13:30:00+00:00", "2026-12-10T13:30:00+00:00",
        ]  # 08:30 in New York  # fmt: skip
        with use_agency(agency.agency.id):
            assert rules.materialise_due(datetime(2026, 12, 13, 12, 0, tzinfo=UTC)) == 2
            items = sorted(rows(WorkItem, agency.agency.id), key=lambda i: i.id)
        db.session.remove()
    finally:
        clock.freeze(None)
    assert [i.links["occurrence"] for i in items] == [
        "2026-12-07T13:30:00+00:00", "2026-12-10T13:30:00+00:00",
    ]  # fmt: skip
    assert all(i.kind == "website_update" for i in items)
    assert items[0].body == "☐ Post this week's offer\n☐ Update opening hours"
    assert call("PUT", path, {"frequency": "none"}).json["schedule"]["frequency"] == "none"
    [kept] = rows(Website, agency.agency.id)
    assert kept.recurring_rule_id is None


def test_an_update_request_is_done_with_proof(client, app, agency):
    call = api_as(client, agency.manager)
    base = f"/api/v1/clients/{agency.client.id}"
    site = call("POST", f"{base}/sites", {"name": "Clinic", "url": "https://www.clinic.example",
                                          "platform": "other"}).json  # fmt: skip
    mine = api_as(client, agency.client_user)
    past = mine("POST", f"{base}/sites/{site['id']}/updates",
                {"text": "New hours", "wished_on": "2020-01-01"})  # fmt: skip
    assert past.status_code == 422 and rows(SiteUpdate, agency.agency.id) == []
    asked = mine("POST", f"{base}/sites/{site['id']}/updates", {"text": "New opening hours"})
    assert asked.status_code == 201, asked.json
    update = asked.json
    files = f"{base}/site-updates/{update['id']}/files"
    script = mine("POST", f"{files}?filename=hours.png", data=b"#!/bin/sh\n",
                  content_type="application/octet-stream")  # fmt: skip
    assert script.status_code == 415
    kept = mine("POST", f"{files}?filename=hours.png", data=png(),
                content_type="application/octet-stream")  # fmt: skip
    assert kept.status_code == 201 and kept.json["content_type"] == "image/png"
    [item] = rows(WorkItem, agency.agency.id)
    assert item.kind == "website_update" and item.links["site_update_id"] == update["id"]
    item_id = item.id
    done = f"{base}/site-updates/{update['id']}/done"
    assert mine("POST", done, {"url": "https://clinic.example/hours"}).status_code == 403
    office = api_as(client, agency.secretary)
    pool = office("POST", done, {"url": "https://clinic.example/hours"})
    assert pool.status_code == 409  # claim it first
    _claim(client, agency, item_id)
    elsewhere = office("POST", done, {"url": "https://evil.example/hours"})
    assert elsewhere.status_code == 422 and "url" in elsewhere.json["error"]["fields"]
    proved = office("POST", done, {"url": "https://clinic.example/hours", "note": "Footer too"})
    assert proved.status_code == 200, proved.json
    assert proved.json["status"] == "done"
    [item] = rows(WorkItem, agency.agency.id)
    assert item.status == "done" and "https://clinic.example/hours" in item.outcome
    history = mine("GET", f"{base}/sites/{site['id']}/updates").json
    assert history[0]["proof_url"] == "https://clinic.example/hours"
    image = mine("GET", f"{base}/site-files/{kept.json['id']}")
    assert image.status_code == 200 and image.data[:4] == b"\x89PNG"


def test_publishing_creates_the_post_with_its_image_in_wordpress(client, app, agency, wordpress):
    call = api_as(client, agency.manager)
    base = f"/api/v1/clients/{agency.client.id}"
    site = _wordpress_site(call, agency.client.id, wordpress)
    mine = api_as(client, agency.client_user)
    update = mine("POST", f"{base}/sites/{site['id']}/updates",
                  {"text": "Our Christmas stollen is back"}).json  # fmt: skip
    image = mine("POST", f"{base}/site-updates/{update['id']}/files?filename=stollen.png",
                 data=png(), content_type="application/octet-stream").json  # fmt: skip
    [item_id] = [i.id for i in rows(WorkItem, agency.agency.id)]
    _claim(client, agency, item_id)
    office = api_as(client, agency.secretary)
    made = office("POST", f"{base}/sites/{site['id']}/publications", {
        "title": "Christmas stollen", "body": "Back from Monday.\n\nOrder <b>now</b>.",
        "image_id": image["id"], "update_id": update["id"],
    })  # fmt: skip
    assert made.status_code == 201, made.json
    published = office("POST", f"{base}/publications/{made.json['id']}/publish")
    assert published.status_code == 200, published.json
    post = published.json
    assert post["state"] == "published" and post["remote_url"].startswith(wordpress.base)

    remote = wordpress.get(f"/wp/v2/posts/{post['remote_id']}", context="edit").json()
    assert remote["status"] == "publish" and remote["title"]["raw"] == "Christmas stollen"
    assert "Order &lt;b&gt;now&lt;/b&gt;." in remote["content"]["raw"]  # text, not markup
    media = wordpress.get(f"/wp/v2/media/{remote['featured_media']}").json()
    assert media["mime_type"] == "image/png" and media["source_url"] in remote["content"]["raw"]
    [[status]] = wordpress.query(f"SELECT post_status FROM wp_posts WHERE ID = {post['remote_id']}")
    assert status == "publish"
    assert requests.get(post["remote_url"], timeout=10).status_code == 200

    [item] = rows(WorkItem, agency.agency.id)
    assert item.status == "done" and post["remote_url"] in item.outcome
    [kept] = rows(SiteUpdate, agency.agency.id)
    assert kept.status == "done" and kept.proof_url == post["remote_url"]


def test_a_wrong_application_password_leaves_the_item_open_with_the_reason(
    client, app, agency, wordpress
):
    call = api_as(client, agency.manager)
    base = f"/api/v1/clients/{agency.client.id}"
    site = _wordpress_site(call, agency.client.id, wordpress, password="abcd efgh ijkl mnop")
    update = api_as(client, agency.client_user)(
        "POST", f"{base}/sites/{site['id']}/updates", {"text": "New menu"}
    ).json
    [item_id] = [i.id for i in rows(WorkItem, agency.agency.id)]
    _claim(client, agency, item_id)
    office = api_as(client, agency.secretary)
    made = office("POST", f"{base}/sites/{site['id']}/publications",
                  {"title": "Menu", "body": "Soup.", "update_id": update["id"]}).json  # fmt: skip
    before = wordpress.query("SELECT COUNT(*) FROM wp_posts WHERE post_type = 'post'")
    refused = office("POST", f"{base}/publications/{made['id']}/publish")
    assert refused.status_code == 424
    assert "refused the login" in refused.json["error"]["message"]
    assert wordpress.query("SELECT COUNT(*) FROM wp_posts WHERE post_type = 'post'") == before
    [item] = rows(WorkItem, agency.agency.id)
    assert item.status == "in_progress"  # still open
    [kept] = rows(Publication, agency.agency.id)
    assert kept.state == "failed" and "refused the login" in kept.error
    [update_row] = rows(SiteUpdate, agency.agency.id)
    assert update_row.status == "requested"
    with use_agency(agency.agency.id):
        actions = [e.action for e in db.session.get(WorkItem, item_id).events]
    db.session.remove()
    assert "publish_failed" in actions


def test_the_client_approves_before_it_is_published(client, app, agency, wordpress):
    call = api_as(client, agency.manager)
    base = f"/api/v1/clients/{agency.client.id}"
    site = _wordpress_site(call, agency.client.id, wordpress, approve_before_publishing=True)
    office = api_as(client, agency.secretary)
    made = office("POST", f"{base}/sites/{site['id']}/publications",
                  {"title": "Opening hours", "body": "Mon-Fri 8-18", "kind": "page",
                   "publish_as": "draft"}).json  # fmt: skip
    pending = office("POST", f"{base}/publications/{made['id']}/publish")
    assert pending.json["state"] == "awaiting_approval" and pending.json["remote_id"] is None
    assert office("POST", f"{base}/publications/{made['id']}/approve").status_code == 403
    mine = api_as(client, agency.client_user)
    approved = mine("POST", f"{base}/publications/{made['id']}/approve")
    assert approved.status_code == 200 and approved.json["state"] == "published"
    page = wordpress.get(f"/wp/v2/pages/{approved.json['remote_id']}", context="edit").json()
    assert page["status"] == "draft" and page["title"]["raw"] == "Opening hours"


def test_bad_input_changes_nothing(client, app, agency, other_agency):
    call = api_as(client, agency.manager)
    base = f"/api/v1/clients/{agency.client.id}"
    theirs = api_as(client, other_agency.manager)(
        "POST", f"/api/v1/clients/{other_agency.client.id}/vault", {"label": "Theirs"}
    ).json
    for body in (
        {"name": "Site", "url": "javascript:alert(1)"},
        {"name": "Site", "url": "https://a.example", "platform": "geocities"},
        {"name": " ", "url": "https://a.example"},
        {"name": "Site", "url": "https://a.example", "vault_entry_id": theirs["id"]},
        {"name": "Site", "url": "https://a.example", "checklist": ["x"] * 21},
    ):
        answer = call("POST", f"{base}/sites", body)
        assert answer.status_code == 422, (body, answer.json)
    assert (
        call("POST", f"{base}/sites", data=b"{", content_type="application/json").status_code == 400
    )
    assert rows(Website, agency.agency.id) == []
    site = call("POST", f"{base}/sites", {"name": "Site", "url": "https://a.example",
                                          "platform": "other"}).json  # fmt: skip
    other = call("POST", f"{base}/sites/{site['id']}/publications", {"title": "T", "body": "B"})
    assert other.status_code == 422  # not WordPress
    big = call("POST", f"{base}/sites/{site['id']}/updates", {"text": "x" * 5001})
    assert big.status_code == 422
    assert rows(SiteUpdate, agency.agency.id) == [] and rows(Publication, agency.agency.id) == []
    assert rows(SiteFile, agency.agency.id) == [] and rows(WorkItem, agency.agency.id) == []


class _Site(BaseHTTPRequestHandler):
    """A web server that is not WordPress: an HTML page, or a redirect elsewhere."""

    hits: list = []
    location: str | None = None

    def do_GET(self):  # noqa: N802
        type(self).hits.append(self.path)
        if self.location:
            self.send_response(302)
            self.send_header("Location", self.location)
            self.end_headers()
            return
        body = b"<html><body>A shop</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET

    def log_message(self, *args):
        pass


def _serve(host: str, **attrs):
    handler = type("Handler", (_Site,), {"hits": [], **attrs})
    server = ThreadingHTTPServer((host, 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, handler, f"http://{host}:{server.server_address[1]}"


def test_a_site_that_is_away_not_wordpress_or_redirects_elsewhere_is_refused_in_words(
    client, app, agency
):
    call = api_as(client, agency.manager)
    base = f"/api/v1/clients/{agency.client.id}"
    entry = call("POST", f"{base}/vault", {"label": "Login", "username": "admin",
                                           "secret": "abcd efgh ijkl mnop"}).json  # fmt: skip
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    html, _html_handler, html_url = _serve("127.0.0.1")
    other, elsewhere, other_url = _serve("127.0.0.2")
    bouncer, _bounce_handler, bounce_url = _serve("127.0.0.1", location=f"{other_url}/wp-json/")
    try:
        for url, said in (
            (closed, "cannot be reached"),
            (html_url, "does not announce a WordPress REST API"),
            (bounce_url, "sent us to 127.0.0.2"),
        ):
            site = call("POST", f"{base}/sites", {"name": "Shop", "url": url,
                                                  "platform": "wordpress",
                                                  "vault_entry_id": entry["id"]}).json  # fmt: skip
            made = call("POST", f"{base}/sites/{site['id']}/publications",
                        {"title": "Offer", "body": "Ten percent off."}).json  # fmt: skip
            answer = call("POST", f"{base}/publications/{made['id']}/publish")
            assert answer.status_code == 424 and said in answer.json["error"]["message"], url
            kept = call("GET", f"{base}/sites/{site['id']}/publications").json
            assert kept[0]["state"] == "failed" and said in kept[0]["error"]
        assert elsewhere.hits == []  # nothing was sent to the other host
    finally:
        for server in (html, other, bouncer):
            server.shutdown()
            server.server_close()


def test_a_scheduled_update_is_done_by_publishing_from_its_item(client, app, agency, wordpress):
    call = api_as(client, agency.manager)
    base = f"/api/v1/clients/{agency.client.id}"
    site = _wordpress_site(call, agency.client.id, wordpress)
    assert call("PUT", f"{base}/sites/{site['id']}/schedule",
                {"frequency": "daily", "time_of_day": "00:00"}).status_code == 200  # fmt: skip
    with use_agency(agency.agency.id):
        assert rules.materialise_due(clock.now() + timedelta(days=1, hours=1)) >= 1
    db.session.remove()
    [item_id] = [i.id for i in rows(WorkItem, agency.agency.id)][:1]
    _claim(client, agency, item_id)
    desk = app.test_client()
    sign_in(desk, agency.secretary)
    shown = desk.get(f"/desk/items/{item_id}").get_data(as_text=True)
    assert f"/desk/sites/{agency.client.id}/{site['id']}?item={item_id}" in shown
    other_client = call("POST", f"{base}/sites/{site['id']}/publications",
                        {"title": "T", "body": "B", "item_id": 999999})  # fmt: skip
    assert other_client.status_code == 422 and "item_id" in other_client.json["error"]["fields"]
    offer = {"title": "This week's offer", "body": "Two for one.", "item_id": item_id}
    made = call("POST", f"{base}/sites/{site['id']}/publications", offer).json
    published = api_as(client, agency.secretary)(
        "POST", f"{base}/publications/{made['id']}/publish"
    )
    assert published.json["state"] == "published"
    with use_agency(agency.agency.id):
        item = db.session.get(WorkItem, item_id)
        assert item.status == "done" and published.json["remote_url"] in item.outcome
    db.session.remove()
