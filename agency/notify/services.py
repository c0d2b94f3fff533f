"""Queue an email with the row that asks for it; a job delivers it once."""

import smtplib
from email.message import EmailMessage
from email.utils import formataddr, make_msgid, parseaddr
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app

from agency import clock
from agency.extensions import db
from agency.notify.models import EmailStatus, OutboundEmail
from workers.queues import enqueue_after_commit
from workers.retries import Gone, is_transient

THREADING_HEADERS = ("From-Name", "Reply-To", "In-Reply-To", "References")


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
    """Send a queued email; a second call for the same email sends nothing. A temporary
    refusal leaves it queued for the job's next try; a permanent one marks it failed."""
    email = db.session.get(OutboundEmail, email_id, with_for_update=True)
    if email is None:
        db.session.rollback()
        raise Gone(f"email {email_id} no longer exists")
    if email.status == EmailStatus.sent:
        db.session.rollback()
        return False
    message = _build_message(email)
    email.attempts += 1
    try:
        _transport(message)
    except (OSError, smtplib.SMTPException) as exc:
        email.last_error = str(exc)[:500]
        if not is_transient(exc):
            email.status = EmailStatus.failed
        db.session.commit()
        raise
    email.status = EmailStatus.sent
    email.sent_at = clock.now()
    email.last_error = None
    db.session.commit()
    return True


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
    return message


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
    with smtp_class(parts.hostname, parts.port or 25, timeout=10) as smtp:
        if parts.scheme == "smtp+starttls":
            smtp.starttls()
        if parts.username:
            smtp.login(unquote(parts.username), unquote(parts.password or ""))
        smtp.send_message(message)
