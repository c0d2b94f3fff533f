"""One item per conversation: the messages of one thread (by In-Reply-To and References,
or by subject from the same correspondent) make one item, whose conversation the desk
shows whole; a waiting item comes back, a finished one reopens for the agency's days,
and a canned reply keeps the thread's "Re:" subject."""

from datetime import timedelta
from email.message import EmailMessage

import pytest
from sqlalchemy import select

from agency.domains.mail import settings as mail_settings
from agency.domains.mail.conversations import normalised
from agency.domains.mail.models import InboundEmail, MailTemplate
from agency.domains.staff.models import Secretary
from agency.domains.work.models import WorkEvent, WorkItem
from agency.kernel import clock
from agency.kernel.database import db
from tenants import use_agency
from tests.conftest import post_form, rows, sign_in, snapshot
from tests.test_mail import deliver, message

pytestmark = pytest.mark.sqlite


def _items(agency) -> list:
    found = [snapshot(item) for item in rows(WorkItem, agency.agency.id)]
    db.session.remove()
    return sorted(found, key=lambda item: item.id)


def _with_attachment(to, subject, body, **headers) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Pat Buyer <pat@buyer.example>"
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = headers.pop("message_id")
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    msg.add_attachment(b"%PDF-1.4 floor plan", maintype="application", subtype="pdf",
                       filename="floor-plan.pdf")  # fmt: skip
    return bytes(msg)


def test_three_messages_of_one_thread_make_one_item_with_the_whole_conversation(
    client, agency, inbox
):
    key, address = inbox
    first = message(address, subject="Lease renewal", body="Hello,\nthe lease ends in May.",
                    message_id="<t1@buyer.example>")  # fmt: skip
    second = _with_attachment(
        address, "Re: Lease renewal", "Here is the plan.\nSecond line.",
        message_id="<t2@buyer.example>", In_Reply_To="<t1@buyer.example>",
        References="<t1@buyer.example>",
    )  # fmt: skip
    third = message(address, subject="RE: Lease renewal", body="Any news?",
                    message_id="<t3@buyer.example>", In_Reply_To="<t2@buyer.example>",
                    References="<t1@buyer.example> <t2@buyer.example>")  # fmt: skip
    for raw in (first, second, third):
        assert deliver(client, key, raw).status_code == 201
    [item] = _items(agency)
    with use_agency(agency.agency.id):
        linked = db.session.scalars(select(InboundEmail.work_item_id)).all()
        events = db.session.scalars(
            select(WorkEvent.action).where(WorkEvent.item_id == item.id)
        ).all()
    assert linked == [item.id] * 3
    assert events.count("message_received") == 2

    sign_in(client, agency.secretary)
    page = client.get(f"/desk/items/{item.id}").get_data(as_text=True)
    conversation = page[page.index('id="conversation"') :]
    assert conversation.count('class="message incoming"') == 3
    assert "Hello,\nthe lease ends in May." in conversation  # line breaks as received
    assert "Here is the plan.\nSecond line." in conversation and "Any news?" in conversation
    assert "floor-plan.pdf" in conversation
    assert conversation.index("the lease ends") < conversation.index("Any news?")


def test_the_same_subject_from_the_same_correspondent_joins_without_headers(client, agency, inbox):
    key, address = inbox
    deliver(client, key, message(address, subject="Invoice 42", message_id="<s1@x>"))
    deliver(client, key, message(address, subject="Fwd: Re: invoice  42", message_id="<s2@x>"))
    assert len(_items(agency)) == 1
    other = message(address, subject="Invoice 42", message_id="<s3@x>",
                    sender="Someone Else <else@other.example>")  # fmt: skip
    deliver(client, key, other)
    assert len(_items(agency)) == 2  # another correspondent: another conversation


def test_normalised_subjects():
    assert normalised("Re: AW: Fwd:  Lease   Renewal") == "lease renewal"
    assert normalised("SV: Re[2]: Offer") == "offer"
    assert normalised("Rebooking the venue") == "rebooking the venue"


def test_an_answer_to_our_reply_joins_the_conversation(client, agency, inbox, drain, mail):
    key, address = inbox
    deliver(client, key, message(address, message_id="<q1@buyer.example>"))
    [item] = _items(agency)
    sign_in(client, agency.secretary)
    post_form(
        client,
        f"/desk/mail/items/{item.id}/drafts",
        {"to_address": "pat@buyer.example", "subject": "Re: Quote request",
         "body": "Here it is.", "submit": "send"},
        page=f"/desk/mail/items/{item.id}/compose",
    )  # fmt: skip
    drain()
    ours = mail.wait_for("pat@buyer.example")["Message-ID"]
    answer = message(address, subject="Thanks!", body="Thank you.", message_id="<q2@x>",
                     In_Reply_To=ours, References=ours)  # fmt: skip
    deliver(client, key, answer)
    assert len(_items(agency)) == 1
    page = client.get(f"/desk/items/{item.id}").get_data(as_text=True)
    assert 'class="message outgoing"' in page and "Thank you." in page


