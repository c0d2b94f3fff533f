"""Inbound mail is kept at once and read by a job: the hook answers before the message is
threaded, triaged and made work, one job reads many messages, a refused message writes
and queues nothing, and a message whose job was lost is read after the minute tick."""

from datetime import timedelta

from rq import Queue
from sqlalchemy import select, update

from agency.domains.mail.inbound import READ_JOB, pending_key
from agency.domains.mail.models import EmailAttachment, InboundEmail
from agency.domains.schedules.tick import run_for_agency
from agency.domains.work.models import WorkItem
from agency.kernel import clock
from agency.kernel.database import db
from tenants import use_agency
from tests.conftest import read_inbound, rows
from tests.test_mail import message


def post(http, key, raw):
    return http.post(
        "/hooks/email/inbound",
        data=raw,
        headers={"Content-Type": "message/rfc822", "X-Inbound-Key": key},
    )


def reading_jobs(app) -> list:
    queue = Queue("mail", connection=app.extensions["redis"])
    return [job for job in queue.get_jobs() if job.func_name == READ_JOB]


def with_pdf(address, **headers):
    raw = message(address, **headers)
    from email import message_from_bytes, policy

    msg = message_from_bytes(raw, policy=policy.default)
    msg.add_attachment(b"%PDF-1.4 quote", maintype="application", subtype="pdf", filename="q.pdf")
    return bytes(msg)


def test_the_hook_keeps_the_message_and_answers_before_it_is_read(app, client, agency, inbox):
    key, address = inbox
    first = post(client, key, with_pdf(address, message_id="<r1@buyer.example>"))
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["triage"] == "pending" and first.get_json()["duplicate"] is False
    [email] = rows(InboundEmail, agency.agency.id)
    with use_agency(agency.agency.id):
        kept = db.session.get(InboundEmail, email.id)
        assert kept.raw is not None and kept.triage == "pending"
    db.session.remove()
    assert rows(WorkItem, agency.agency.id) == [] and rows(EmailAttachment, agency.agency.id) == []
    # One job reads every message that comes while it waits.
    second = post(client, key, message(address, subject="Another", message_id="<r2@x.example>"))
    assert second.status_code == 201
    assert len(reading_jobs(app)) == 1
    assert app.extensions["redis"].exists(pending_key(agency.agency.id))

    assert read_inbound(app) == 1
    emails = sorted(rows(InboundEmail, agency.agency.id), key=lambda e: e.id)
    assert [e.triage for e in emails] == ["reply", "reply"]
    assert all(e.work_item_id is not None for e in emails)
    with use_agency(agency.agency.id):
        assert db.session.scalars(select(InboundEmail.raw)).all() == [None, None]
    db.session.remove()
    [attachment] = rows(EmailAttachment, agency.agency.id)
    assert (attachment.filename, attachment.email_id) == ("q.pdf", emails[0].id)
    assert len(rows(WorkItem, agency.agency.id)) == 2
    assert not app.extensions["redis"].exists(pending_key(agency.agency.id))
    # The same message again is the first, as read.
    again = post(client, key, with_pdf(address, message_id="<r1@buyer.example>"))
    assert again.status_code == 200
    assert again.get_json() == {"id": emails[0].id, "triage": "reply", "duplicate": True}
    assert reading_jobs(app) == []


def test_a_refused_message_writes_nothing_and_queues_nothing(app, client, agency, inbox):
    key, address = inbox
    broken = message(address).replace(b"Content-Type: text/plain", b"Content-Type: multipart/mixed")
    refused = post(client, key, broken)
    assert 400 <= refused.status_code < 500, refused.get_data(as_text=True)
    assert refused.get_json()["error"]["message"]
    unknown = post(client, key, message("nobody@in.example"))
    assert unknown.status_code == 422 and "to" in unknown.get_json()["error"]["fields"]
    assert rows(InboundEmail, agency.agency.id) == []
    assert reading_jobs(app) == []
    assert not app.extensions["redis"].exists(pending_key(agency.agency.id))


