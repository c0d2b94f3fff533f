"""Reports that come back through the inbound mail hook: a delivery report (RFC 3464)
of a hard bounce marks a campaign's recipient bounced, and an abuse report (RFC 5965)
counts them unsubscribed; either suppresses the address for that client. The report's
copy of the original headers names the message; without them, the latest message sent to
the address is taken."""

from email.message import EmailMessage
from email.parser import HeaderParser

from sqlalchemy import select

from agency.domains.clients.models import Contact
from agency.domains.promotions import consent
from agency.domains.promotions.models import Campaign, ConsentMethod, Recipient, RecipientStatus
from agency.kernel.database import db


def original_message_id(report: EmailMessage) -> str | None:
    for part in report.walk():
        kind = part.get_content_type()
        if kind == "text/rfc822-headers":
            headers = HeaderParser().parsestr(
                part.get_payload(decode=True).decode(errors="replace")
            )
            return (headers.get("Message-ID") or "").strip() or None
        if kind == "message/rfc822":
            inner = part.get_payload()
            inner = inner[0] if isinstance(inner, list) and inner else inner
            found = inner.get("Message-ID") if hasattr(inner, "get") else None
            return str(found).strip() if found else None
    return None


def record(report: EmailMessage, hard: list[tuple[str, str]]) -> int:
    """Mark the campaign recipients the report names; how many. In the caller's
    transaction."""
    original = original_message_id(report)
    marked = 0
    for address, _status in hard:
        statement = select(Recipient).where(
            Recipient.address == address.lower(),
            Recipient.status.in_([RecipientStatus.sent, RecipientStatus.unsubscribed]),
        )
        if original:
            statement = statement.where(Recipient.message_id == original)
        recipient = db.session.scalars(statement.order_by(Recipient.id.desc()).limit(1)).first()
        if recipient is None:
            continue
        recipient.status = RecipientStatus.bounced.value
        campaign = db.session.get(Campaign, recipient.campaign_id)
        consent.suppress(campaign.client_id, address, "bounced")
        marked += 1
    return marked


def complaints(report: EmailMessage) -> list[str]:
    """The addresses an abuse report (ARF, RFC 5965) says complained."""
    found = []
    for part in report.walk():
        if part.get_content_type() != "message/feedback-report":
            continue
        blocks = part.get_payload()
        fields = blocks[0] if isinstance(blocks, list) and blocks else part
        kind = str(fields.get("Feedback-Type") or "").strip().lower()
        address = str(fields.get("Original-Rcpt-To") or "").strip().strip("<>").lower()
        if kind == "abuse" and "@" in address:
            found.append(address[:254])
    return found


def record_complaints(report: EmailMessage) -> int:
    """A reader who called a campaign spam is never written to again by that client: the
    address is suppressed, their consent withdrawn, the recipient counted unsubscribed."""
    original = original_message_id(report)
    marked = 0
    for address in complaints(report):
        statement = select(Recipient).where(
            Recipient.address == address, Recipient.status == RecipientStatus.sent
        )
        if original:
            statement = statement.where(Recipient.message_id == original)
        recipient = db.session.scalars(statement.order_by(Recipient.id.desc()).limit(1)).first()
        if recipient is None:
            continue
        recipient.status = RecipientStatus.unsubscribed.value
        campaign = db.session.get(Campaign, recipient.campaign_id)
        if consent.suppress(campaign.client_id, address, "complaint"):
            contact = (
                db.session.get(Contact, recipient.contact_id) if recipient.contact_id else None
            )
            if contact is not None:
                consent.withdraw(contact, ConsentMethod.unsubscribe, "complaint")
        marked += 1
    return marked
