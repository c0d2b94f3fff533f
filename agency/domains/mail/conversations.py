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
from agency.domains.notify.models import OutboundEmail
from agency.domains.work import services as work
from agency.domains.work.creation import NewItems
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
# How far back a subject from the same correspondent still names the same conversation,
# and how many of their latest messages are looked at.
SUBJECT_DAYS = 30
SUBJECT_LIMIT = 50


def normalised(subject: str | None) -> str:
    """The subject as a conversation's name: without reply and forward prefixes, spaces
    collapsed, case folded."""
    return " ".join(PREFIX.sub("", subject or "").split()).casefold()


def parents(email: InboundEmail) -> list[str]:
    """The Message-IDs the message answers, the nearest first."""
    references = (email.references or "").split()
    return [*([email.in_reply_to] if email.in_reply_to else []), *reversed(references)]


class Threads:
    """The conversations of a batch of messages, read in a few statements for the whole
    batch, then kept up to date as each message is read, in the order they came."""

    def __init__(self, emails: list[InboundEmail]):
        answered = {p for e in emails for p in parents(e)}
        # Message-ID -> thread: of the messages received, else of the replies we sent.
        self._threads = {**_sent_threads(answered), **_received_threads(answered)}
        self._subjects = _recent_subjects(emails)
        self._items: dict[tuple[int, str], WorkItem] = {}

    def key_of(self, email: InboundEmail) -> str:
        """The message's conversation: the thread of the messages it answers, else of the
        latest one from the same correspondent under the same subject, else its own
        Message-ID (or the first it answers, not known here)."""
        answered = parents(email)
        name = normalised(email.subject)
        key = (
            next((self._threads[p] for p in answered if p in self._threads), None)
            or next(
                (k for said, k in self._subjects.get(_pair(email), ()) if name and said == name),
                None,
            )
            or (answered[0][:255] if answered else email.message_id)
        )
        self._threads[email.message_id] = key
        self._subjects.setdefault(_pair(email), []).insert(0, (name, key))
        return key

    def find_items(self, emails: list[InboundEmail]) -> None:
        """The latest item of each conversation of ``emails`` (their keys known)."""
        keys = {e.thread_key for e in emails}
        found = db.session.execute(
            select(InboundEmail.client_id, InboundEmail.thread_key, WorkItem)
            .join(WorkItem, InboundEmail.work_item_id == WorkItem.id)
            .where(
                InboundEmail.thread_key.in_(keys),
                InboundEmail.client_id.in_({e.client_id for e in emails}),
            )
            .order_by(WorkItem.created_at, WorkItem.id)
        ).all()
        self._items = {(client_id, key): item for client_id, key, item in found}

    def lock_items(self) -> None:
        """Lock the conversations' items in id order before any of them is written, as
        every routing batch locks its items: a batch reading replies and a routing batch
        then never wait for each other in a circle (a deadlock, and a retry later). The
        items are read again under the lock."""
        ids = sorted({item.id for item in self._items.values()})
        if ids:
            db.session.scalars(
                select(WorkItem)
                .where(WorkItem.id.in_(ids))
                .order_by(WorkItem.id)
                .with_for_update()
                .execution_options(populate_existing=True)
            ).all()

    def item_of(self, email: InboundEmail) -> WorkItem | None:
        """The latest item made for the message's conversation."""
        return self._items.get((email.client_id, email.thread_key))

    def made(self, email: InboundEmail, item: WorkItem) -> None:
        self._items[(email.client_id, email.thread_key)] = item


def _pair(email: InboundEmail) -> tuple[int, str]:
    return email.client_id, email.from_address


def _received_threads(message_ids: set[str]) -> dict[str, str]:
    if not message_ids:
        return {}
    return dict(
        db.session.execute(
            select(InboundEmail.message_id, InboundEmail.thread_key).where(
                InboundEmail.message_id.in_(message_ids),
                InboundEmail.triage != "pending",  # not yet in a conversation
            )
        ).all()
    )


def _sent_threads(message_ids: set[str]) -> dict[str, str]:
    if not message_ids:
        return {}
    return dict(
        db.session.execute(
            select(OutboundEmail.message_id, InboundEmail.thread_key)
            .join(Draft, Draft.reply_to_email_id == InboundEmail.id)
            .join(OutboundEmail, OutboundEmail.id == Draft.outbound_email_id)
            .where(OutboundEmail.message_id.in_(message_ids))
        ).all()
    )


def _recent_subjects(emails: list[InboundEmail]) -> dict[tuple[int, str], list[tuple[str, str]]]:
    """For each correspondent of ``emails`` (client, sender): the subjects (normalised)
    and threads of the latest messages from them within SUBJECT_DAYS, newest first."""
    since = clock.now() - timedelta(days=SUBJECT_DAYS)
    recent = db.session.execute(
        select(
            InboundEmail.client_id,
            InboundEmail.from_address,
            InboundEmail.subject,
            InboundEmail.thread_key,
        )
        .where(
            InboundEmail.client_id.in_({e.client_id for e in emails}),
            InboundEmail.from_address.in_({e.from_address for e in emails}),
            InboundEmail.received_at >= since,
            InboundEmail.triage != "pending",  # not yet in a conversation
        )
        .order_by(InboundEmail.received_at.desc(), InboundEmail.id.desc())
    ).all()
    found: dict[tuple[int, str], list[tuple[str, str]]] = {}
    for client_id, sender, subject, key in recent:
        said = found.setdefault((client_id, sender), [])
        if len(said) < SUBJECT_LIMIT:
            said.append((normalised(subject), key))
    return found


def join(
    email: InboundEmail, urgent: bool, item: WorkItem | None, new_items: NewItems
) -> WorkItem | None:
    """Add ``email`` to its conversation's latest ``item``, when there is one to add it
    to; None: the message starts a new item. ``new_items`` (the reading job's) keeps the
    clients' SLA terms the job has read."""
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
        terms=new_items.terms(item.client_id, item.kind, item.priority),
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
