"""Mail on the client's behalf: the inbound hook, triage, replies, approval, letters."""

import io
from email.message import EmailMessage

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from agency.domains.accounts import api_tokens
from agency.domains.accounts.models import User
from agency.domains.billing.models import Expense
from agency.domains.clients.models import Client
from agency.domains.clients.services import create_contact
from agency.domains.contracts.models import Contract
from agency.domains.mail import settings as mail_settings
from agency.domains.mail.models import Dictation, Draft, EmailAttachment, InboundEmail, Letter
from agency.domains.work.models import WorkItem
from agency.kernel.database import db
from tenants import use_agency
from tests.conftest import post_form, read_inbound, rows, snapshot
from tests.mailbox import body
from tests.mime_corpus import REFUSE, corpus


def message(to, subject="Quote request", body="Could you send a quote?", **headers):
    msg = EmailMessage()
    msg["From"] = headers.pop("sender", "Pat Buyer <pat@buyer.example>")
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = headers.pop("message_id", "<m1@buyer.example>")
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return bytes(msg)


def deliver(http, key, raw, **kwargs):
    """POST the message to the hook, then let the reading job read it (the hook answers
    before); the answer's ``triage`` is the message's once read."""
    response = http.post(
        "/hooks/email/inbound",
        data=raw,
        headers={"Content-Type": "message/rfc822", "X-Inbound-Key": key},
        **kwargs,
    )
    response.triage = None
    if response.status_code in (200, 201):
        read_inbound(http.application)
        with use_agency(int(key.split(".")[0])):
            email = db.session.get(InboundEmail, response.get_json()["id"])
            assert email.triage != "pending" and email.raw is None, "the message was not read"
            response.triage = email.triage
        db.session.remove()
    return response


def count(model, agency_id):
    with use_agency(agency_id):
        return len(db.session.scalars(select(model)).all())


def approval_on(agency):
    with use_agency(agency.agency.id):
        db.session.get(Contract, agency.contract.id).approval_required = True
        db.session.commit()


def test_normal_mail_becomes_an_item_and_the_reply_is_threaded(
    client, agency, other_agency, inbox, login_as, drain, mail
):
    key, address = inbox
    raw = message(address, References="<root@buyer.example>", In_Reply_To="<root@buyer.example>")
    response = deliver(client, key, raw)
    assert response.status_code == 201, response.get_json()
    assert response.triage == "reply"
    [item] = rows(WorkItem, agency.agency.id)
    assert item.kind == "email" and item.priority == "normal" and item.sla_due_at is not None
    assert rows(WorkItem, other_agency.agency.id) == []
    item = snapshot(item)

    http = login_as(agency.secretary)
    page = http.get(f"/desk/mail/items/{item.id}/compose").get_data(as_text=True)
    assert "Re: Quote request" in page and "Office of Alpha Client" in page
    response = post_form(
        http,
        f"/desk/mail/items/{item.id}/drafts",
        {
            "to_address": "pat@buyer.example",
            "subject": "Re: Quote request",
            "body": "Here it is.\n\n-- \nOffice of Alpha Client",
            "submit": "send",
        },
        page=f"/desk/mail/items/{item.id}/compose",
    )
    assert response.status_code == 302
    drain()
    reply = mail.wait_for("pat@buyer.example")
    assert reply["In-Reply-To"] == "<m1@buyer.example>"
    assert reply["References"] == "<root@buyer.example> <m1@buyer.example>"
    assert reply["Reply-To"] == address
    assert reply["Message-ID"].endswith("@localhost>")
    assert "Office of Alpha Client" in reply["From"]


def test_urgent_keyword_mail_is_forwarded_to_the_client_at_once(client, agency, inbox, drain, mail):
    key, address = inbox
    with use_agency(agency.agency.id):
        from agency.domains.mail.services import update_rules

        update_rules(db.session.get(Client, agency.client.id), {"urgent_keywords": ["outage"]})
    response = deliver(client, key, message(address, subject="Server OUTAGE now"))
    assert response.triage == "urgent"
    drain()
    forwarded = mail.wait_for(agency.client.email)
    assert "Server OUTAGE now" in forwarded["Subject"]
    [item] = rows(WorkItem, agency.agency.id)
    assert item.priority == "urgent" and item.links["forwarded"] is True