def test_a_reply_that_comes_before_its_first_message_is_read_joins_its_item(
    app, client, agency, inbox
):
    key, address = inbox
    assert (
        post(client, key, message(address, subject="Quote", message_id="<t1@x>")).status_code == 201
    )
    by_reference = message(
        address, subject="Re: Quote", message_id="<t2@x>", In_Reply_To="<t1@x>", References="<t1@x>"
    )
    by_subject = message(address, subject="RE: quote", message_id="<t3@x>")
    assert post(client, key, by_reference).status_code == 201
    assert post(client, key, by_subject).status_code == 201
    read_inbound(app)
    [item] = rows(WorkItem, agency.agency.id)
    emails = rows(InboundEmail, agency.agency.id)
    assert {e.work_item_id for e in emails} == {item.id}
    assert {e.thread_key for e in emails} == {"<t1@x>"}


def test_a_message_whose_reading_job_was_lost_is_read_after_the_minute_tick(
    app, client, agency, inbox
):
    key, address = inbox
    assert post(client, key, message(address)).status_code == 201
    redis = app.extensions["redis"]
    for job in reading_jobs(app):  # lost with Redis; its key is left behind
        Queue("mail", connection=redis).remove(job)
    run_for_agency(agency.agency.id)
    assert reading_jobs(app) == []  # not yet: the job may only be late
    with use_agency(agency.agency.id):
        db.session.execute(
            update(InboundEmail).values(received_at=clock.now() - timedelta(minutes=2))
        )
        db.session.commit()
    run_for_agency(agency.agency.id)
    assert len(reading_jobs(app)) == 1
    read_inbound(app)
    [email] = rows(InboundEmail, agency.agency.id)
    assert email.triage == "reply" and email.work_item_id is not None


def test_replies_read_together_read_their_clients_sla_terms_once(app, client, agency, inbox):
    """Four waiting conversations each get a reply, read in one batch: each item comes
    back with its SLA afresh, and the client's SLA target is read once for them all."""
    from tests.test_desk_live import Statements

    key, address = inbox
    for n in range(4):
        post(client, key, message(address, subject=f"Order {n}", message_id=f"<o{n}@x>"))
    read_inbound(app)
    with use_agency(agency.agency.id):
        db.session.execute(
            update(WorkItem).values(
                status="waiting",
                assignee_id=agency.profile.id,
                sla_due_at=clock.now() - timedelta(hours=1),
            )
        )
        db.session.commit()
    for n in range(4):
        reply = message(address, subject=f"Re: Order {n}", message_id=f"<r{n}@x>",
                        In_Reply_To=f"<o{n}@x>", References=f"<o{n}@x>")  # fmt: skip
        post(client, key, reply)
    with Statements() as seen:
        assert read_inbound(app) >= 1
    items = rows(WorkItem, agency.agency.id)
    assert len(items) == 4
    assert {i.status for i in items} == {"assigned"}
    assert all(i.sla_due_at > clock.now() for i in items)
    target_reads = [s for s in seen.seen if "FROM sla_targets" in s or "JOIN sla_targets" in s]
    assert len(target_reads) == 1, target_reads


def test_a_job_reads_a_clients_sla_terms_once_over_all_its_batches(app, client, agency, inbox):
    from agency.domains.mail.settle import BATCH
    from tests.test_desk_live import Statements

    key, address = inbox
    for n in range(BATCH + 5):
        post(client, key, message(address, subject=f"Question {n}", message_id=f"<q{n}@x>"))
    with Statements() as seen:
        assert read_inbound(app) == 1
    assert len(rows(WorkItem, agency.agency.id)) == BATCH + 5
    target_reads = [s for s in seen.seen if "JOIN sla_targets" in s or "FROM sla_targets" in s]
    assert len(target_reads) == 1, target_reads
