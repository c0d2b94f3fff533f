"""The websites on the desk and in the portal: the office adds a site with its vault login
and schedule; the client asks for an update with a picture; the secretary publishes it to
a real WordPress from the update's page, or marks it done by hand with a screenshot; the
client approves a post in the portal and sees the live address in the site's history.
The application password is in no page, log line or email."""

import io
import logging

from agency.domains.notify.models import OutboundEmail
from agency.domains.websites.models import Publication, SiteFile, SiteUpdate, Website
from agency.domains.work.models import WorkItem
from tests.billing_seed import api_as
from tests.conftest import csrf_from, post_form, rows, sign_in
from tests.test_websites import png


def _site_by_form(http, agency, wordpress, approve=False):
    call = api_as(http, agency.manager)
    entry = call("POST", f"/api/v1/clients/{agency.client.id}/vault", {
        "label": "Bakery WordPress", "username": "admin",
        "secret": wordpress.application_password,
    }).json  # fmt: skip
    page = f"/desk/sites/{agency.client.id}"
    form = {"name": "Bakery", "url": wordpress.base, "platform": "wordpress",
            "vault_entry_id": str(entry["id"]), "checklist": "Check the form\n\n"}  # fmt: skip
    if approve:
        form["approve_before_publishing"] = "y"
    bad = post_form(http, page, {**form, "url": "not an address"}, page=page)
    assert bad.status_code == 422 and rows(Website, agency.agency.id) == []
    added = post_form(http, page, form, page=page)
    assert added.status_code == 302, added.get_data(as_text=True)
    [site] = rows(Website, agency.agency.id)
    assert site.checklist == ["Check the form"]
    return site.id


def _ask(app, agency, site_id, text, files=()):
    portal = app.test_client()
    sign_in(portal, agency.client_user)
    page = "/portal/sites"
    token = csrf_from(portal.get(page).get_data(as_text=True))
    prefix = f"site{site_id}-"  # one form per site, each field named after its site
    data = {f"{prefix}text": text, f"{prefix}wished_on": "", f"{prefix}csrf_token": token}
    data[f"{prefix}files"] = [(io.BytesIO(body), name) for name, body in files]
    asked = portal.post(f"/portal/sites/{site_id}/updates", data=data,
                        content_type="multipart/form-data")  # fmt: skip
    assert asked.status_code == 302, asked.get_data(as_text=True)
    return portal


def test_the_client_asks_and_the_secretary_publishes_to_wordpress(
    app, agency, login_as, wordpress, caplog, mail
):
    caplog.set_level(logging.DEBUG)
    desk = login_as(agency.secretary)
    site_id = _site_by_form(desk, agency, wordpress)
    schedule = post_form(desk, f"/desk/sites/{agency.client.id}/{site_id}/schedule",
                         {"frequency": "weekly", "weekdays": "mon, thu", "time_of_day": "09:00"},
                         page=f"/desk/sites/{agency.client.id}/{site_id}")  # fmt: skip
    assert schedule.status_code == 302
    [site] = rows(Website, agency.agency.id)
    assert site.recurring_rule_id is not None

    portal = _ask(app, agency, site_id, "Please post our new bread", [("bread.png", png())])
    [update] = rows(SiteUpdate, agency.agency.id)
    [picture] = rows(SiteFile, agency.agency.id)
    [item] = rows(WorkItem, agency.agency.id)
    update_id, item_id, picture_id = update.id, item.id, picture.id
    desk.post(f"/desk/items/{item_id}/claim", data={"csrf_token": _token(desk, item_id)})
    shown = desk.get(f"/desk/items/{item_id}").get_data(as_text=True)
    assert f"/desk/sites/{agency.client.id}/updates/{update_id}" in shown

    page = f"/desk/sites/{agency.client.id}/updates/{update_id}"
    assert "bread.png" in desk.get(page).get_data(as_text=True)
    published = post_form(
        desk, f"/desk/sites/{agency.client.id}/{site_id}/publications?update={update_id}",
        {"title": "New bread", "body": "Fresh every morning.", "kind": "post",
         "publish_as": "publish", "image_id": str(picture_id)},
        page=page,
    )  # fmt: skip
    assert published.status_code == 302
    [post] = rows(Publication, agency.agency.id)
    assert post.state == "published", post.error
    remote = wordpress.get(f"/wp/v2/posts/{post.remote_id}", context="edit").json()
    assert remote["title"]["raw"] == "New bread" and remote["featured_media"]
    [item] = rows(WorkItem, agency.agency.id)
    assert item.status == "done"

    history = portal.get("/portal/sites").get_data(as_text=True)
    assert post.remote_url in history and "Please post our new bread" in history
    secret = wordpress.application_password
    assert secret not in history and secret not in desk.get(page).get_data(as_text=True)
    assert all(secret not in r.getMessage() for r in caplog.records)
    emails = rows(OutboundEmail, agency.agency.id)
    assert all(secret not in (e.body or "") + (e.subject or "") for e in emails)


