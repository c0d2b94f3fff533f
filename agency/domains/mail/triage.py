"""The one place that decides what an inbound message becomes."""

from dataclasses import dataclass
from email.message import EmailMessage

from flask_babel import gettext as _
from sqlalchemy import select

from agency.domains.calls.models import CallRules
from agency.domains.calls.services import vip_addresses
from agency.domains.mail import conversations
from agency.domains.mail.models import BouncedAddress, ClientMailRules, InboundEmail, Triage
from agency.domains.mail.settings import agency_settings
from agency.domains.notify.language import queue_email_to
from agency.domains.promotions import bounces as campaign_bounces
from agency.domains.work.creation import NewItems
from agency.domains.work.models import WorkItem
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


@dataclass(frozen=True)
class Sheet:
    """What triage reads of a client's instruction sheet: read once for many messages."""

    keywords: tuple[str, ...]
    vip_addresses: frozenset[str]


def sheets_for(all_rules: list[ClientMailRules]) -> dict[int, Sheet]:
    """The sheet of each client of ``all_rules``, in four statements however many: the
    urgent words (those of the client's mail, of its calls, and the agency's) and the
    addresses of its VIP list when VIP mail is urgent."""
    call_words = dict(
        db.session.execute(
            select(CallRules.client_id, CallRules.urgent_keywords).where(
                CallRules.client_id.in_({r.client_id for r in all_rules})
            )
        ).all()
    )
    agency_words = agency_settings().urgent_keywords or []
    vips = vip_addresses({r.client_id for r in all_rules if r.forward_vip})
    sheets = {}
    for rules in all_rules:
        words = [*(rules.urgent_keywords or []), *(call_words.get(rules.client_id) or [])]
        sheets[rules.client_id] = Sheet(
            tuple(w.strip().lower() for w in [*words, *agency_words] if w and w.strip()),
            vips.get(rules.client_id, frozenset()),
        )
    return sheets


def decide(message: EmailMessage, email: InboundEmail, sheet: Sheet) -> Decision:
    for header, test, reason in NO_WORK_HEADERS:
        if test(str(message.get(header) or "")):
            return Decision(Triage.ignored, reason)
    if email.from_address.startswith(BOUNCE_SENDERS):
        return Decision(Triage.ignored, "delivery report (bounce)")
    if email.from_address.lower() in sheet.vip_addresses:
        return Decision(Triage.urgent, "VIP contact")
    haystack = f"{email.subject}\n{email.body_text}".lower()
    for word in sheet.keywords:
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
    """A hard bounce marks the address: mail in a client's name to it is refused, and a
    campaign's recipient is marked bounced and suppressed for that client."""

    hard = hard_bounces(message)
    campaign_bounces.record(message, hard)
    campaign_bounces.record_complaints(message)
    for address, status in hard:
        known = db.session.scalar(select(BouncedAddress).where(BouncedAddress.address == address))
        if known is None:
            db.session.add(BouncedAddress(address=address, status=status))
            db.session.flush()  # seen by the next report, even where nothing flushes


def act(
    email: InboundEmail,
    decision: Decision,
    message: EmailMessage,
    latest: WorkItem | None,
    new_items: NewItems,
) -> WorkItem | None:
    """Urgent mail goes to the client now and an item records it; the rest waits for a
    reply in the queue; auto-replies, bounces and lists make no work. ``latest`` is the
    latest item of the message's conversation, which it joins if it can; else it makes
    one with ``new_items``. The item made or joined; in the caller's transaction."""
    if decision.outcome == Triage.ignored:
        mark_bounces(message)
        return None

    urgent = decision.outcome == Triage.urgent
    if urgent:
        _forward_to_client(email)
    joined = conversations.join(email, urgent, latest, new_items)
    if joined is not None:
        return joined  # one item per conversation: the message joined its item
    sender = email.from_name or email.from_address
    title = (
        _("Urgent email from %(sender)s: %(subject)s", sender=sender, subject=email.subject)
        if urgent
        else _("Email from %(sender)s: %(subject)s", sender=sender, subject=email.subject)
    )
    item = new_items.create(
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
    return item


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
