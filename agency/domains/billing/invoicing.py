"""Closing periods into invoices (the amounts: ``amounts``; what is due: ``due``).

The run reads a period's totals with one aggregation query, then works out and writes the
invoices a batch at a time (each batch's writes go out without waiting while the next
batch is worked out, on two connections in turns on PostgreSQL). Each invoice is written
whole, with its lines, or not at all; a run that fails part way may leave some of a
period's invoices, and running again makes the rest (a client has one standing invoice
per period). The run's drafts are committed without waiting for the disk: the next run
makes again what a crash of the server loses. Hours carried over from earlier periods
(``rollover``) come from the carry the client's previous invoice handed on; each invoice
stores what it used and what it hands on, so a closed period is never recomputed.
"""

from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import func, select

from agency.domains.billing import periods, reviews, rollover
from agency.domains.billing.amounts import Labels, compute, tax_basis_points
from agency.domains.billing.due import contract_rows, due_contracts
from agency.domains.billing.locks import STANDING
from agency.domains.billing.models import (
    Expense,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
)
from agency.domains.hours import totals
from agency.kernel import bulk, clock
from agency.kernel.database import db
from agency.kernel.errors import ValidationError
from tenants import Agency, current_agency_id

BATCH = 1000


def run_by_hand(on: date | None = None) -> list[int]:
    """A manager's run, from the console or the API: the periods ended by ``on`` (a local
    day, today by default), which may not lie after today in the agency's zone."""
    agency = db.session.get(Agency, current_agency_id())
    if on is not None and on > periods.local_today(clock.now(), agency.timezone):
        raise ValidationError.on(
            "on", _("Choose today or an earlier day: a period is invoiced once it has ended.")
        )
    return run(on=on)


@bulk.collection_paused()
def run(on: date | None = None, now: datetime | None = None, scheduled: bool = False) -> list[int]:
    """Invoice every client's closed periods that are not invoiced yet (the last twelve at
    most, and a contract's final period once it has ended); returns the new invoices'
    ids. Running it again for the same day makes nothing new. The scheduled run leaves a
    period the manager reopened lately (a discarded draft, a void) to them."""
    agency = db.session.get(Agency, current_agency_id())
    now = now or clock.now()
    today = on or periods.local_today(now, agency.timezone)
    tax = tax_basis_points()
    labels = Labels.current()
    created_at = clock.now()
    created: list[int] = []
    contracts, first_invoiced = contract_rows()
    due = due_contracts(contracts, first_invoiced, today, agency.timezone)
    for period, contracts in due.items():
        skipped = set(
            db.session.scalars(
                select(Invoice.client_id).where(Invoice.period_start == period.start, STANDING)
            )
        )
        if scheduled:
            skipped |= reviews.held(period.start, now)
        contracts = [c for c in contracts if c.client_id not in skipped]
        if not contracts:
            continue
        used = totals.billable_minutes(period.starts_at, period.ends_at)
        expenses = _expenses(period)
        carry = _carry_in(period)
        numbers = _numbers(period)
        ids = iter(bulk.new_ids(Invoice, len(contracts)))
        with bulk.writers() as cursors:  # a batch's invoices and lines on one connection
            for at in range(0, len(contracts), BATCH):
                rows, lines = _bills(
                    period, contracts[at : at + BATCH], ids, used, expenses, tax, carry, labels
                )
                for row in rows:
                    row["number"] = numbers(row["client_id"])
                _write_invoices(agency.id, period, tax, created_at, rows, lines, next(cursors))
                created += [row["id"] for row in rows]
    bulk.commit_without_waiting()  # drafts: a crash's loss is made again by the next run
    return created


def _numbers(period):
    """Each client's invoice number for the period: ``<yyyymm>-<client>``, and ``-2``,
    ``-3``… after voided ones, so no number is used twice."""
    voided = dict(
        db.session.execute(
            select(Invoice.client_id, func.count(Invoice.id))
            .where(
                Invoice.period_start == period.start,
                Invoice.status == InvoiceStatus.void.value,
            )
            .group_by(Invoice.client_id)
        ).all()
    )

    month = f"{period.start:%Y%m}"

    def number(client_id: int) -> str:
        base = f"{month}-{client_id}"
        return f"{base}-{voided[client_id] + 1}" if client_id in voided else base

    return number