def _token(http, item_id):
    return csrf_from(http.get(f"/desk/items/{item_id}").get_data(as_text=True))


def test_done_by_hand_with_a_screenshot(app, agency, login_as):
    desk = login_as(agency.secretary)
    page = f"/desk/sites/{agency.client.id}"
    post_form(desk, page, {"name": "Clinic", "url": "https://clinic.example",
                           "platform": "squarespace"}, page=page)  # fmt: skip
    [site] = rows(Website, agency.agency.id)
    portal = _ask(app, agency, site.id, "New opening hours")
    [update] = rows(SiteUpdate, agency.agency.id)
    [item] = rows(WorkItem, agency.agency.id)
    update_id, item_id = update.id, item.id
    desk.post(f"/desk/items/{item_id}/claim", data={"csrf_token": _token(desk, item_id)})
    done = f"/desk/sites/{agency.client.id}/updates/{update_id}/done"
    update_page = f"/desk/sites/{agency.client.id}/updates/{update_id}"
    not_image = post_form(desk, done, {"url": "https://clinic.example/hours",
                                       "screenshot": (io.BytesIO(b"%PDF-1.4 x"), "shot.pdf")},
                          page=update_page, content_type="multipart/form-data")  # fmt: skip
    assert not_image.status_code == 415
    [update] = rows(SiteUpdate, agency.agency.id)
    assert update.status == "requested"
    proved = post_form(desk, done, {"url": "https://clinic.example/hours", "note": "Footer too",
                                    "screenshot": (io.BytesIO(png()), "shot.png")},
                       page=update_page, content_type="multipart/form-data")  # fmt: skip
    assert proved.status_code == 302
    [item] = rows(WorkItem, agency.agency.id)
    assert item.status == "done"
    history = portal.get("/portal/sites").get_data(as_text=True)
    assert "https://clinic.example/hours" in history and "shot.png" in history
    [shot] = [f for f in rows(SiteFile, agency.agency.id) if f.role == "proof"]
    download = portal.get(f"/portal/site-files/{shot.id}")
    assert download.status_code == 200 and download.data[:4] == b"\x89PNG"


def test_the_client_approves_in_the_portal(app, agency, login_as, wordpress):
    desk = login_as(agency.secretary)
    site_id = _site_by_form(desk, agency, wordpress, approve=True)
    page = f"/desk/sites/{agency.client.id}/{site_id}"
    sent = post_form(desk, f"{page}/publications",
                     {"title": "Winter hours", "body": "Closed on Mondays.", "kind": "page",
                      "publish_as": "publish"}, page=page)  # fmt: skip
    assert sent.status_code == 302
    [post] = rows(Publication, agency.agency.id)
    assert post.state == "awaiting_approval" and post.remote_id is None
    portal = app.test_client()
    sign_in(portal, agency.client_user)
    waiting = portal.get("/portal/sites").get_data(as_text=True)
    assert "Winter hours" in waiting and "Closed on Mondays." in waiting
    approved = post_form(portal, f"/portal/publications/{post.id}/approve", {},
                         page="/portal/sites")  # fmt: skip
    assert approved.status_code == 302
    [post] = rows(Publication, agency.agency.id)
    assert post.state == "published"
    live = wordpress.get(f"/wp/v2/pages/{post.remote_id}", context="edit").json()
    assert live["status"] == "publish" and live["title"]["raw"] == "Winter hours"
    assert post.remote_url in portal.get("/portal/sites").get_data(as_text=True)
