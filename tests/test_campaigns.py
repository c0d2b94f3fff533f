"""Promotions: consent is a record, and only the client's consenting, unsuppressed
contacts get a campaign; the client approves it; it goes to the SMTP server once per
recipient, however often it is started; the one-click unsubscribe (RFC 8058) works by
POST without a login, by GET with a confirmation, is idempotent and refuses a tampered
link; bad input is refused before anything is queued."""

from datetime import timedelta

from agency.domains.clients.models import Contact
from agency.domains.promotions.models import Campaign, Consent, Recipient, Suppression
from agency.kernel import clock
from agency.kernel.database import db
from tenants import use_agency
from tests.billing_seed import api_as
from tests.conftest import rows, sign_in
from tests.mailbox import body
from tests.test_desk_live import Statements

CONTACTS = [
    ("Ana Lima", "ana@customers.example", "customer", "in_person"),
    ("Bruno Reis", "bruno@customers.example", "customer", "import"),
    ("Carla Dias", "carla@partners.example", "partner", "signup_form"),
    ("Duarte Sá", "duarte@customers.example", "customer", None),  # never consented
]


def _contacts(agency, extra=()):
    with use_agency(agency.agency.id):
        made = {}
        for name, email, kind, _method in [*CONTACTS, *extra]:
            contact = Contact(client_id=agency.client.id, name=name, email=email, kind=kind)
            db.session.add(contact)
            db.session.flush()
            made[email] = contact.id
        db.session.commit()
    db.session.remove()
    return made


def _consent(client, agency, contacts, extra=()):
    call = api_as(client, agency.secretary)
    base = f"/api/v1/clients/{agency.client.id}/contacts"
    for _name, email, _kind, method in [*CONTACTS, *extra]:
        if method is None:
            continue
        body_ = {"given": True, "method": method, "wording": "Yes, send me the offers"}
        if method == "import":
            body_["source"] = "Shop loyalty cards, signed 2026"
        answer = call("POST", f"{base}/{contacts[email]}/consents", body_)
        assert answer.status_code == 201, answer.json


def _approved(client, agency, **extra):
    office = api_as(client, agency.secretary)
    base = f"/api/v1/clients/{agency.client.id}/campaigns"
    made = office("POST", base, {
        "subject": "{first_name}, our winter offer", "body": "Dear {name},\n\nTen percent off.",
        "send_at": (clock.now() + timedelta(minutes=5)).isoformat(), **extra,
    })  # fmt: skip
    assert made.status_code == 201, made.json
    assert office("POST", f"{base}/{made.json['id']}/submit").json["status"] == (
        "awaiting_approval"
    )
    assert office("POST", f"{base}/{made.json['id']}/approve").status_code == 403
    approved = api_as(client, agency.client_user)("POST", f"{base}/{made.json['id']}/approve")
    assert approved.json["status"] == "scheduled", approved.json
    return made.json["id"]


def _start(app, agency, minutes=6):
    from agency.domains.promotions import campaigns

    with use_agency(agency.agency.id):
        started = campaigns.start_due(clock.now() + timedelta(minutes=minutes))
        db.session.commit()
    db.session.remove()
    return started


