"""Reading kept messages: the hook keeps each message as it came (``inbound.accept``) and
answers at once; this job reads what waits, in the order it came, a batch to a
transaction: the sanitised bodies, the attachments, the conversation, the triage, and
the item it makes or joins. The clients' instruction sheets and SLA terms are read once
per job, for all its batches."""

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import undefer
from sqlalchemy.orm.attributes import set_committed_value

from agency.domains.calendar import replies
from agency.domains.mail import conversations, inbound, triage
from agency.domains.mail.models import ClientMailRules, InboundEmail, Triage
from agency.domains.travel import reservations
from agency.domains.work.creation import NewItems
from agency.kernel.database import db
from agency.kernel.queue import PENDING_SECONDS, drain_holding, enqueue
from tenants import require_agency_id

BATCH = 50
# How long the job waits for more messages before it reads again: messages read
# together share their batch's look-ups.
LINGER_SECONDS = 0.05

_PENDING = InboundEmail.triage == Triage.pending.value
_WAITING = (
    select(InboundEmail)
    .options(undefer(InboundEmail.raw))
    .where(_PENDING)
    .order_by(InboundEmail.id)
)


def drain(agency_id: int) -> int:
    """The job: read the agency's kept messages in batches while holding its pending
    key; how many were read."""
    sheets: dict[int, triage.Sheet] = {}  # the clients' sheets, read once per job
    new_items = NewItems()  # and their SLA terms
    return drain_holding(
        inbound.pending_key(agency_id),
        lambda: read_all(sheets, new_items),
        _waiting,
        (inbound.READ_JOB, (agency_id,), "mail", agency_id),
        linger=LINGER_SECONDS,
    )


def read_all(
    sheets: dict[int, triage.Sheet] | None = None, new_items: NewItems | None = None
) -> int:
    """Read every kept message of the current agency, a batch at a time; ``sheets``
    keeps the clients' sheets read so far, ``new_items`` their SLA terms."""
    total = 0
    sheets = {} if sheets is None else sheets
    new_items = NewItems() if new_items is None else new_items
    while True:
        read = read_batch(sheets, new_items)
        total += read
        if read < BATCH:
            return total


def read_batch(sheets: dict[int, triage.Sheet], new_items: NewItems) -> int:
    """Read the oldest waiting messages that no other job holds, in one transaction;
    ``sheets`` keeps the clients' sheets read so far, ``new_items`` their SLA terms."""
    emails = db.session.scalars(_WAITING.limit(BATCH).with_for_update(skip_locked=True)).all()
    if not emails:
        return 0
    unread = {e.client_id for e in emails} - sheets.keys()
    if unread:
        sheets |= triage.sheets_for(
            db.session.scalars(
                select(ClientMailRules).where(ClientMailRules.client_id.in_(unread))
            ).all()
        )
    threads = conversations.Threads(emails)
    messages = {}
    for email in emails:
        messages[email.id] = inbound.reparse(email.raw)  # the hook checked it
        email.thread_key = threads.key_of(email)
    threads.find_items(emails)
    threads.lock_items()
    with db.session.no_autoflush:  # each message written once, at the end
        for email in emails:
            sheet, latest = sheets[email.client_id], threads.item_of(email)
            item = _read(email, messages[email.id], sheet, latest, new_items)
            if item is not None:
                threads.made(email, item)
    db.session.commit()
    return len(emails)


def _read(email: InboundEmail, message, sheet: triage.Sheet, latest, new_items: NewItems):
    """Read one message: its sanitised bodies and attachments, its triage, and the item
    it makes or joins (returned)."""
    email.body_text, email.body_html = inbound.bodies(message)
    set_committed_value(email, "attachments", [])  # a pending message has none yet
    email.attachments = inbound.attachments(message)
    if replies.apply(message, email.client_id):  # a participant's calendar answered
        decision = triage.Decision(Triage.ignored, "calendar reply")
    else:
        decision = triage.decide(message, email, sheet)
    email.triage, email.triage_reason = decision.outcome.value, decision.reason
    if decision.outcome != Triage.ignored:  # a booking confirmation forwarded
        reservations.propose(email, message)
    email.raw = None
    return triage.act(email, decision, message, latest, new_items)


def _waiting() -> bool:
    found = db.session.scalar(select(InboundEmail.id).where(_PENDING).limit(1))
    db.session.rollback()
    return found is not None


def sweep(now: datetime) -> bool:
    """The minute tick's safety net: a reading job for messages still waiting a while
    after they came (their job lost while Redis was away). True when one was queued."""
    stale = db.session.scalar(
        select(InboundEmail.id)
        .where(_PENDING, InboundEmail.received_at < now - timedelta(seconds=PENDING_SECONDS))
        .limit(1)
    )
    if stale is None:
        return False
    # Not through the pending key: a key left behind by a lost job may still be set.
    agency_id = require_agency_id()
    enqueue(inbound.READ_JOB, agency_id, queue="mail", agency_id=agency_id)
    return True
