"""One item per conversation. An inbound message belongs to the conversation of the
messages it answers (its In-Reply-To and References, against the Message-IDs received
and sent), or else to the latest conversation with the same correspondent under the same
subject (without "Re:", "Fwd:" and their kin); it joins that conversation's item: an open
item takes it (one waiting on the client comes back to its secretary), a finished one
reopens within the agency's ``reopen_days``, and after that the message starts anew."""

import re
from datetime import timedelta

from sqlalchemy import select

from agency.domains.mail.models import Draft, DraftStatus, InboundEmail
from agency.domains.mail.settings import agency_settings
from agency.domains.work import services as work
from agency.domains.work.models import Status, WorkItem
from agency.domains.work.services import follow_priority
from agency.kernel import clock
from agency.kernel.database import db

# Reply and forward prefixes in the languages the product speaks, and their usual kin.
PREFIX = re.compile(
    r"^\s*(?:(?:re|fw|fwd|aw|wg|sv|vs|antw|doorst|tr|rv|enc|res|balas|vs|vast)"
    r"\s*(?:\[\d+\])?\s*:\s*)+",
    re.IGNORECASE,
)
# How far back a subject from the same correspondent still names the same conversation.
SUBJECT_DAYS = 30


def normalised(subject: str | None) -> str:
    """The subject as a conversation's name: without reply and forward prefixes, spaces
    collapsed, case folded."""
    return " ".join(PREFIX.sub("", subject or "").split()).casefold()


def by_subject(client_id: int, sender: str, subject: str) -> str | None:
    """The thread of the latest message from ``sender`` to the client under the same
    subject, within SUBJECT_DAYS."""
    name = normalised(subject)
    if not name:
        return None
    since = clock.now() - timedelta(days=SUBJECT_DAYS)
    recent = db.session.execute(
        select(InboundEmail.thread_key, InboundEmail.subject)
        .where(
            InboundEmail.client_id == client_id,
            InboundEmail.from_address == sender,
            InboundEmail.received_at >= since,
        )
        .order_by(InboundEmail.received_at.desc(), InboundEmail.id.desc())
        .limit(50)
    ).all()
    return next((key for key, said in recent if normalised(said) == name), None)


def item_of(email: InboundEmail) -> WorkItem | None:
    """The latest item made for the email's conversation."""
    return db.session.scalar(
        select(WorkItem)
        .join(InboundEmail, InboundEmail.work_item_id == WorkItem.id)
        .where(
            InboundEmail.thread_key == email.thread_key,
            InboundEmail.client_id == email.client_id,
            InboundEmail.id != email.id,
        )
        .order_by(WorkItem.created_at.desc(), WorkItem.id.desc())
        .limit(1)
    )


def join(email: InboundEmail, urgent: bool) -> WorkItem | None:
    """Add ``email`` to its conversation's item, when there is one to add it to; None:
    the message starts a new item."""
    item = item_of(email)
    if item is None or item.status == Status.cancelled:
        return None
    if item.status == Status.done:
        days = agency_settings().reopen_days
        if not days or item.closed_at is None or clock.now() - item.closed_at > timedelta(days):
            return None
    if urgent:
        follow_priority(item, "urgent")
    work.resume(
        item,
        "message_received",
        email_id=email.id,
        sender=email.from_name or email.from_address,
    )
    email.work_item_id = item.id
    return item


def messages(item: WorkItem) -> list[InboundEmail]:
    """The messages the item's conversation received, oldest first."""
    return db.session.scalars(
        select(InboundEmail)
        .where(InboundEmail.work_item_id == item.id)
        .order_by(InboundEmail.received_at, InboundEmail.id)
    ).all()


def conversation(item: WorkItem) -> list[dict]:
    """The item's conversation as the desk shows it, oldest first: each message received
    (with its attachments) and each reply sent."""
    received = [
        {
            "incoming": True,
            "at": m.received_at,
            "who": f"{m.from_name} <{m.from_address}>" if m.from_name else m.from_address,
            "subject": m.subject,
            "text": m.body_text,
            "attachments": m.attachments,
        }
        for m in messages(item)
    ]
    sent = [
        {
            "incoming": False,
            "at": d.sent_at,
            "who": d.to_address,
            "subject": d.subject,
            "text": d.body,
            "attachments": d.attachments,
        }
        for d in db.session.scalars(
            select(Draft).where(
                Draft.work_item_id == item.id, Draft.status == DraftStatus.sent.value
            )
        )
    ]
    return sorted(received + sent, key=lambda entry: entry["at"])