def test_only_consenting_unsuppressed_contacts_of_the_client_receive_it_once(
    client, app, agency, other_agency, mail, drain
):
    app.config["CAMPAIGN_MESSAGES_PER_SECOND"] = 0
    contacts = _contacts(
        agency, [("Eva Suppressed", "eva@customers.example", "customer", "office")]
    )
    _consent(client, agency, contacts, [("Eva", "eva@customers.example", "customer", "office")])
    with use_agency(agency.agency.id):
        from agency.domains.promotions import consent

        consent.suppress(agency.client.id, "EVA@customers.example", "bounced")
        db.session.commit()
    db.session.remove()
    bravo = _contacts(other_agency)  # the other agency's contacts, with the same addresses
    _consent(client, other_agency, bravo)
    campaign_id = _approved(client, agency)
    assert _start(app, agency) == 1
    drain()
    got = sorted(m["X-Envelope-To"] for m in mail.messages)
    assert got == ["ana@customers.example", "bruno@customers.example", "carla@partners.example"]
    ana = mail.to("ana@customers.example")[0]
    assert ana["Subject"] == "Ana, our winter offer" and "Dear Ana Lima," in body(ana)
    assert ana["From"].startswith("Alpha Client")
    assert ana["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert ana["List-Unsubscribe"].startswith("<http://localhost/unsubscribe/")
    [campaign] = rows(Campaign, agency.agency.id)
    assert campaign.status == "sent"

    # Started again (a retried job, a second tick): nothing more is sent.
    from workers.jobs import send_campaign

    with use_agency(agency.agency.id):
        db.session.get(Campaign, campaign_id).status = "sending"
        db.session.commit()
    db.session.remove()
    send_campaign(agency.agency.id, campaign_id)
    assert _start(app, agency) == 0
    drain()
    assert len(mail.messages) == 3
    counts = api_as(client, agency.secretary)(
        "GET", f"/api/v1/clients/{agency.client.id}/campaigns/{campaign_id}"
    ).json["counts"]
    assert (counts["total"], counts["sent"]) == (3, 3)


def test_one_click_unsubscribe_by_post_and_get(client, app, agency, mail, drain):
    app.config["CAMPAIGN_MESSAGES_PER_SECOND"] = 0
    contacts = _contacts(agency)
    _consent(client, agency, contacts)
    _approved(client, agency)
    _start(app, agency)
    drain()
    link = mail.to("ana@customers.example")[0]["List-Unsubscribe"].strip("<>")
    path = link.replace("http://localhost", "")
    visitor = app.test_client()
    shown = visitor.get(path)
    assert shown.status_code == 200 and "ana@customers.example" in shown.get_data(as_text=True)
    assert rows(Suppression, agency.agency.id) == []  # GET only asks
    one_click = visitor.post(
        path, data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )  # fmt: skip
    assert one_click.status_code == 200
    again = visitor.post(path, data="List-Unsubscribe=One-Click",
                         content_type="application/x-www-form-urlencoded")  # fmt: skip
    assert again.status_code == 200
    [suppressed] = rows(Suppression, agency.agency.id)
    assert (suppressed.address, suppressed.reason) == ("ana@customers.example", "unsubscribed")
    ana_records = [c for c in rows(Consent, agency.agency.id) if c.contact_id == contacts[
        "ana@customers.example"]]  # fmt: skip
    assert [c.given for c in sorted(ana_records, key=lambda c: c.id)] == [True, False]
    [ana] = [r for r in rows(Recipient, agency.agency.id) if r.address.startswith("ana")]
    assert ana.status == "unsubscribed"
    tampered = visitor.post(path[:-3] + "xyz", data="List-Unsubscribe=One-Click",
                            content_type="application/x-www-form-urlencoded")  # fmt: skip
    assert tampered.status_code == 400
    assert len(rows(Suppression, agency.agency.id)) == 1

    # Ana is left out of the next campaign.
    mail.clear()
    _approved(client, agency)
    _start(app, agency)
    drain()
    assert sorted(m["X-Envelope-To"] for m in mail.messages) == [
        "bruno@customers.example", "carla@partners.example",
    ]  # fmt: skip


def test_bad_campaigns_are_refused_before_anything_is_queued(client, app, agency):
    contacts = _contacts(agency)
    office = api_as(client, agency.secretary)
    base = f"/api/v1/clients/{agency.client.id}/campaigns"
    later = (clock.now() + timedelta(hours=1)).isoformat()
    good = {"subject": "Offer", "body": "Hello {first_name}", "send_at": later}
    assert office("POST", base, good).status_code == 422  # nobody has consented yet
    _consent(client, agency, contacts)
    for bad, field in (
        ({**good, "body": "Hello {firstname}"}, "body"),
        ({**good, "subject": "Hello {first_name"}, "subject"),
        ({**good, "body": "x" * 50_001}, "body"),
        ({**good, "send_at": (clock.now() - timedelta(minutes=1)).isoformat()}, "send_at"),
        ({**good, "kinds": ["press"]}, "kinds"),
        ({**good, "kinds": ["aliens"]}, "kinds"),
    ):
        answer = office("POST", base, bad)
        assert answer.status_code == 422 and field in answer.json["error"]["fields"], bad
    consents = f"/api/v1/clients/{agency.client.id}/contacts/{contacts['duarte@customers.example']}"
    no_source = office("POST", f"{consents}/consents", {"given": True, "method": "import"})
    assert no_source.status_code == 422 and "source" in no_source.json["error"]["fields"]
    assert rows(Campaign, agency.agency.id) == [] and rows(Recipient, agency.agency.id) == []
    assert api_as(client, agency.client_user)("POST", base, good).status_code == 403


BOUNCE = (
    "From: Mail Delivery System <mailer-daemon@mx.example>\r\nTo: {to}\r\n"
    "Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <bounce-9@mx.example>\r\n"
    "Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n"
    'Content-Type: multipart/report; report-type=delivery-status; boundary="r"\r\n\r\n'
    "--r\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n"
    "--r\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example\r\n\r\n"
    "Final-Recipient: rfc822; bruno@customers.example\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
    "--r\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: {original}\r\n"
    "To: bruno@customers.example\r\n\r\n--r--\r\n"
)


def test_a_bounce_through_the_inbound_hook_suppresses_the_address(
    client, app, agency, mail, drain, inbox
):
    from tests.test_mail import deliver

    app.config["CAMPAIGN_MESSAGES_PER_SECOND"] = 0
    contacts = _contacts(agency)
    _consent(client, agency, contacts)
    campaign_id = _approved(client, agency)
    _start(app, agency)
    drain()
    original = mail.to("bruno@customers.example")[0]["Message-ID"]
    key, address = inbox
    report = deliver(client, key, BOUNCE.format(to=address, original=original).encode())
    assert report.triage == "ignored"
    [suppressed] = rows(Suppression, agency.agency.id)
    assert (suppressed.address, suppressed.reason) == ("bruno@customers.example", "bounced")
    again = api_as(client, agency.secretary)(
        "POST", f"/api/v1/clients/{agency.client.id}/contacts/{contacts['bruno@customers.example']}"
        "/consents", {"given": True, "method": "in_person"},
    )  # fmt: skip
    assert again.status_code == 422 and "is stopped" in again.json["error"]["message"]
    counts = api_as(client, agency.secretary)(
        "GET", f"/api/v1/clients/{agency.client.id}/campaigns/{campaign_id}"
    ).json["counts"]
    assert (counts["sent"], counts["bounced"]) == (2, 1)
    portal = app.test_client()
    from tests.conftest import sign_in

    sign_in(portal, agency.client_user)
    report_page = portal.get("/portal/campaigns").get_data(as_text=True)
    assert 'data-count="bounced">1<' in report_page
    assert 'data-total="suppressed">1<' in report_page and 'data-total="sent">2<' in report_page


def test_the_desk_writes_it_and_the_client_approves_it_in_the_portal(
    client, app, agency, mail, drain, login_as
):
    from tests.conftest import post_form, sign_in

    app.config["CAMPAIGN_MESSAGES_PER_SECOND"] = 0
    contacts = _contacts(agency)
    desk = login_as(agency.secretary)
    page = f"/desk/contacts/{agency.client.id}/{contacts['ana@customers.example']}"
    said = {"given": "y", "method": "in_person", "wording": "Yes please"}
    recorded = post_form(desk, f"{page}/consents", said, page=page)
    assert recorded.status_code == 302
    assert "Yes please" in desk.get(page).get_data(as_text=True)
    campaigns_page = f"/desk/campaigns/{agency.client.id}"
    send_at = (clock.now() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    broken = post_form(desk, campaigns_page, {"subject": "Hi {first_name", "body": "Hello",
                                              "send_at": send_at}, page=campaigns_page)  # fmt: skip
    assert broken.status_code == 422 and rows(Campaign, agency.agency.id) == []
    made = post_form(desk, campaigns_page, {"subject": "Hi {first_name}", "body": "Hello",
                                            "send_at": send_at, "kinds": ["customer"]},
                     page=campaigns_page)  # fmt: skip
    assert made.status_code == 302, made.get_data(as_text=True)
    [campaign] = rows(Campaign, agency.agency.id)
    campaign_id = campaign.id
    one = f"{campaigns_page}/{campaign_id}"
    assert post_form(desk, f"{one}/submit", {}, page=one).status_code == 302
    portal = app.test_client()
    sign_in(portal, agency.client_user)
    waiting = portal.get("/portal/campaigns").get_data(as_text=True)
    assert "Hi Ana" in waiting and f"approve-campaign-{campaign_id}" in waiting
    assert post_form(portal, f"/portal/campaigns/{campaign_id}/approve", {},
                     page="/portal/campaigns").status_code == 302  # fmt: skip
    _start(app, agency, minutes=121)
    drain()
    assert [m["X-Envelope-To"] for m in mail.messages] == ["ana@customers.example"]
    shown = desk.get(one).get_data(as_text=True)
    assert 'data-count="sent">1<' in shown
    assert 'data-count="sent">1<' in portal.get("/portal/campaigns").get_data(as_text=True)


def test_double_opt_in_records_consent_only_once_confirmed(client, app, agency, mail, drain):
    import re

    from agency.domains.clients.models import Client
    from agency.domains.promotions import signup
    from tests.conftest import csrf_from

    with use_agency(agency.agency.id):
        form = signup.form_url(db.session.get(Client, agency.client.id)).replace(
            "http://localhost", ""
        )
    db.session.remove()
    visitor = app.test_client()
    page = visitor.get(form)
    assert page.status_code == 200 and "Alpha Client" in page.get_data(as_text=True)
    bad = visitor.post(form, data={"name": "Rui", "email": "not an address"})
    assert bad.status_code == 422 and "valid email" in bad.get_data(as_text=True)
    asked = visitor.post(form, data={"name": "Rui Melo", "email": "Rui@Readers.example"})
    assert asked.status_code == 200 and 'id="signup-asked"' in asked.get_data(as_text=True)
    assert rows(Contact, agency.agency.id) == [] and rows(Consent, agency.agency.id) == []
    drain()
    letter = body(mail.wait_for("rui@readers.example"))
    confirm = re.search(r"http://localhost(/join/confirm/\S+)", letter).group(1)
    shown = visitor.get(confirm)  # a mail scanner opening the link records nothing
    assert shown.status_code == 200 and rows(Consent, agency.agency.id) == []
    token = csrf_from(shown.get_data(as_text=True))
    for _twice in range(2):
        done = visitor.post(confirm, data={"csrf_token": token})
        assert done.status_code == 200 and "You are on the list" in done.get_data(as_text=True)
    [contact] = rows(Contact, agency.agency.id)
    assert (contact.name, contact.email) == ("Rui Melo", "rui@readers.example")
    [record] = rows(Consent, agency.agency.id)
    assert (record.method, record.given) == ("signup_form", True)
    assert "news and offers from Alpha Client" in record.wording
    assert visitor.get(confirm[:-4] + "abcd").status_code == 400
    assert visitor.get("/join/not-a-valid-token").status_code == 400


COMPLAINT = (
    "From: Feedback Loop <fbl@isp.example>\r\nTo: {to}\r\nSubject: Abuse report\r\n"
    "Message-ID: <fbl-1@isp.example>\r\nMIME-Version: 1.0\r\n"
    'Content-Type: multipart/report; report-type=feedback-report; boundary="f"\r\n\r\n'
    "--f\r\nContent-Type: text/plain\r\n\r\nA complaint about a message.\r\n"
    "--f\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: abuse\r\n"
    "User-Agent: isp-fbl/1.0\r\nVersion: 1\r\nOriginal-Rcpt-To: <carla@partners.example>\r\n\r\n"
    "--f\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: {original}\r\n\r\n--f--\r\n"
)


def test_a_complaint_through_the_inbound_hook_suppresses_and_withdraws(
    client, app, agency, mail, drain, inbox
):
    from tests.test_mail import deliver

    app.config["CAMPAIGN_MESSAGES_PER_SECOND"] = 0
    contacts = _contacts(agency)
    _consent(client, agency, contacts)
    _approved(client, agency)
    _start(app, agency)
    drain()
    original = mail.to("carla@partners.example")[0]["Message-ID"]
    key, address = inbox
    assert deliver(
        client, key, COMPLAINT.format(to=address, original=original).encode()
    ).triage == ("ignored")
    [suppressed] = rows(Suppression, agency.agency.id)
    assert (suppressed.address, suppressed.reason) == ("carla@partners.example", "complaint")
    carla_id = contacts["carla@partners.example"]
    records = [c for c in rows(Consent, agency.agency.id) if c.contact_id == carla_id]
    carla = sorted(records, key=lambda c: c.id)
    assert [c.given for c in carla] == [True, False]


def test_the_promotion_goes_on_the_clients_website_too(client, app, agency, mail, drain):
    from agency.domains.work.models import WorkItem
    from tests.conftest import sign_in

    app.config["CAMPAIGN_MESSAGES_PER_SECOND"] = 0
    contacts = _contacts(agency)
    _consent(client, agency, contacts)
    office = api_as(client, agency.secretary)
    base = f"/api/v1/clients/{agency.client.id}"
    theirs = 999_999
    later = (clock.now() + timedelta(minutes=5)).isoformat()
    offer = {"subject": "{first_name}, our winter offer", "body": "Ten percent off.",
             "send_at": later}  # fmt: skip
    wrong = office("POST", f"{base}/campaigns", {**offer, "website_id": theirs})
    assert wrong.status_code == 422 and "website_id" in wrong.json["error"]["fields"]
    site = api_as(client, agency.manager)("POST", f"{base}/sites", {
        "name": "Shop", "url": "https://shop.example", "platform": "wordpress"}).json  # fmt: skip
    _approved(client, agency, website_id=site["id"])
    _start(app, agency)
    _start(app, agency)  # a second tick makes no second post
    drain()
    [post] = [i for i in rows(WorkItem, agency.agency.id) if i.kind == "website_update"]
    assert post.links["website_id"] == site["id"] and post.body == "Ten percent off."
    post_id = post.id
    desk = app.test_client()
    sign_in(desk, agency.secretary)
    opened = f"/desk/sites/{agency.client.id}/{site['id']}?item={post_id}"
    assert opened in desk.get(f"/desk/items/{post_id}").get_data(as_text=True)
    page = desk.get(opened).get_data(as_text=True)
    assert "Our winter offer" in page and "Ten percent off." in page


def test_a_segment_by_tag_and_language_writes_in_the_readers_language(
    client, app, agency, mail, drain
):
    app.config["CAMPAIGN_MESSAGES_PER_SECOND"] = 0
    contacts = _contacts(agency)
    _consent(client, agency, contacts)
    manager = api_as(client, agency.manager)
    base = f"/api/v1/clients/{agency.client.id}"
    for email, tags, language in (
        ("ana@customers.example", ["Loyal Customer"], "pt"),
        ("bruno@customers.example", ["loyal-customer"], "de"),
        ("carla@partners.example", ["press"], "pt"),
    ):
        changed = manager("PATCH", f"{base}/contacts/{contacts[email]}",
                          {"tags": tags, "language": language})  # fmt: skip
        assert changed.status_code == 200, changed.json
    assert manager("PATCH", f"{base}/contacts/{contacts['ana@customers.example']}",
                   {"language": "klingon"}).status_code == 422  # fmt: skip
    _approved(client, agency, tags=["loyal-customer"], languages=["pt", "de"])
    _start(app, agency)
    drain()
    got = sorted(m["X-Envelope-To"] for m in mail.messages)
    assert got == ["ana@customers.example", "bruno@customers.example"]
    assert "Abmelden" in body(mail.to("bruno@customers.example")[0])
    assert "Cancelar a subscrição" in body(mail.to("ana@customers.example")[0])
    none = api_as(client, agency.secretary)("POST", f"{base}/campaigns", {
        "subject": "S", "body": "B", "tags": ["nobody-has-this"],
        "send_at": (clock.now() + timedelta(hours=1)).isoformat()})  # fmt: skip
    assert none.status_code == 422


def test_clicks_are_counted_only_where_the_client_turns_it_on(client, app, agency, mail, drain):
    import re

    app.config["CAMPAIGN_MESSAGES_PER_SECOND"] = 0
    contacts = _contacts(agency)
    _consent(client, agency, contacts)
    link_body = {"body": "Dear {name},\n\nSee https://shop.example/winter?ref=mail today."}
    _approved(client, agency, **link_body)
    _start(app, agency)
    drain()
    plain = body(mail.to("ana@customers.example")[0])
    assert "https://shop.example/winter?ref=mail" in plain and "/c/" not in plain  # off
    settings = f"/api/v1/clients/{agency.client.id}/campaign-settings"
    assert (
        api_as(client, agency.secretary)("PUT", settings, {"track_clicks": True}).status_code == 403
    )
    mine = api_as(client, agency.client_user)
    assert mine("GET", settings).json == {"track_clicks": False}  # off until turned on
    assert mine("PUT", settings, {"track_clicks": True}).json == {"track_clicks": True}
    mail.clear()
    campaign_id = _approved(client, agency, **link_body)
    _start(app, agency)
    drain()
    counted = re.search(r"http://localhost(/c/\S+)", body(mail.to("ana@customers.example")[0]))
    visitor = app.test_client()
    for _twice in range(2):
        followed = visitor.get(counted.group(1))
        assert followed.status_code == 302
        assert followed.headers["Location"] == "https://shop.example/winter?ref=mail"
    assert visitor.get(counted.group(1)[:-4] + "abcd").status_code == 400
    report = mine("GET", f"/api/v1/clients/{agency.client.id}/campaigns/{campaign_id}").json
    assert report["counts"]["clicked"] == 1  # one reader, however many clicks


def test_a_segment_by_last_contact(client, app, agency):
    from agency.domains.clients.models import ContactNote

    contacts = _contacts(agency)
    _consent(client, agency, contacts)
    with use_agency(agency.agency.id):
        db.session.add(ContactNote(contact_id=contacts["ana@customers.example"], text="Called",
                                   agency_id=agency.agency.id))  # fmt: skip
        db.session.add(ContactNote(contact_id=contacts["bruno@customers.example"], text="Old",
                                   agency_id=agency.agency.id,
                                   created_at=clock.now() - timedelta(days=90)))  # fmt: skip
        db.session.commit()
    db.session.remove()
    office = api_as(client, agency.secretary)
    base = f"/api/v1/clients/{agency.client.id}/campaigns"
    later = (clock.now() + timedelta(hours=1)).isoformat()
    recent = office("POST", base, {"subject": "S", "body": "B", "send_at": later,
                                   "contacted_within_days": 30})  # fmt: skip
    assert recent.status_code == 201 and recent.json["contacted_within_days"] == 30
    lapsed = office("POST", base, {"subject": "S", "body": "B", "send_at": later,
                                   "quiet_for_days": 30})  # fmt: skip
    with use_agency(agency.agency.id):
        from agency.domains.promotions import campaigns

        def emails(campaign_id):
            return sorted(
                c.email for c in campaigns.audience(db.session.get(Campaign, campaign_id))
            )

        assert emails(recent.json["id"]) == ["ana@customers.example"]
        assert emails(lapsed.json["id"]) == ["bruno@customers.example", "carla@partners.example"]
    db.session.remove()
    bad = office("POST", base, {"subject": "S", "body": "B", "send_at": later,
                                "quiet_for_days": 0})  # fmt: skip
    assert bad.status_code == 422


def test_the_campaign_lists_read_as_much_for_one_campaign_as_for_many(
    client, app, agency, login_as
):
    """The desk's and the portal's campaign pages and the API's list count the
    recipients and clicks of every campaign at once and look up the first reader of an
    audience once; a saved list is counted by the database."""
    contacts = _contacts(agency)
    _consent(client, agency, contacts)
    office = api_as(client, agency.secretary)
    base = f"/api/v1/clients/{agency.client.id}"
    customers = office("POST", f"{base}/lists", {"name": "Customers", "kinds": ["customer"]})
    assert customers.json["count"] == 2  # Ana and Bruno; Duarte never agreed

    def write(n: int):
        made = office("POST", f"{base}/campaigns", {
            "subject": f"{{first_name}}, offer {n}", "body": "Dear {name}",
            "send_at": (clock.now() + timedelta(days=1)).isoformat(),
        })  # fmt: skip
        assert made.status_code == 201, made.json
        assert office("POST", f"{base}/campaigns/{made.json['id']}/submit").status_code == 200

    desk, portal = login_as(agency.secretary), app.test_client()
    sign_in(portal, agency.client_user)
    pages = {
        "desk": (desk.get, f"/desk/campaigns/{agency.client.id}"),
        "portal": (portal.get, "/portal/campaigns"),
        "api": (lambda url: office("GET", url), f"{base}/campaigns"),
    }

    def statements() -> dict[str, int]:
        counted = {}
        for name, (get, url) in pages.items():
            with Statements() as seen:
                assert get(url).status_code == 200
            counted[name] = len(seen.seen)
        return counted

    write(1)
    one = statements()
    for n in range(2, 7):
        write(n)
    many = statements()
    assert many == one
    shown = desk.get(pages["desk"][1]).get_data(as_text=True)
    assert all(f"Ana, offer {n}" in shown for n in range(1, 7))
    assert "2 contacts who agreed" in shown