def test_a_message_brings_a_waiting_item_back_to_its_secretary(client, agency, inbox):
    key, address = inbox
    deliver(client, key, message(address, message_id="<w1@x>"))
    [item] = _items(agency)
    with use_agency(agency.agency.id):
        row = db.session.get(WorkItem, item.id)
        row.assignee_id, row.status = agency.profile.id, "waiting"
        row.sla_due_at = clock.now() - timedelta(hours=1)
        db.session.commit()
    deliver(client, key, message(address, subject="Re: Quote request", message_id="<w2@x>",
                                 In_Reply_To="<w1@x>"))  # fmt: skip
    [item] = _items(agency)
    assert item.status == "assigned" and item.assignee_id == agency.profile.id
    assert item.sla_due_at > clock.now()  # its SLA runs from the new message


def test_a_finished_conversation_reopens_within_the_agencys_days_then_starts_anew(
    client, agency, inbox
):
    key, address = inbox
    deliver(client, key, message(address, message_id="<d1@x>"))
    [item] = _items(agency)

    def finish(item_id, days_ago):
        with use_agency(agency.agency.id):
            row = db.session.get(WorkItem, item_id)
            row.assignee_id, row.status = agency.profile.id, "done"
            row.closed_at = clock.now() - timedelta(days=days_ago)
            db.session.commit()

    finish(item.id, 3)
    deliver(client, key, message(address, subject="Re: Quote request", message_id="<d2@x>",
                                 In_Reply_To="<d1@x>"))  # fmt: skip
    [reopened] = _items(agency)
    assert reopened.status == "assigned" and reopened.closed_at is None

    finish(item.id, 20)  # past the default 14 days
    deliver(client, key, message(address, subject="Re: Quote request", message_id="<d3@x>",
                                 In_Reply_To="<d2@x>"))  # fmt: skip
    old, new = _items(agency)
    assert old.status == "done" and new.status in ("queued", "assigned")

    with use_agency(agency.agency.id):
        mail_settings.save_settings({"send_per_minute": 30, "reopen_days": 0})
    finish(new.id, 0)
    deliver(client, key, message(address, subject="Re: Quote request", message_id="<d4@x>",
                                 In_Reply_To="<d3@x>"))  # fmt: skip
    assert len(_items(agency)) == 3


def test_the_reopen_days_are_checked(client, agency):
    sign_in(client, agency.owner)
    with use_agency(agency.agency.id):
        before = mail_settings.agency_settings().reopen_days
        db.session.commit()
    answer = post_form(client, "/console/mail/send-rate",
                       {"send_per_minute": "30", "reopen_days": "400"},
                       page="/console/mail/")  # fmt: skip
    assert answer.status_code == 422
    with use_agency(agency.agency.id):
        assert mail_settings.agency_settings().reopen_days == before


def test_a_canned_reply_keeps_the_threads_re_subject(client, agency, inbox):
    key, address = inbox
    deliver(client, key, message(address, subject="Parking", message_id="<c1@x>"))
    [item] = _items(agency)
    with use_agency(agency.agency.id):
        template = MailTemplate(kind="email", name="Thanks", subject="Thank you for writing",
                                body="Thank you, we will answer soon.")  # fmt: skip
        db.session.add(template)
        db.session.commit()
        template_id = template.id
    sign_in(client, agency.secretary)
    page = client.get(f"/desk/mail/items/{item.id}/compose?template_id={template_id}")
    text = page.get_data(as_text=True)
    assert 'value="Re: Parking"' in text
    assert "Thank you, we will answer soon." in text


def test_the_secretary_of_a_reopened_item_must_still_be_active(client, agency, inbox):
    key, address = inbox
    deliver(client, key, message(address, message_id="<g1@x>"))
    [item] = _items(agency)
    with use_agency(agency.agency.id):
        row = db.session.get(WorkItem, item.id)
        row.assignee_id, row.status, row.closed_at = agency.profile.id, "done", clock.now()
        db.session.get(Secretary, agency.profile.id).archived_at = clock.now()
        db.session.commit()
    deliver(client, key, message(address, subject="Re: Quote request", message_id="<g2@x>",
                                 In_Reply_To="<g1@x>"))  # fmt: skip
    [item] = _items(agency)
    assert item.status == "queued" and item.assignee_id is None