def test_vip_contact_mail_is_urgent(client, agency, inbox, drain, mail):
    key, address = inbox
    with use_agency(agency.agency.id):
        client_row = db.session.get(Client, agency.client.id)
        create_contact(client_row, {"name": "Pat", "email": "pat@buyer.example", "vip": True})
    assert deliver(client, key, message(address)).triage == "urgent"
    drain()
    assert mail.wait_for(agency.client.email)


def test_auto_reply_and_list_mail_make_no_item(client, agency, inbox):
    key, address = inbox
    auto = message(address, message_id="<a1@x>", Auto_Submitted="auto-replied")
    listed = message(address, message_id="<a2@x>", List_Id="<news.example>")
    bulk = message(address, message_id="<a3@x>", Precedence="bulk")
    for raw in (auto, listed, bulk):
        assert deliver(client, key, raw).triage == "ignored"
    assert count(InboundEmail, agency.agency.id) == 3
    assert count(WorkItem, agency.agency.id) == 0


def test_duplicate_message_id_is_kept_once(client, agency, inbox):
    key, address = inbox
    assert deliver(client, key, message(address)).status_code == 201
    again = deliver(client, key, message(address))
    assert again.status_code == 200 and again.get_json()["duplicate"] is True
    assert count(InboundEmail, agency.agency.id) == 1
    assert count(WorkItem, agency.agency.id) == 1


def test_html_with_script_is_sanitised(client, agency, inbox):
    key, address = inbox
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "x@y.example", address, "Hi"
    msg["Message-ID"] = "<h1@y.example>"
    msg.set_content("plain")
    msg.add_alternative('<p onclick="steal()">Hello<script>alert(1)</script></p>', subtype="html")
    msg.add_attachment(b"%PDF-1.4 data", maintype="application", subtype="pdf", filename="q.pdf")
    deliver(client, key, bytes(msg))
    [email] = rows(InboundEmail, agency.agency.id)
    assert "Hello" in email.body_html
    assert "script" not in email.body_html and "onclick" not in email.body_html
    with use_agency(agency.agency.id):
        [attachment] = db.session.get(InboundEmail, email.id).attachments
        assert attachment.filename == "q.pdf" and attachment.data == b"%PDF-1.4 data"


@pytest.mark.parametrize(
    "case",
    ["malformed", "no_from", "oversized", "bad_key", "no_key", "other_agency_key", "wrong_type"],
)
def test_bad_inbound_mail_is_refused_and_nothing_is_written(
    case, app, client, agency, other_agency, inbox
):
    key, address = inbox
    raw = message(address)
    content_type = "message/rfc822"
    if case == "malformed":
        raw = (
            b"From: a@b.example\r\nTo: " + address.encode() + b"\r\nMessage-ID: <z@b>\r\n"
            b'Content-Type: multipart/mixed; boundary="zz"\r\n\r\nno parts here\r\n'
        )
    elif case == "no_from":
        raw = raw.replace(b"From: Pat Buyer <pat@buyer.example>", b"From: nobody")
    elif case == "oversized":
        app.config["MAIL_INBOUND_MAX_BYTES"] = 2000
        raw = message(address, body="x" * 5000)
    elif case == "bad_key":
        key = key + "x"
    elif case == "no_key":
        key = ""
    elif case == "other_agency_key":
        with use_agency(other_agency.agency.id):
            key = mail_settings.agency_settings().inbound_secret
            db.session.commit()
    elif case == "wrong_type":
        content_type = "text/plain"
    response = client.post(
        "/hooks/email/inbound",
        data=raw,
        headers={"Content-Type": content_type, "X-Inbound-Key": key},
    )
    assert 400 <= response.status_code < 500, response.status_code
    assert response.get_json()["error"]["message"]
    assert count(InboundEmail, agency.agency.id) == 0
    assert count(WorkItem, agency.agency.id) == 0


