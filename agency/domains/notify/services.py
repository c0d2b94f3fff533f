"""Queue an email with the row that asks for it; a job delivers it once."""

import secrets
import smtplib
from email.message import EmailMessage
from email.utils import formataddr, make_msgid, parseaddr
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app
from sqlalchemy import select

from agency.domains.mail.models import DraftAttachment
from agency.domains.notify import throttle
from agency.domains.notify.models import EmailStatus, OutboundEmail
from agency.kernel import clock
from agency.kernel.database import db
from agency.kernel.queue import enqueue_after_commit
from agency.kernel.retries import Gone, is_transient

THREADING_HEADERS = ("From-Name", "Reply-To", "In-Reply-To", "References")
# Mail written in a client's name; the product's own notices are never held back.
THROTTLED_PURPOSES = {"mail_reply"}


def queue_email(
    to_address: str, subject: str, body_text: str, purpose: str, headers: dict | None = None
) -> OutboundEmail:
    """Record an email in the current transaction; it is sent after the commit.

    ``headers`` may carry From-Name, Reply-To, In-Reply-To and References."""
    domain = urlsplit(current_app.config["PUBLIC_URL"]).hostname or "secretariat.localhost"
    email = OutboundEmail(
        to_address=to_address,
        subject=subject,
        body_text=body_text,
        purpose=purpose,
        message_id=make_msgid(domain=domain),
        headers={k: v for k, v in (headers or {}).items() if k in THREADING_HEADERS and v},
    )
    db.session.add(email)
    db.session.flush()
    enqueue_after_commit("workers.jobs.deliver_email", email.agency_id, email.id, queue="mail")
    return email


def deliver(email_id: int) -> bool:
    """Send a queued email (or a failed one a person retries) at most once.

    The row is first claimed ("sending", with a token) and committed, then handed to
    the SMTP server, then the outcome is recorded: a retried or repeated job finds it
    sending or sent and sends nothing. A temporary refusal puts it back in the queue
    for the job's next try; a permanent one marks it failed. Mail in a client's name
    over the agency's rate waits for a later minute."""
    email = db.session.get(OutboundEmail, email_id, with_for_update=True)
    if email is None:
        db.session.rollback()
        raise Gone(f"email {email_id} no longer exists")
    if email.status in (EmailStatus.sent, EmailStatus.sending):
        if email.status == EmailStatus.sending:
            current_app.logger.warning(
                "email %s is being sent or its outcome is unknown; not sent again", email_id
            )
        db.session.rollback()
        return False
    if email.purpose in THROTTLED_PURPOSES and not throttle.take(email.agency_id):
        db.session.rollback()
        throttle.send_later(email.agency_id, email_id)
        return False
    message = _build_message(email)
    token = secrets.token_hex(16)
    email.attempts += 1
    email.status, email.claim_token, email.claimed_at = EmailStatus.sending, token, clock.now()
    db.session.commit()
    try:
        _transport(message)
    except (OSError, smtplib.SMTPException) as exc:
        _record_outcome(email_id, token, exc)
        raise
    _record_outcome(email_id, token, None)
    return True


def _record_outcome(email_id: int, token: str, exc: BaseException | None) -> None:
    email = db.session.get(OutboundEmail, email_id, with_for_update=True, populate_existing=True)
    if email is None or email.claim_token != token:
        db.session.rollback()
        return
    if exc is None:
        email.status, email.sent_at, email.last_error = EmailStatus.sent, clock.now(), None
    else:
        email.last_error = str(exc)[:500]
        email.status = EmailStatus.queued if is_transient(exc) else EmailStatus.failed
    email.claim_token = None
    db.session.commit()


def _build_message(email: OutboundEmail) -> EmailMessage:
    message = EmailMessage()
    headers = email.headers or {}
    sender = current_app.config["MAIL_FROM"]
    if headers.get("From-Name"):
        sender = formataddr((headers["From-Name"], parseaddr(sender)[1]))
    message["From"] = sender
    message["To"] = email.to_address
    message["Subject"] = email.subject
    message["Message-ID"] = email.message_id
    for name in ("Reply-To", "In-Reply-To", "References"):
        if headers.get(name):
            message[name] = headers[name]
    message.set_content(email.body_text)
    for filename, content_type, data in _attachments_of(email):
        maintype, _sep, subtype = content_type.partition("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message


def _attachments_of(email: OutboundEmail) -> list[tuple[str, str, bytes]]:
    """The files queued with the email (a draft's attachments)."""

    found = db.session.scalars(
        select(DraftAttachment)
        .where(DraftAttachment.outbound_email_id == email.id)
        .order_by(DraftAttachment.id)
    ).all()
    return [(a.filename, a.content_type, a.data) for a in found]


def _transport(message: EmailMessage) -> None:
    """SMTP when SMTP_URL is set, else a file in the local outbox folder."""
    url = current_app.config["SMTP_URL"]
    if not url:
        outbox = Path(current_app.config["OUTBOX_DIR"])
        outbox.mkdir(parents=True, exist_ok=True)
        name = message["Message-ID"].strip("<>").replace("@", "_at_") + ".eml"
        (outbox / name).write_bytes(bytes(message))
        return
    parts = urlsplit(url)
    smtp_class = smtplib.SMTP_SSL if parts.scheme == "smtps" else smtplib.SMTP
    smtp = smtp_class(parts.hostname, parts.port or 25, timeout=10)
    try:
        if parts.scheme == "smtp+starttls":
            smtp.starttls()
        if parts.username:
            smtp.login(unquote(parts.username), unquote(parts.password or ""))
        smtp.send_message(message)
    finally:
        # Once the server has accepted the message, a failed goodbye is not a failed
        # send: it must not put the email back in the queue to be sent twice.
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()
