"""An invoice after the run: the manager reads the drafts and issues them, or corrects a
period by discarding a draft or voiding an issued invoice.

Discarding or voiding reopens the period: its time entries can be changed again and the period is
invoiced anew. The scheduled run leaves a reopened period alone for ``REOPENED_HOLD``,
so the manager can correct it first; running the invoicing by hand drafts it at once.
Every step is kept in ``invoice_events`` (who, when, why), and logged.
"""

import logging
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from agency.domains.billing.models import (
    BillingAccount,
    Invoice,
    InvoiceAction,
    InvoiceEvent,
    InvoiceStatus,
)
from agency.domains.hours.models import TimeEntry
from agency.kernel import clock, validation
from agency.kernel.database import db
from agency.kernel.errors import Conflict
from agency.kernel.queue import enqueue_after_commit
from tenants import Agency, require_agency_id

log = logging.getLogger(__name__)

REOPENED_HOLD = timedelta(hours=24)
VOIDABLE = {InvoiceStatus.open.value, InvoiceStatus.uncollectible.value}


class ReasonSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=3, max=500))


def record(invoice: Invoice, action: InvoiceAction, actor_id, reason=None, hold=False):
    """One step in the invoice's history (in the current transaction)."""
    event = InvoiceEvent(
        client_id=invoice.client_id,
        invoice_id=invoice.id,
        number=invoice.number,
        period_start=invoice.period_start,
        action=action.value,
        reason=reason,
        total_minor=invoice.total_minor,
        currency=invoice.currency,
        held_until=clock.now() + REOPENED_HOLD if hold else None,
        actor_id=actor_id,
    )
    db.session.add(event)
    log.info(
        "invoice %s (%s) %s by user %s: %s",
        invoice.id,
        invoice.number,
        action.value,
        actor_id,
        reason or "",
    )
    return event


def _locked(invoice: Invoice) -> Invoice:
    """The invoice's row, locked for this transaction, as it is now."""
    return db.session.get(Invoice, invoice.id, with_for_update=True, populate_existing=True)


def discard(invoice: Invoice, data: dict, user_id: int | None) -> InvoiceEvent:
    """Throw a draft away: its period's entries can be changed again, and the next run
    (or a run by hand) drafts it anew."""
    reason = validation.load(ReasonSchema(), data)["reason"].strip()
    invoice = _locked(invoice)
    if invoice.status != InvoiceStatus.draft.value:
        raise Conflict(_("Only a draft can be discarded; void an issued invoice instead."))
    event = record(invoice, InvoiceAction.discarded, user_id, reason, hold=True)
    event.invoice_id = None  # the draft is gone; its number and period stay on record
    db.session.delete(invoice)
    db.session.commit()
    return event


def void(invoice: Invoice, data: dict, user_id: int | None) -> Invoice:
    """Cancel an issued invoice, here and (by a job, after commit) in Stripe; its period
    can then be corrected and invoiced again."""

    reason = validation.load(ReasonSchema(), data)["reason"].strip()
    invoice = _locked(invoice)
    if invoice.status == InvoiceStatus.draft.value:
        raise Conflict(_("A draft is not issued yet: discard it instead."))
    if invoice.status not in VOIDABLE:
        raise Conflict(
            _("A %(status)s invoice cannot be voided.", status=_status_word(invoice.status))
        )
    invoice.status = InvoiceStatus.void.value
    record(invoice, InvoiceAction.voided, user_id, reason, hold=True)
    enqueue_after_commit(
        "workers.jobs.void_invoice", invoice.agency_id, invoice.id, queue="billing"
    )
    db.session.commit()
    return invoice


def paid_before_void(invoice: Invoice) -> None:
    """Stripe had the invoice paid when we came to void it: it stays paid."""
    invoice.status = InvoiceStatus.paid.value
    invoice.paid_at = invoice.paid_at or clock.now()
    record(invoice, InvoiceAction.paid_before_void, None, _("Paid in Stripe before the void."))
    db.session.commit()


def _status_word(status: str) -> str:
    return {
        InvoiceStatus.paid.value: _("paid"),
        InvoiceStatus.void.value: _("void"),
    }.get(status, status)


def history(client_id: int | None = None, invoice_id: int | None = None) -> list[InvoiceEvent]:
    """The steps taken on invoices, newest first; one client's or one invoice's."""
    query = select(InvoiceEvent).order_by(InvoiceEvent.at.desc(), InvoiceEvent.id.desc())
    if client_id is not None:
        query = query.where(InvoiceEvent.client_id == client_id)
    if invoice_id is not None:
        query = query.where(InvoiceEvent.invoice_id == invoice_id)
    return db.session.scalars(query.limit(500)).all()


def held(period_start, now: datetime) -> set[int]:
    """The clients whose period starting on ``period_start`` was reopened lately and is
    left to the manager until its hold ends."""
    return set(
        db.session.scalars(
            select(InvoiceEvent.client_id).where(
                InvoiceEvent.period_start == period_start, InvoiceEvent.held_until > now
            )
        )
    )


def invoices(client_id: int | None = None, status: str | None = None) -> list[Invoice]:
    query = select(Invoice).order_by(Invoice.period_start.desc(), Invoice.id.desc())
    if client_id is not None:
        query = query.where(Invoice.client_id == client_id)
    if status:
        query = query.where(Invoice.status == status)
    return db.session.scalars(query).all()


def entries_of(invoice: Invoice) -> list[TimeEntry]:
    """The time entries behind an invoice's hours lines."""
    return db.session.scalars(
        select(TimeEntry)
        .where(
            TimeEntry.client_id == invoice.client_id,
            TimeEntry.started_at >= invoice.starts_at,
            TimeEntry.started_at < invoice.ends_at,
        )
        .order_by(TimeEntry.started_at, TimeEntry.id)
    ).all()


def due_on(issued_at) -> date:
    """The day an invoice issued at ``issued_at`` must be paid by: the agency's payment
    terms from its issue day, in the agency's zone."""
    agency = db.session.get(Agency, require_agency_id())
    days = db.session.scalar(select(BillingAccount.payment_terms_days))
    day = issued_at.astimezone(ZoneInfo(agency.timezone)).date()
    return day + timedelta(days=14 if days is None else days)


def issue(invoice: Invoice, user_id: int | None) -> Invoice:
    """The manager has reviewed the draft: issue it, and push it to Stripe after commit.
    The row is locked first: of two managers issuing it at once, one does."""
    db.session.refresh(invoice, with_for_update=True)
    if invoice.status != InvoiceStatus.draft.value:
        raise Conflict(_("Only a draft invoice can be issued."))
    invoice.status = InvoiceStatus.open.value
    invoice.issued_at = clock.now()
    invoice.issued_by_id = user_id
    invoice.due_on = due_on(invoice.issued_at)
    record(invoice, InvoiceAction.issued, user_id)
    enqueue_after_commit(
        "workers.jobs.push_invoice", invoice.agency_id, invoice.id, queue="billing"
    )
    db.session.commit()
    return invoice


def push_again(invoice: Invoice) -> Invoice:
    """Ask for an issued invoice's push to Stripe once more (its last one failed)."""
    if invoice.status not in (InvoiceStatus.open.value, InvoiceStatus.uncollectible.value):
        raise Conflict(_("Only an issued invoice is sent to Stripe."))
    enqueue_after_commit(
        "workers.jobs.push_invoice", invoice.agency_id, invoice.id, queue="billing"
    )
    db.session.commit()
    return invoice