def test_approval_required_draft_waits_until_the_client_approves(
    client, agency, inbox, login_as, drain, mail
):
    approval_on(agency)
    key, address = inbox
    deliver(client, key, message(address))
    [item] = rows(WorkItem, agency.agency.id)
    with use_agency(agency.agency.id):
        from agency.domains.mail.drafting import create_draft

        secretary = db.session.get(User, agency.secretary.id)
        draft = create_draft(
            {
                "client_id": agency.client.id,
                "to_address": "pat@buyer.example",
                "subject": "Re: Quote request",
                "body": "Our quote.",
                "work_item_id": item.id,
                "reply_to_email_id": item.links["inbound_email_id"],
                "submit": True,
            },
            secretary,
        )
        assert draft.status == "pending_approval"
        draft_id = draft.id
    drain()
    assert mail.to("pat@buyer.example") == []

    http = login_as(agency.client_user)
    page = http.get("/portal/mail/").get_data(as_text=True)
    assert "Drafts to approve" in page and "Our quote." in page
    response = post_form(
        http,
        f"/portal/mail/drafts/{draft_id}/approve",
        {"body": "Our quote, approved."},
        page="/portal/mail/",
    )
    assert response.status_code == 302
    drain()
    sent = mail.wait_for("pat@buyer.example")
    assert "Our quote, approved." in body(sent)
    assert sent["In-Reply-To"] == "<m1@buyer.example>"


def test_rejected_draft_is_not_sent_and_keeps_the_note(agency, login_as, drain, mail):
    approval_on(agency)
    with use_agency(agency.agency.id):
        from agency.domains.mail.drafting import create_draft

        draft = create_draft(
            {
                "client_id": agency.client.id,
                "to_address": "pat@buyer.example",
                "subject": "Hello",
                "body": "Text",
                "submit": True,
            },
            db.session.get(User, agency.secretary.id),
        )
        draft_id = draft.id
    http = login_as(agency.client_user)
    post_form(
        http, f"/portal/mail/drafts/{draft_id}/reject", {"note": "Too formal"}, "/portal/mail/"
    )
    drain()
    assert mail.to("pat@buyer.example") == []
    [draft] = rows(Draft, agency.agency.id)
    assert draft.status == "rejected" and draft.review_note == "Too formal"


def test_a_retried_send_job_sends_once(agency, drain, mail):
    from agency.domains.notify.services import deliver as deliver_email
    from agency.kernel.queue import enqueue

    with use_agency(agency.agency.id):
        from agency.domains.mail.drafting import create_draft

        draft = create_draft(
            {
                "client_id": agency.client.id,
                "to_address": "once@buyer.example",
                "subject": "Once",
                "body": "Only once",
                "submit": True,
            },
            db.session.get(User, agency.secretary.id),
        )
        email_id = draft.outbound_email_id
    enqueue("workers.jobs.deliver_email", agency.agency.id, email_id, queue="mail")
    drain()
    with use_agency(agency.agency.id):
        assert deliver_email(email_id) is False
    assert len(mail.to("once@buyer.example")) == 1


def test_letter_pdf_has_the_letter_and_postage_is_an_expense(agency, other_agency, login_as):
    http = login_as(agency.secretary)
    with use_agency(agency.agency.id):
        from agency.domains.mail.letters import create_letter
        from agency.domains.work.creation import create_item

        item, _new = create_item({"client_id": agency.client.id, "kind": "letter", "title": "L"})
        letter = create_letter(
            {
                "client_id": agency.client.id,
                "work_item_id": item.id,
                "recipient_name": "Tax Office",
                "recipient_address": "1 Main Street\nLisbon",
                "subject": "Annual return",
                "body": "Please find our annual return enclosed.",
            },
            db.session.get(User, agency.secretary.id),
        )
        letter_id = letter.id
    response = http.get(f"/desk/mail/letters/{letter_id}/pdf")
    assert response.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "Please find our annual return enclosed." in text
    assert "Alpha Client" in text and "Tax Office" in text
    response = post_form(
        http,
        f"/desk/mail/letters/{letter_id}/mailed",
        {"postage_minor": "185"},
        page=f"/desk/mail/clients/{agency.client.id}/letters",
    )
    assert response.status_code == 302
    [expense] = rows(Expense, agency.agency.id)
    assert (expense.amount_minor, expense.currency) == (185, "EUR")
    assert (expense.client_id, expense.billable) == (agency.client.id, True)
    [letter] = rows(Letter, agency.agency.id)
    assert letter.status == "mailed" and letter.expense_id == expense.id
    assert rows(Expense, other_agency.agency.id) == []


