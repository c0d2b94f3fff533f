"""Sending mail in the client's name: attachments, the agency's send rate, sending once,
and transcriptions of audio dictation."""

import base64
import io
import time
from datetime import UTC, datetime, timedelta

import pytest
from rq.job import Job
from rq.registry import ScheduledJobRegistry
from sqlalchemy import select

from agency.domains.accounts import api_tokens
from agency.domains.accounts.models import User
from agency.domains.mail.models import (
    Dictation,
    Draft,
    DraftAttachment,
    EmailAttachment,
    MailSettings,
)
from agency.domains.notify.models import EmailStatus, OutboundEmail
from agency.domains.work.models import WorkEvent
from agency.kernel import clock
from agency.kernel.database import db
from tenants import use_agency
from tests.conftest import post_form, rows, sign_in, snapshot
from tests.test_mail import approval_on, deliver

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 4


def _token(user_id, agency_id, name="mail"):
    with use_agency(agency_id):
        _t, token = api_tokens.issue_api_token(db.session.get(User, user_id), name)
    return {"Authorization": f"Bearer {token}"}


def _signed_in(app, user):
    http = app.test_client()
    sign_in(http, user)
    return http


def _draft(agency, to="pat@buyer.example", **extra):
    return {
        "client_id": agency.client.id,
        "to_address": to,
        "subject": "Your papers",
        "body": "Attached.",
        **extra,
    }


def _files_of(message) -> dict[str, tuple[str, bytes]]:
    return {
        part.get_filename(): (part.get_content_type(), part.get_payload(decode=True))
        for part in message.walk()
        if part.get_filename()
    }


# --- attachments -------------------------------------------------------------------


def test_api_draft_attachments_arrive_as_mime_parts(client, agency, other_agency, drain, mail):
    auth = _token(agency.owner.id, agency.agency.id)
    payload = _draft(
        agency,
        attachments=[
            {
                "filename": "quote.pdf",
                "content_type": "application/pdf",
                "content_base64": base64.b64encode(PDF).decode(),
            },
            {"filename": "notes.txt", "content_base64": base64.b64encode(b"a\nb").decode()},
        ],
    )
    created = client.post("/api/v1/drafts/", json=payload, headers=auth)
    assert created.status_code == 201, created.get_json()
    draft = created.get_json()
    assert [(a["filename"], a["size_bytes"]) for a in draft["attachments"]] == [
        ("quote.pdf", len(PDF)),
        ("notes.txt", 3),
    ]
    assert "content_base64" not in draft["attachments"][0]
    file_id = draft["attachments"][0]["id"]
    download = client.get(f"/api/v1/drafts/{draft['id']}/attachments/{file_id}", headers=auth)
    assert download.data == PDF
    other = _token(other_agency.owner.id, other_agency.agency.id)
    assert (
        client.get(f"/api/v1/drafts/{draft['id']}/attachments/{file_id}", headers=other).status_code
        == 404
    )

    sent = client.post(f"/api/v1/drafts/{draft['id']}/send", headers=auth)
    assert sent.get_json()["status"] == "sent"
    drain()
    files = _files_of(mail.wait_for("pat@buyer.example"))
    assert files == {"quote.pdf": ("application/pdf", PDF), "notes.txt": ("text/plain", b"a\nb")}
    assert rows(DraftAttachment, other_agency.agency.id) == []