def _carry_in(period) -> dict[int, tuple]:
    """What each client's latest earlier invoice handed on, for the clients it handed
    anything on to: one query for the period."""
    latest = (
        select(Invoice.client_id, func.max(Invoice.period_start).label("period_start"))
        .where(Invoice.period_start < period.start, STANDING)
        .group_by(Invoice.client_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Invoice.client_id, Invoice.carry_out)
        .join(
            latest,
            (Invoice.client_id == latest.c.client_id)
            & (Invoice.period_start == latest.c.period_start),
        )
        .where(func.json_array_length(Invoice.carry_out) > 0, STANDING)
    )
    return {
        client_id: tuple(rollover.Carry.from_json(c) for c in carry) for client_id, carry in rows
    }


def balance(contract, period, used_minutes: int, carry: tuple) -> rollover.Balance:
    """The closed period under the rollover rule, from the carry of the invoice before."""
    usage = rollover.PeriodUsage(period.start, period.end, contract.included_minutes, used_minutes)
    return rollover.roll([usage], contract.rollover_periods, carry)[0]


def _expenses(period) -> dict[int, list]:
    found: dict[int, list] = {}
    for row in db.session.execute(
        select(Expense.id, Expense.client_id, Expense.description, Expense.amount_minor)
        .where(
            Expense.billable.is_(True),
            Expense.incurred_on >= period.start,
            Expense.incurred_on < period.end,
        )
        .order_by(Expense.incurred_on, Expense.id)
    ):
        found.setdefault(row.client_id, []).append((row.id, row.description, row.amount_minor))
    return found


def _bills(period, contracts, ids, used, expenses, tax, carry, labels) -> tuple[list, dict]:
    """One batch's invoices as rows, each with the next of ``ids``, and their lines by
    invoice id: worked out without the database."""
    rows, lines = [], {}
    for c in contracts:
        minutes = used.get(c.client_id, 0)
        carried_in = carry.get(c.client_id, ())
        if carried_in or c.rollover_periods:
            held = balance(c, period, minutes, carried_in)
            rollover_in, rollover_used = held.rollover_minutes, held.rollover_used_minutes
            carry_out = [carried.to_json() for carried in held.carried_out]
        else:  # nothing carried in, nothing to hand on: the rule has nothing to do
            rollover_in = rollover_used = 0
            carry_out = []
        bill = compute(c, minutes, expenses.get(c.client_id, []), tax, labels, rollover_in)
        invoice_id = next(ids)
        rows.append(
            {
                "id": invoice_id,
                "client_id": c.client_id,
                "contract_id": c.id,
                "currency": c.currency,
                "included_minutes": c.included_minutes,
                "used_minutes": minutes,
                "overage_minutes": bill.overage_minutes,
                "rollover_minutes": rollover_used,
                "carry_out": carry_out,
                "subtotal_minor": bill.subtotal_minor,
                "tax_minor": bill.tax_minor,
                "total_minor": bill.total_minor,
            }
        )
        lines[invoice_id] = bill.lines
    return rows, lines


def _write_invoices(agency_id, period, tax: int, created_at: datetime, rows, lines, cursor):
    """One batch of invoices and their lines, two statements that need no answer, on
    ``cursor`` (one of ``bulk.writers``)."""
    bulk.insert_rows(
        Invoice,
        rows,
        same={
            "agency_id": agency_id,
            "period_start": period.start,
            "period_end": period.end,
            "starts_at": period.starts_at,
            "ends_at": period.ends_at,
            "tax_basis_points": tax,
            "status": InvoiceStatus.draft.value,
            "created_at": created_at,
        },
        cursor=cursor,
    )
    bulk.insert_rows(
        InvoiceLine,
        [
            {"invoice_id": invoice_id, "position": position, "expense_id": None, **line}
            for invoice_id, bill_lines in lines.items()
            for position, line in enumerate(bill_lines, start=1)
        ],
        same={"agency_id": agency_id},
        cursor=cursor,
    )
