"""An agency's failed jobs: what each was for, when and how it failed; retry or discard.

Failed jobs live in RQ's FailedJobRegistry of each queue, shared by every agency;
a job belongs to the agency its meta names (``agency.kernel.queue.enqueue``), and any
other job, or an id that is not a failed job, is a 404.
"""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import JOB_ID_PATTERN, Job
from rq.registry import FailedJobRegistry
from rq.results import Result
from rq.serializers import resolve_serializer

from agency.domains.billing.models import Invoice
from agency.domains.notify.models import OutboundEmail
from agency.domains.staff.models import Secretary
from agency.kernel.database import db
from agency.kernel.errors import NotFound
from agency.kernel.queue import QUEUE_NAMES, redis_connection
from tenants import require_agency_id

LIST_LIMIT = 200


@dataclass
class FailedJob:
    id: str
    queue: str
    purpose: str
    failed_at: datetime | None
    attempts: int
    error: str
    status: str = "failed"


def _email_purpose(agency_id, email_id) -> str:
    email = db.session.get(OutboundEmail, email_id)
    if email is None:
        return _("Deliver email #%(id)s", id=email_id)
    return _("Deliver email to %(address)s", address=email.to_address)


def _backfill_purpose(agency_id, secretary_id) -> str:
    secretary = db.session.get(Secretary, secretary_id)
    if secretary is None:
        return _("Hand waiting items to secretary #%(id)s", id=secretary_id)
    return _("Hand waiting items to %(name)s", name=secretary.name)


def _invoice_number(invoice_id) -> str:
    invoice = db.session.get(Invoice, invoice_id)
    return invoice.number if invoice is not None else f"#{invoice_id}"


def _invoice_purpose(agency_id, invoice_id) -> str:
    return _("Send invoice %(number)s to Stripe", number=_invoice_number(invoice_id))


def _void_purpose(agency_id, invoice_id) -> str:
    return _("Void invoice %(number)s in Stripe", number=_invoice_number(invoice_id))


# Job function -> what it was for, in the reader's words, from its arguments.
PURPOSES = {
    "workers.jobs.route_item": lambda agency_id, item_id: _("Route work item #%(id)s", id=item_id),
    "workers.jobs.route_queued": lambda agency_id, queue="default": _("Route new work items"),
    "workers.jobs.read_inbound": lambda agency_id: _("Read inbound mail"),
    "workers.jobs.sync_calendar": lambda agency_id, client_id: _(
        "Keep client #%(id)s's own calendar in step", id=client_id
    ),
    "workers.jobs.deliver_email": _email_purpose,
    "workers.jobs.backfill": _backfill_purpose,
    "workers.jobs.push_invoice": _invoice_purpose,
    "workers.jobs.void_invoice": _void_purpose,
    "workers.jobs.run_schedules": lambda *a: _("Create recurring work and watch the SLAs"),
    "workers.jobs.record_call": lambda *a: _("Record a call"),
    "workers.jobs.record_calls": lambda *a: _("Record the calls that came in"),
    "workers.jobs.call_answered": lambda *a: _("Record who answered a call"),
    "workers.jobs.secretary_answered": lambda *a: _("Record the secretary who answered a call"),
    "workers.jobs.put_through": lambda *a: _("Put a call through to the client"),
    "workers.jobs.client_leg_status": lambda *a: _("Follow a call put through to the client"),
    "workers.jobs.call_ended": lambda *a: _("Record the end of a call"),
    "workers.jobs.voicemail_received": lambda *a: _("Take a voicemail as a message"),
    "workers.jobs.notify_message": lambda agency_id, message_id: _(
        "Send urgent message #%(id)s to the client", id=message_id
    ),
    "workers.jobs.poll_mailbox": lambda *a: _("Read a client's mailbox"),
    "workers.jobs.run_billing": lambda *a: _("Run the billing: invoices and hours alerts"),
    "workers.jobs.hours_alerts": lambda *a: _("Tell a client and the managers of hours used"),
    "workers.jobs.send_campaign": lambda agency_id, campaign_id: _(
        "Send campaign #%(id)s", id=campaign_id
    ),
    "workers.jobs.publish_campaign_post": lambda agency_id, campaign_id: _(
        "Post campaign #%(id)s on the client's website", id=campaign_id
    ),
}


def _purpose(job: Job) -> str:
    try:
        describe = PURPOSES.get(job.func_name)
        return describe(*job.args) if describe else _("Background work")
    except Exception:  # an unreadable payload still gets listed, to be discarded
        return _("A job that can no longer be read")


def _last_line(text: str | None) -> str:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return lines[-1][:500] if lines else ""


def _summary(job: Job) -> FailedJob:
    result = Result.fetch_latest(job, serializer=job.serializer)
    failed_at = result.created_at if result is not None else job.ended_at
    error = result.exc_string if result is not None else None
    return FailedJob(
        id=job.id,
        queue=job.origin,
        purpose=_purpose(job),
        failed_at=failed_at,
        attempts=job.meta.get("attempts") or 1,
        error=_last_line(error),
    )


def _belongs_to(meta_blob: bytes | None, agency_id: int) -> bool:
    if not meta_blob:
        return False
    try:
        meta = resolve_serializer().loads(meta_blob)
    except Exception:
        return False
    return isinstance(meta, dict) and meta.get("agency_id") == agency_id


def list_failed() -> list[FailedJob]:
    """The current agency's failed jobs, newest first."""
    agency_id = require_agency_id()
    connection = redis_connection()
    job_ids = []  # (score, id): the score is when the failure expires, so newest first
    for name in QUEUE_NAMES:
        registry = FailedJobRegistry(name, connection=connection)
        entries = connection.zrange(registry.key, 0, -1, withscores=True)
        job_ids += [(score, job_id.decode()) for job_id, score in entries]
    job_ids.sort(reverse=True)
    with connection.pipeline(transaction=False) as pipeline:
        for _score, job_id in job_ids:
            pipeline.hget(Job.key_for(job_id), "meta")
        metas = pipeline.execute()
    pairs = zip(job_ids, metas, strict=True)
    mine = [job_id for (_score, job_id), meta in pairs if _belongs_to(meta, agency_id)]
    jobs = Job.fetch_many(mine[:LIST_LIMIT], connection=connection)
    return [_summary(job) for job in jobs if job is not None]


def failed_job(job_id: str) -> Job:
    """One of the current agency's failed jobs, or a 404."""
    if not JOB_ID_PATTERN.fullmatch(job_id or ""):
        raise NotFound()
    connection = redis_connection()
    try:
        job = Job.fetch(job_id, connection=connection)
    except NoSuchJobError:
        raise NotFound() from None
    if job.meta.get("agency_id") != require_agency_id() or job.origin not in QUEUE_NAMES:
        raise NotFound()
    if job.id not in FailedJobRegistry(job.origin, connection=connection):
        raise NotFound()
    return job


def retry(job_id: str) -> FailedJob:
    """Run a failed job once more, now: back on its queue."""
    job = failed_job(job_id)
    summary = _summary(job)
    try:
        FailedJobRegistry(job.origin, connection=job.connection).requeue(job)
    except InvalidJobOperation:  # retried or discarded a moment ago
        raise NotFound() from None
    summary.status = "queued"
    return summary


def discard(job_id: str) -> FailedJob:
    """Forget a failed job: it will not run again."""
    job = failed_job(job_id)
    summary = _summary(job)
    job.delete()
    summary.status = "discarded"
    return summary