def test_dictation_in_the_portal_becomes_an_item(agency, login_as):
    http = login_as(agency.client_user)
    response = post_form(
        http, "/portal/mail/dictations", {"text": "Write to Pat about the quote."}, "/portal/mail/"
    )
    assert response.status_code == 302
    [dictation] = rows(Dictation, agency.agency.id)
    [item] = rows(WorkItem, agency.agency.id)
    assert item.kind == "dictation" and dictation.work_item_id == item.id


def test_dictation_audio_is_checked_by_type_and_content(agency, login_as):
    http = login_as(agency.client_user)
    fake = (io.BytesIO(b"not audio at all"), "note.mp3", "audio/mpeg")
    response = post_form(
        http, "/portal/mail/dictations", {"text": "", "audio": fake}, "/portal/mail/"
    )
    assert response.status_code == 422
    assert count(Dictation, agency.agency.id) == 0
    wav = b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 28
    response = post_form(
        http,
        "/portal/mail/dictations",
        {"text": "", "audio": (io.BytesIO(wav), "note.wav", "audio/wav")},
        "/portal/mail/",
    )
    assert response.status_code == 302
    [dictation] = rows(Dictation, agency.agency.id)
    assert dictation.audio_type == "audio/wav" and dictation.audio_size == len(wav)


def test_canned_response_fills_its_variables_in_the_clients_language(agency, inbox, login_as):
    with use_agency(agency.agency.id):
        from agency.domains.mail.writing import create_template

        db.session.get(Client, agency.client.id).languages = ["de"]
        template = create_template(
            {
                "kind": "email",
                "name": "Thanks",
                "subject": "Thanks",
                "body": "Dear {contact_name}, {client_name} thanks you ({today}).",
            }
        )
        template_id = template.id
        from agency.domains.work.creation import create_item

        item, _new = create_item({"client_id": agency.client.id, "kind": "email", "title": "E"})
        item = snapshot(item)
    http = login_as(agency.secretary)
    page = http.get(f"/desk/mail/items/{item.id}/compose?template_id={template_id}")
    html = page.get_data(as_text=True)
    assert "Alpha Client thanks you" in html
    assert any(month in html for month in ("Januar", "Februar", "März", "November", "Dezember"))


def test_api_drafts_emails_letters_and_templates(client, agency, other_agency, inbox, drain, mail):
    key, address = inbox
    deliver(client, key, message(address))
    with use_agency(agency.agency.id):
        owner = db.session.get(User, agency.owner.id)
        _t, token = api_tokens.issue_api_token(owner, "mail")
        client_user = db.session.get(User, agency.client_user.id)
        _t, client_token = api_tokens.issue_api_token(client_user, "portal")
    with use_agency(other_agency.agency.id):
        _t, other_token = api_tokens.issue_api_token(
            db.session.get(User, other_agency.owner.id), "b"
        )
    auth = {"Authorization": f"Bearer {token}"}
    [email] = client.get("/api/v1/emails/", headers=auth).get_json()
    assert client.get(f"/api/v1/emails/{email['id']}", headers=auth).get_json()["body_text"]
    other = {"Authorization": f"Bearer {other_token}"}
    assert client.get(f"/api/v1/emails/{email['id']}", headers=other).status_code == 404
    assert client.get("/api/v1/emails/", headers=other).get_json() == []

    approval_on(agency)
    bad = client.post("/api/v1/drafts/", json={"client_id": agency.client.id}, headers=auth)
    assert bad.status_code == 422 and "to_address" in bad.get_json()["error"]["fields"]
    created = client.post(
        "/api/v1/drafts/",
        json={
            "client_id": agency.client.id,
            "to_address": "pat@buyer.example",
            "subject": "Re: Quote request",
            "body": "API reply",
            "reply_to_email_id": email["id"],
        },
        headers=auth,
    )
    assert created.status_code == 201, created.get_json()
    draft_id = created.get_json()["id"]
    sent = client.post(f"/api/v1/drafts/{draft_id}/send", headers=auth).get_json()
    assert sent["status"] == "pending_approval"
    approved = client.post(
        f"/api/v1/drafts/{draft_id}/approve", headers={"Authorization": f"Bearer {client_token}"}
    )
    assert approved.get_json()["status"] == "sent"
    again = client.post(f"/api/v1/drafts/{draft_id}/send", headers=auth)
    assert again.status_code == 409
    drain()
    assert len(mail.to("pat@buyer.example")) == 1

    template = client.post(
        "/api/v1/templates/",
        json={"kind": "letter", "name": "Formal", "body": "Dear {contact_name},"},
        headers=auth,
    )
    assert template.status_code == 201
    letter = client.post(
        "/api/v1/letters/",
        json={
            "client_id": agency.client.id,
            "template_id": template.get_json()["id"],
            "recipient_name": "Pat Buyer",
            "recipient_address": "2 Side Road",
            "subject": "Hello",
        },
        headers=auth,
    )
    assert letter.status_code == 201 and letter.get_json()["status"] == "pending_approval"
    letter_id = letter.get_json()["id"]
    pdf = client.get(f"/api/v1/letters/{letter_id}/pdf", headers=auth)
    assert "Dear Pat Buyer," in PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
    early = client.post(
        f"/api/v1/letters/{letter_id}/mailed", json={"postage_minor": 100}, headers=auth
    )
    assert early.status_code == 409
    client.post(f"/api/v1/letters/{letter_id}/approve", headers=auth)
    mailed = client.post(
        f"/api/v1/letters/{letter_id}/mailed", json={"postage_minor": -1}, headers=auth
    )
    assert mailed.status_code == 422
    dictation = client.post(
        "/api/v1/dictations/", json={"client_id": agency.client.id, "text": "Hi"}, headers=auth
    )
    assert dictation.status_code == 201
    spec = client.get("/api/v1/openapi.json").get_json()
    for path in (
        "/api/v1/emails/",
        "/api/v1/drafts/{draft_id}/approve",
        "/api/v1/templates/",
        "/api/v1/letters/{letter_id}/pdf",
        "/api/v1/dictations/",
    ):
        assert path in spec["paths"]


