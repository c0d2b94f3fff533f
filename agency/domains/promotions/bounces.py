"""Delivery reports (RFC 3464) that come back through the inbound mail hook: a hard
bounce of a campaign's message marks its recipient bounced and suppresses the address
for that client. The report's copy of the original headers names the message; without
them, the latest message sent to the address is taken."""

from email.message import EmailMessage
from email.parser import HeaderParser

from sqlalchemy import select

from agency.domains.promotions import consent
from agency.domains.promotions.models import Campaign, Recipient, RecipientStatus
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