def test_desk_upload_and_forwarded_file_go_with_the_reply(
    app, client, agency, inbox, login_as, drain, mail
):
    key, address = inbox
    from email.message import EmailMessage

    received = EmailMessage()
    received["From"], received["To"], received["Subject"] = "pat@buyer.example", address, "Form"
    received["Message-ID"] = "<form@buyer.example>"
    received.set_content("Please sign the form.")
    received.add_attachment(
        b"FORM-BYTES", maintype="application", subtype="pdf", filename="form.pdf"
    )
    assert deliver(client, key, bytes(received)).status_code == 201
    approval_on(agency)
    with use_agency(agency.agency.id):
        from agency.domains.work.models import WorkItem

        item = snapshot(db.session.scalars(select(WorkItem)).one())
        [inbound_file] = db.session.scalars(select(EmailAttachment)).all()
        inbound_file_id = inbound_file.id

    http = login_as(agency.secretary)
    page = http.get(f"/desk/mail/items/{item.id}/compose").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and "form.pdf" in page
    response = post_form(
        http,
        f"/desk/mail/items/{item.id}/drafts",
        {
            "to_address": "pat@buyer.example",
            "subject": "Re: Form",
            "body": "Signed form attached.",
            "submit": "send",
            "forward_attachment_ids": str(inbound_file_id),
            "attachments": [(io.BytesIO(PDF), "signed.pdf", "application/pdf")],
        },
        page=f"/desk/mail/items/{item.id}/compose",
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    [draft] = rows(Draft, agency.agency.id)
    assert draft.status == "pending_approval"

    portal = _signed_in(app, agency.client_user)
    page = portal.get("/portal/mail/").get_data(as_text=True)
    assert "signed.pdf" in page and "form.pdf" in page
    with use_agency(agency.agency.id):
        first = db.session.scalars(select(DraftAttachment).order_by(DraftAttachment.id)).first()
        first_id, first_bytes = first.id, first.data
    assert portal.get(f"/portal/mail/draft-attachments/{first_id}").data == first_bytes
    post_form(portal, f"/portal/mail/drafts/{draft.id}/approve", {}, "/portal/mail/")
    drain()
    files = _files_of(mail.wait_for("pat@buyer.example"))
    assert files == {
        "signed.pdf": ("application/pdf", PDF),
        "form.pdf": ("application/pdf", b"FORM-BYTES"),
    }


@pytest.mark.parametrize(
    "case, status",
    [
        ("too_big", 413),
        ("too_many", 422),
        ("together_too_big", 413),
        ("not_base64", 422),
        ("bad_type", 422),
        ("no_name", 422),
        ("other_clients_file", 422),
    ],
)
def test_bad_attachments_are_refused_and_nothing_is_written(
    case, status, app, client, agency, other_agency
):
    app.config.update(
        MAIL_ATTACHMENT_MAX_BYTES=1000,
        MAIL_ATTACHMENTS_MAX_BYTES=1500,
        MAIL_ATTACHMENTS_MAX_COUNT=3,
    )
    auth = _token(agency.owner.id, agency.agency.id)

    def file(name="f.bin", size=10, **extra):
        return {"filename": name, "content_base64": base64.b64encode(b"x" * size).decode(), **extra}

    files = {
        "too_big": [file(size=1001)],
        "too_many": [file(f"{n}.bin") for n in range(4)],
        "together_too_big": [file("a.bin", 800), file("b.bin", 800)],
        "not_base64": [{"filename": "f.bin", "content_base64": "%%% not base64"}],
        "bad_type": [file(content_type="not a type")],
        "no_name": [file(name="///")],
        "other_clients_file": [],
    }[case]
    extra = {"forward_attachment_ids": [2**31 - 2]} if case == "other_clients_file" else {}
    response = client.post(
        "/api/v1/drafts/", json=_draft(agency, attachments=files, **extra), headers=auth
    )
    assert response.status_code == status, response.get_json()
    error = response.get_json()["error"]
    assert error["message"] and error["fields"]
    assert rows(Draft, agency.agency.id) == []
    assert rows(DraftAttachment, agency.agency.id) == []


def test_patch_adds_and_removes_attachments(client, agency):
    auth = _token(agency.owner.id, agency.agency.id)
    one = {"filename": "one.txt", "content_base64": base64.b64encode(b"1").decode()}
    two = {"filename": "two.txt", "content_base64": base64.b64encode(b"2").decode()}
    draft = client.post("/api/v1/drafts/", json=_draft(agency, attachments=[one]), headers=auth)
    draft = draft.get_json()
    patched = client.patch(
        f"/api/v1/drafts/{draft['id']}",
        json={"attachments": [two], "remove_attachment_ids": [draft["attachments"][0]["id"]]},
        headers=auth,
    )
    assert patched.status_code == 200, patched.get_json()
    assert [a["filename"] for a in patched.get_json()["attachments"]] == ["two.txt"]
    refused = client.patch(
        f"/api/v1/drafts/{draft['id']}", json={"remove_attachment_ids": [2**31 - 2]}, headers=auth
    )
    assert refused.status_code == 422
    assert [a.filename for a in rows(DraftAttachment, agency.agency.id)] == ["two.txt"]


def test_openapi_documents_the_new_mail_endpoints(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for path in (
        "/api/v1/drafts/{draft_id}/attachments/{draft_attachment_id}",
        "/api/v1/dictations/{dictation_id}/transcription",
        "/api/v1/clients/{client_id}/mailbox",
        "/api/v1/clients/{client_id}/mailbox/check",
        "/api/v1/mail-settings/",
    ):
        assert path in spec["paths"], path
    schemas = spec["components"]["schemas"]
    assert "content_base64" in schemas["DraftAttachment"]["properties"]


# --- the agency's send rate --------------------------------------------------------


def _run_scheduled(app, seconds_ahead: float) -> int:
    """What RQ's scheduler does when its time comes: move jobs due ``seconds_ahead``
    from now from the mail queue's scheduled registry onto the queue."""
    from agency.kernel.queue import get_queue

    queue = get_queue("mail")
    registry = ScheduledJobRegistry(queue=queue)
    due = registry.get_jobs_to_schedule(int(time.time() + seconds_ahead))
    for job_id in due:
        job = Job.fetch(job_id, connection=app.extensions["redis"])
        registry.remove(job)
        queue.enqueue_job(job)
    return len(due)


def _scheduled(app) -> list[datetime]:
    from agency.kernel.queue import get_queue

    registry = ScheduledJobRegistry(queue=get_queue("mail"))
    return [registry.get_scheduled_time(job_id) for job_id in registry.get_job_ids()]


def _send_many(agency, count: int, prefix: str = "rate") -> list[int]:
    from agency.domains.mail.drafting import create_draft

    ids = []
    with use_agency(agency.agency.id):
        secretary = db.session.get(User, agency.secretary.id)
        for n in range(count):
            draft = create_draft(
                _draft(agency, to=f"{prefix}{n}@buyer.example", submit=True), secretary
            )
            ids.append(draft.outbound_email_id)
    return ids


@pytest.fixture
def frozen_minute():
    start = datetime.now(UTC).replace(second=10, microsecond=0)
    clock.freeze(start)
    yield start
    clock.freeze(None)


def test_sends_over_the_agency_rate_wait_for_later_minutes(
    app, client, agency, other_agency, drain, mail, frozen_minute
):
    auth = _token(agency.owner.id, agency.agency.id)
    assert client.get("/api/v1/mail-settings/", headers=auth).get_json() == {
        "send_per_minute": 30,
        "reopen_days": 14,
    }
    assert (
        client.put("/api/v1/mail-settings/", json={"send_per_minute": 0}, headers=auth).status_code
        == 422
    )
    saved = client.put("/api/v1/mail-settings/", json={"send_per_minute": 2}, headers=auth)
    assert saved.get_json() == {"send_per_minute": 2, "reopen_days": 14}

    email_ids = _send_many(agency, 5)
    [other_id] = _send_many(other_agency, 1, prefix="bravo")
    drain()
    arrived = [m["X-Envelope-To"] for m in mail.messages]
    assert sorted(arrived) == ["bravo0@buyer.example", "rate0@buyer.example", "rate1@buyer.example"]
    later = _scheduled(app)
    assert len(later) == 3
    assert all(moment > datetime.now(UTC) + timedelta(seconds=30) for moment in later)
    with use_agency(agency.agency.id):
        statuses = [db.session.get(OutboundEmail, i).status for i in email_ids]
        assert statuses.count(EmailStatus.queued) == 3  # waiting, not failed
        assert db.session.get(OutboundEmail, email_ids[2]).attempts == 0

    clock.freeze(frozen_minute + timedelta(minutes=1))
    assert _run_scheduled(app, 0) == 0  # not due yet
    assert _run_scheduled(app, 120) == 3
    drain()
    assert len(mail.messages) == 5
    assert len(_scheduled(app)) == 1  # two fit in the new minute; one waits again

    clock.freeze(frozen_minute + timedelta(minutes=2))
    assert _run_scheduled(app, 120) == 1
    drain()
    addresses = sorted(m["X-Envelope-To"] for m in mail.messages)
    assert addresses == sorted(
        ["bravo0@buyer.example"] + [f"rate{n}@buyer.example" for n in range(5)]
    )
    with use_agency(agency.agency.id):
        assert {db.session.get(OutboundEmail, i).status for i in email_ids} == {EmailStatus.sent}
    assert other_id


def test_console_sets_the_send_rate(agency, other_agency, login_as):
    http = login_as(agency.owner)
    page = http.get("/console/mail/").get_data(as_text=True)
    assert 'name="send_per_minute"' in page
    bad = post_form(http, "/console/mail/send-rate", {"send_per_minute": "lots"}, "/console/mail/")
    assert bad.status_code == 422
    ok = post_form(http, "/console/mail/send-rate", {"send_per_minute": "12"}, "/console/mail/")
    assert ok.status_code == 302
    [settings] = rows(MailSettings, agency.agency.id)
    assert settings.send_per_minute == 12
    assert all(s.send_per_minute == 30 for s in rows(MailSettings, other_agency.agency.id))


# --- sending once ------------------------------------------------------------------


def test_an_email_left_sending_by_a_dead_worker_is_not_sent_again(agency, drain, mail):
    """A worker that handed the email to the SMTP server and died before recording the
    outcome leaves it "sending": the retry must not send it a second time."""
    from agency.kernel.queue import enqueue

    [email_id] = _send_many(agency, 1, prefix="dead")
    with use_agency(agency.agency.id):
        email = db.session.get(OutboundEmail, email_id)
        email.status, email.claim_token, email.claimed_at = (
            EmailStatus.sending,
            "x" * 32,
            clock.now(),
        )
        db.session.commit()
    drain()
    enqueue("workers.jobs.deliver_email", agency.agency.id, email_id, queue="mail")
    drain()
    assert mail.to("dead0@buyer.example") == []
    with use_agency(agency.agency.id):
        assert db.session.get(OutboundEmail, email_id).status == EmailStatus.sending


def test_a_sent_email_records_its_outcome_and_clears_the_claim(agency, drain, mail):
    [email_id] = _send_many(agency, 1, prefix="claim")
    drain()
    assert len(mail.to("claim0@buyer.example")) == 1
    with use_agency(agency.agency.id):
        email = db.session.get(OutboundEmail, email_id)
        assert (email.status, email.claim_token, email.attempts) == (EmailStatus.sent, None, 1)
        assert email.claimed_at is not None and email.sent_at is not None


# --- transcriptions ----------------------------------------------------------------

WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 28


def _audio_dictation(app, agency):
    http = _signed_in(app, agency.client_user)
    post_form(
        http,
        "/portal/mail/dictations",
        {"text": "", "audio": (io.BytesIO(WAV), "note.wav", "audio/wav")},
        "/portal/mail/",
    )
    with use_agency(agency.agency.id):
        return snapshot(db.session.scalars(select(Dictation)).one())


def test_secretary_attaches_a_transcription_shown_beside_the_audio(app, agency):
    dictation = _audio_dictation(app, agency)
    http = _signed_in(app, agency.secretary)
    compose = f"/desk/mail/items/{dictation.work_item_id}/compose"
    assert 'id="transcription-form"' in http.get(compose).get_data(as_text=True)
    response = post_form(
        http,
        f"/desk/mail/dictations/{dictation.id}/transcription",
        {"text": "Dear Pat, the meeting moves to Friday."},
        compose,
    )
    assert response.status_code == 302
    page = http.get(compose).get_data(as_text=True)
    assert "the meeting moves to Friday" in page and "<audio" in page
    [stored] = rows(Dictation, agency.agency.id)
    assert stored.transcription == "Dear Pat, the meeting moves to Friday."
    assert stored.transcribed_at is not None
    events = [e for e in rows(WorkEvent, agency.agency.id) if e.action == "transcription_added"]
    assert events[0].detail["note"] == "Dear Pat, the meeting moves to Friday."
    item_page = http.get(f"/desk/items/{dictation.work_item_id}").get_data(as_text=True)
    assert "transcription added" in item_page and "moves to Friday" in item_page


def test_api_transcription_replaces_and_is_refused_for_typed_dictation(
    app, client, agency, other_agency
):
    dictation = _audio_dictation(app, agency)
    auth = _token(agency.owner.id, agency.agency.id)
    url = f"/api/v1/dictations/{dictation.id}/transcription"
    assert client.post(url, json={"text": ""}, headers=auth).status_code == 422
    assert client.post(url, json={}, headers=auth).status_code == 422
    other = _token(other_agency.owner.id, other_agency.agency.id)
    assert client.post(url, json={"text": "B's words"}, headers=other).status_code == 404
    first = client.post(url, json={"text": "First try"}, headers=auth)
    assert first.status_code == 200 and first.get_json()["transcription"] == "First try"
    second = client.post(url, json={"text": "Second try"}, headers=auth).get_json()
    assert second["transcription"] == "Second try" and second["transcribed_at"]
    typed = client.post(
        "/api/v1/dictations/", json={"client_id": agency.client.id, "text": "Hi"}, headers=auth
    ).get_json()
    refused = client.post(
        f"/api/v1/dictations/{typed['id']}/transcription", json={"text": "x"}, headers=auth
    )
    assert refused.status_code == 409


def test_desk_upload_over_the_limit_is_refused_beside_the_field(app, agency):
    app.config["MAIL_ATTACHMENT_MAX_BYTES"] = 100
    with use_agency(agency.agency.id):
        from agency.domains.work.creation import create_item

        item, _new = create_item({"client_id": agency.client.id, "kind": "email", "title": "E"})
        item_id = item.id
    http = _signed_in(app, agency.secretary)
    compose = f"/desk/mail/items/{item_id}/compose"
    response = post_form(
        http,
        f"/desk/mail/items/{item_id}/drafts",
        {
            "to_address": "pat@buyer.example",
            "subject": "Big",
            "body": "Too big.",
            "submit": "save",
            "attachments": [(io.BytesIO(b"x" * 101), "big.bin", "application/octet-stream")],
        },
        page=compose,
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    assert "big.bin is larger than" in response.get_data(as_text=True)
    assert rows(Draft, agency.agency.id) == []
    assert rows(DraftAttachment, agency.agency.id) == []
