"""Records whose job was lost: made while Redis could not be reached, their job was never
queued (the commit went ahead; only the enqueue failed). The minute tick queues each one's
job again once its grace period is over, and at most once a day per record (a Redis key
says so), however many ticks run: an email never tried, an urgent message never sent on,
an issued invoice never sent to the agency's Stripe account. Each job does its work once
even when it runs twice, so a job that was only late does no harm.
"""

from datetime import datetime, timedelta

from sqlalchemy import select

from agency.domains.billing.models import Invoice, InvoiceStatus
from agency.domains.billing.stripe_account import account
from agency.domains.calls.models import Message, Urgency
from agency.domains.notify.models import EmailStatus, OutboundEmail
from agency.kernel.database import db
from agency.kernel.queue import enqueue, redis_connection
from tenants import require_agency_id

GRACE = timedelta(minutes=10)
ONCE_SECONDS = 24 * 3600
BATCH = 100
KEY = "secretariat:requeued:{kind}:{id}"


def _stuck_emails(before: datetime) -> list[int]:
    return db.session.scalars(
        select(OutboundEmail.id)
        .where(
            OutboundEmail.status == EmailStatus.queued,
            OutboundEmail.attempts == 0,
            OutboundEmail.created_at < before,
        )
        .order_by(OutboundEmail.id)
        .limit(BATCH)
    ).all()


def _stuck_messages(before: datetime) -> list[int]:
    return db.session.scalars(
        select(Message.id)
        .where(
            Message.urgency == Urgency.urgent.value,
            Message.notified_at.is_(None),
            Message.created_at < before,
        )
        .order_by(Message.id)
        .limit(BATCH)
    ).all()


def _stuck_invoices(before: datetime) -> list[int]:
    settings = account()
    if settings is None or not settings.stripe_enabled:
        return []
    return db.session.scalars(
        select(Invoice.id)
        .where(
            Invoice.status == InvoiceStatus.open.value,
            Invoice.stripe_invoice_id.is_(None),
            Invoice.issued_at < before,
        )
        .order_by(Invoice.id)
        .limit(BATCH)
    ).all()


# kind: (the records left behind, their job, its queue)
RECOVERABLE = {
    "email": (_stuck_emails, "workers.jobs.deliver_email", "mail"),
    "message": (_stuck_messages, "workers.jobs.notify_message", "realtime"),
    "invoice": (_stuck_invoices, "workers.jobs.push_invoice", "billing"),
}


def requeue_stuck(now: datetime) -> dict[str, int]:
    """Queue again the job of each record of the current agency left waiting past
    ``GRACE``; how many of each kind were queued now."""
    agency_id = require_agency_id()
    redis = redis_connection()
    queued = {}
    for kind, (stuck, job, queue) in RECOVERABLE.items():
        queued[kind] = 0
        for record_id in stuck(now - GRACE):
            if redis.set(KEY.format(kind=kind, id=record_id), "1", nx=True, ex=ONCE_SECONDS):
                enqueue(job, agency_id, record_id, queue=queue, agency_id=agency_id)
                queued[kind] += 1
    db.session.rollback()
    return queued
