"""The one place that decides what an inbound message becomes."""

from dataclasses import dataclass
from email.message import EmailMessage

from flask_babel import gettext as _
from sqlalchemy import select

from agency.domains.calls.models import CallRules
from agency.domains.calls.services import is_vip_address
from agency.domains.mail import conversations
from agency.domains.mail.models import BouncedAddress, ClientMailRules, InboundEmail, Triage
from agency.domains.mail.settings import agency_settings
from agency.domains.notify.language import queue_email_to
from agency.domains.work.creation import create_item
from agency.kernel.database import db


@dataclass(frozen=True)
class Decision:
    outcome: Triage
    reason: str


def _auto_submitted(value: str) -> bool:
    return bool(value) and value.strip().lower() != "no"


def _bulk_precedence(value: str) -> bool:
    return value.strip().lower() in {"bulk", "list", "junk", "auto_reply"}


def _present(value: str) -> bool:
    return bool(value.strip())


def _delivery_report(value: str) -> bool:
    return "multipart/report" in value.lower()


# Header, the test on its value, why such mail makes no work.
NO_WORK_HEADERS = (
    ("Auto-Submitted", _auto_submitted, "auto-submitted"),
    ("Precedence", _bulk_precedence, "bulk or list precedence"),
    ("List-Id", _present, "mailing list"),
    ("List-Unsubscribe", _present, "mailing list"),
    ("X-Autoreply", _present, "auto-reply"),
    ("Content-Type", _delivery_report, "delivery report (bounce)"),
)
BOUNCE_SENDERS = ("mailer-daemon@", "postmaster@")


def _keywords(rules: ClientMailRules) -> list[str]:
    """The client's urgent words (one sheet: those of its mail and of its calls) and the
    agency's."""
    call_words = db.session.scalar(
        select(CallRules.urgent_keywords).where(CallRules.client_id == rules.client_id)
    )
    words = [
        *(rules.urgent_keywords or []),
        *(call_words or []),
        *(agency_settings().urgent_keywords or []),
    ]
    return [w.strip().lower() for w in words if w and w.strip()]


def decide(message: EmailMessage, email: InboundEmail, rules: ClientMailRules) -> Decision:
    for header, test, reason in NO_WORK_HEADERS:
        if test(str(message.get(header) or "")):
            return Decision(Triage.ignored, reason)
    if email.from_address.startswith(BOUNCE_SENDERS):
        return Decision(Triage.ignored, "delivery report (bounce)")
    if rules.forward_vip and is_vip_address(email.client_id, email.from_address):
        return Decision(Triage.urgent, "VIP contact")
    haystack = f"{email.subject}\n{email.body_text}".lower()
    for word in _keywords(rules):
        if word in haystack:
            return Decision(Triage.urgent, f"keyword: {word}"[:200])
    return Decision(Triage.reply, "to answer")


def hard_bounces(message: EmailMessage) -> list[tuple[str, str]]:
    """(address, status) of each recipient a delivery report says failed permanently."""
    found = []
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        blocks = part.get_payload()
        for block in blocks[1:] if isinstance(blocks, list) else []:
            recipient = str(block.get("Final-Recipient") or "").rpartition(";")[2].strip()
            status = str(block.get("Status") or "").strip()
            action = str(block.get("Action") or "").strip().lower()
            if action == "failed" and status.startswith("5") and "@" in recipient:
                found.append((recipient.lower()[:254], status[:16]))
    return found


def mark_bounces(message: EmailMessage) -> None:
    """A hard bounce marks the address: mail in a client's name to it is refused."""

    for address, status in hard_bounces(message):
        known = db.session.scalar(select(BouncedAddress).where(BouncedAddress.address == address))
        if known is None:
            db.session.add(BouncedAddress(address=address, status=status))


def act(email: InboundEmail, decision: Decision, message: EmailMessage | None = None) -> None:
    """Urgent mail goes to the client now and an item records it; the rest waits for a
    reply in the queue; auto-replies, bounces and lists make no work."""
    if decision.outcome == Triage.ignored:
        if message is not None:
            mark_bounces(message)
        return

    urgent = decision.outcome == Triage.urgent
    if urgent:
        _forward_to_client(email)
    if conversations.join(email, urgent) is not None:
        return  # one item per conversation: the message joined its item
    sender = email.from_name or email.from_address
    title = (
        _("Urgent email from %(sender)s: %(subject)s", sender=sender, subject=email.subject)
        if urgent
        else _("Email from %(sender)s: %(subject)s", sender=sender, subject=email.subject)
    )
    item, _new = create_item(
        {
            "client_id": email.client_id,
            "kind": "email",
            "title": title[:300],
            "body": email.body_text[:20000],
            "priority": "urgent" if urgent else "normal",
            "source": "email",
            "source_key": email.message_id,
            "links": {"inbound_email_id": email.id, "forwarded": urgent},
        }
    )
    email.work_item_id = item.id


def _forward_to_client(email: InboundEmail) -> None:
    client = email.client
    if not client.email:
        return

    def compose():
        intro = _(
            "Urgent mail for you, forwarded by your office.\n\nFrom: %(sender)s\nSubject: "
            "%(subject)s\n\n",
            sender=f"{email.from_name or ''} <{email.from_address}>".strip(),
            subject=email.subject,
        )
        return _("Urgent: %(subject)s", subject=email.subject)[:300], intro + email.body_text

    queue_email_to(client.email, compose, "mail_forward", headers={"Reply-To": email.from_address})