BOUNCE = (
    "From: Mail Delivery System <mailer-daemon@mx.example>\r\nTo: {to}\r\n"
    "Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <bounce-1@mx.example>\r\n"
    "Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n"
    'Content-Type: multipart/report; report-type=delivery-status; boundary="r"\r\n\r\n'
    "--r\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n"
    "--r\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example\r\n\r\n"
    "Final-Recipient: rfc822; gone@buyer.example\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
    "--r--\r\n"
)


def test_a_hard_bounce_marks_the_address_and_mail_to_it_is_refused(client, agency, inbox):
    key, address = inbox
    response = deliver(client, key, BOUNCE.format(to=address).encode())
    assert response.triage == "ignored"
    assert count(WorkItem, agency.agency.id) == 0
    with use_agency(agency.agency.id):
        from agency.domains.mail.drafting import create_draft
        from agency.kernel.errors import ValidationError

        with pytest.raises(ValidationError) as refused:
            create_draft(
                {
                    "client_id": agency.client.id,
                    "to_address": "gone@buyer.example",
                    "subject": "Hello",
                    "body": "Text",
                    "submit": True,
                },
                db.session.get(User, agency.secretary.id),
            )
        assert "to_address" in refused.value.fields
        db.session.rollback()
    assert count(Draft, agency.agency.id) == 0


@pytest.mark.parametrize("name", list(corpus("x@y.example")))
def test_hostile_mime_gets_a_4xx_or_is_kept_cleaned_never_a_5xx(client, agency, inbox, name):
    key, address = inbox
    expected, raw = corpus(address)[name]
    response = deliver(client, key, raw)
    assert response.status_code < 500, (name, response.get_data(as_text=True)[:500])
    kept = rows(InboundEmail, agency.agency.id)
    if expected == REFUSE:
        assert 400 <= response.status_code < 500 and response.get_json()["error"]["message"]
        assert kept == [] and count(WorkItem, agency.agency.id) == 0
        assert count(EmailAttachment, agency.agency.id) == 0
        return
    assert response.status_code in (200, 201, 202), response.get_data(as_text=True)[:500]
    [email] = kept
    stored = [email.subject, email.from_name or "", email.body_text, email.body_html or ""]
    with use_agency(agency.agency.id):
        stored += [a.filename for a in db.session.scalars(select(EmailAttachment))]
    assert not any("\x00" in text for text in stored)
    assert "<script" not in (email.body_html or "")
