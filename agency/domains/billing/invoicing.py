"""Closing periods into invoices, exact to the minor unit.

Rounding, stated once: each hours line is minutes × hourly rate / 60, rounded half up to a
whole minor unit; expenses are added as recorded; tax is the subtotal × the agency's rate
in basis points / 10,000, rounded half up once on the subtotal. All arithmetic is integers
and Decimal. The run reads a period's totals with one aggregation query, then works out
and writes the invoices a batch at a time (each batch's writes go out without waiting
while the next batch is worked out, on two connections in turns on PostgreSQL). Each
invoice is written whole, with its lines, or not at all; a run that fails part way may
leave some of a period's invoices, and running again makes the rest (a client has one
standing invoice per period). The run's drafts are committed without waiting for the
disk: the next run makes again what a crash of the server loses.
Hours carried over from earlier periods (``rollover``) come from the carry the client's
previous invoice handed on; each invoice stores what it used and what it hands on, so a
closed period is never recomputed.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import NamedTuple

from dateutil.relativedelta import relativedelta
from flask_babel import gettext as _
from sqlalchemy import bindparam, func, select, text

from agency.domains.billing import periods, reviews, rollover
from agency.domains.billing.locks import STANDING
from agency.domains.billing.models import (
    BillingAccount,
    Expense,
    Invoice,
    InvoiceAction,
    InvoiceLine,
    InvoiceStatus,
    LineKind,
)
from agency.domains.contracts.models import Contract, ContractStatus
from agency.domains.hours.models import TimeEntry
from agency.kernel import bulk, clock
from agency.kernel.database import db
from agency.kernel.errors import Conflict
from agency.kernel.queue import enqueue_after_commit
from tenants import Agency, current_agency_id

BATCH = 1000


@dataclass(frozen=True)
class Labels:
    """Line descriptions in the agency's language, translated once per run."""

    included: str
    overage: str
    tax: str

    @classmethod
    def current(cls) -> "Labels":
        return cls(
            included=_("%(plan)s: %(hours)s hours included"),
            overage=_("Overage: %(hours)s hours"),
            tax=_("Tax %(rate)s%%"),
        )


@dataclass
class Bill:
    """The invoice of one period before it is written: its lines and totals."""

    lines: list[dict] = field(default_factory=list)
    subtotal_minor: int = 0
    tax_minor: int = 0
    total_minor: int = 0
    overage_minutes: int = 0


@lru_cache(maxsize=4096)
def hours_amount(minutes: int, hourly_rate_minor: int) -> int:
    """minutes × rate / 60, rounded half up to a whole minor unit."""
    exact = Decimal(minutes) * Decimal(hourly_rate_minor) / Decimal(60)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def tax_amount(subtotal_minor: int, basis_points: int) -> int:
    exact = Decimal(subtotal_minor) * Decimal(basis_points) / Decimal(10000)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def compute(
    terms,
    used_minutes: int,
    expenses: list,
    tax_basis_points: int,
    labels: Labels | None = None,
    rollover_minutes: int = 0,
) -> Bill:
    """Included hours at the plan price, overage (the minutes beyond the included and the
    carried-over ones) at the overage rate, expenses, tax."""
    labels = labels or Labels.current()
    beyond = used_minutes - terms.included_minutes - rollover_minutes
    bill = Bill(overage_minutes=max(beyond, 0))
    if terms.included_minutes:
        bill.lines.append(
            {
                "kind": LineKind.included.value,
                "description": labels.included
                % {"plan": terms.plan_name, "hours": _hours_text(terms.included_minutes)},
                "minutes": terms.included_minutes,
                "rate_minor": terms.hourly_rate_minor,
                "amount_minor": hours_amount(terms.included_minutes, terms.hourly_rate_minor),
            }
        )
    if bill.overage_minutes:
        bill.lines.append(
            {
                "kind": LineKind.overage.value,
                "description": labels.overage % {"hours": _hours_text(bill.overage_minutes)},
                "minutes": bill.overage_minutes,
                "rate_minor": terms.overage_rate_minor,
                "amount_minor": hours_amount(bill.overage_minutes, terms.overage_rate_minor),
            }
        )
    for expense_id, description, amount_minor in expenses:
        bill.lines.append(
            {
                "kind": LineKind.expense.value,
                "description": description,
                "minutes": None,
                "rate_minor": None,
                "amount_minor": amount_minor,
                "expense_id": expense_id,
            }
        )
    bill.subtotal_minor = sum(line["amount_minor"] for line in bill.lines)
    bill.tax_minor = tax_amount(bill.subtotal_minor, tax_basis_points)
    if bill.tax_minor:
        bill.lines.append(
            {
                "kind": LineKind.tax.value,
                "description": labels.tax % {"rate": _rate_text(tax_basis_points)},
                "minutes": None,
                "rate_minor": None,
                "amount_minor": bill.tax_minor,
            }
        )
    bill.total_minor = bill.subtotal_minor + bill.tax_minor
    return bill


@lru_cache(maxsize=4096)
def _hours_text(minutes: int) -> str:
    return str((Decimal(minutes) / 60).quantize(Decimal("0.01")))


@lru_cache(maxsize=64)
def _rate_text(basis_points: int) -> str:
    return str((Decimal(basis_points) / 100).normalize())


def tax_basis_points() -> int:
    account = db.session.scalar(select(BillingAccount))
    return account.tax_basis_points if account else 0


# How many closed periods back a run looks for one not invoiced yet (a failed job, a
# suspended agency): the last twelve.
LOOK_BACK = 12
BILLED = (ContractStatus.active.value, ContractStatus.ended.value)


class _Contract(NamedTuple):
    """A contract the run may invoice, as a plain row: its billing terms first (what an
    invoice is worked out from; a final period cut short has its included minutes
    prorated), then what decides its periods. The fields are the columns' names."""

    id: int
    client_id: int
    plan_name: str
    included_minutes: int
    hourly_rate_minor: int
    overage_rate_minor: int
    currency: str
    rollover_periods: int
    billing_day: int
    starts_on: date
    ends_on: date | None
    status: str
    created_at: datetime


# Plain SQL typed by the columns, so only the values whose type needs it are processed
# (none of them on PostgreSQL but the times); statements on the connection skip the
# ORM's tenant criteria, so each names the agency itself.
_CONTRACTS = text(
    f"SELECT {', '.join(_Contract._fields)} FROM contracts"
    f" WHERE agency_id = :agency_id AND status IN ({', '.join(repr(s) for s in BILLED)})"
    " ORDER BY id"
).columns(*(Contract.__table__.c[name] for name in _Contract._fields))


def _contracts() -> tuple[list[_Contract], dict]:
    """The contracts a run may invoice, and each client's first invoiced period."""
    connection = db.session.connection()
    agency_id = current_agency_id()
    contracts = list(map(_Contract._make, connection.execute(_CONTRACTS, {"agency_id": agency_id})))
    first_invoiced = dict(
        connection.execute(
            select(Invoice.client_id, func.min(Invoice.period_start))
            .where(Invoice.agency_id == agency_id)
            .group_by(Invoice.client_id)
        ).all()
    )
    return contracts, first_invoiced


def _due_contracts(
    contracts, first_invoiced: dict, today: date, timezone: str
) -> dict[periods.Period, list]:
    """Each closed period not invoiced yet, with the contracts to invoice for it, oldest
    period first (an invoice's carry comes from the one before)."""
    chosen: dict[tuple, tuple] = {}  # (client, period start) -> (contract, period)
    found: dict[tuple, tuple] = {}  # most contracts share their terms: periods once each
    for contract in contracts:
        since = first_invoiced.get(contract.client_id)
        terms = (contract.created_at, since, contract.billing_day, contract.starts_on)
        terms += (contract.ends_on, contract.status)
        closed = found.get(terms)
        if closed is None:
            recorded = periods.local_today(contract.created_at, timezone)
            closed = found[terms] = _closed_periods(contract, recorded, today, timezone, since)
        for period in closed:
            key = (contract.client_id, period.start)
            if key not in chosen or chosen[key][0].starts_on < contract.starts_on:
                chosen[key] = (contract, period)
    by_period: dict[periods.Period, list] = {}
    full_periods: dict[date, periods.Period] = {}
    for contract, period in chosen.values():
        full = full_periods.get(period.start)
        if full is None:
            full = full_periods[period.start] = periods.period_from(period.start, timezone)
        by_period.setdefault(period, []).append(_terms(contract, period, full))
    return dict(sorted(by_period.items(), key=lambda item: (item[0].start, item[0].end)))


def _closed_periods(
    contract, recorded_on: date, today: date, timezone: str, first_invoiced: date | None
):
    """The contract's periods that have ended by ``today``, newest first, at most
    ``LOOK_BACK`` of them, from the first one Secretariat bills: the client's first
    invoice's, the one the contract was recorded in, or at latest the last closed one
    (a contract recorded with a past start is not billed for periods before it was
    recorded). A contract that has ended bills through its last day."""
    if contract.status == ContractStatus.ended.value and contract.ends_on is None:
        return ()
    return _billed_periods(
        contract.billing_day,
        recorded_on,
        today,
        timezone,
        first_invoiced,
        contract.starts_on,
        contract.ends_on,
    )


@lru_cache(maxsize=4096)
def _billed_periods(
    billing_day: int,
    recorded_on: date,
    today: date,
    timezone: str,
    first_invoiced: date | None,
    starts_on: date,
    ends_on: date | None,
) -> tuple[periods.Period, ...]:
    """``_closed_periods`` of every contract with these terms (most of an agency's
    contracts share them: worked out once for them all)."""
    last = periods.last_closed_period(billing_day, today, timezone)
    recorded = periods.current_period(billing_day, recorded_on, timezone)
    earliest = min(day for day in (first_invoiced, recorded.start, last.start) if day)
    stop = ends_on + timedelta(days=1) if ends_on else None
    return _periods_back(billing_day, today, timezone, earliest, starts_on, stop)


def _periods_back(
    billing_day: int, today: date, timezone: str, earliest: date, starts_on: date, stop
) -> tuple[periods.Period, ...]:
    """The closed periods from ``today``'s back to ``earliest``, newest first, none
    before ``starts_on`` and none from ``stop`` on (the last cut short there)."""
    found = []
    period = periods.current_period(billing_day, today, timezone)
    for _step in range(LOOK_BACK + 1):
        if period.start < earliest or period.end <= starts_on:
            break
        if stop is None or period.start < stop:  # else: after the contract's end
            billed = period
            if stop is not None and stop < period.end:
                billed = periods.between(period.start, stop, timezone)
            if billed.end <= today:
                found.append(billed)
        period = periods.period_from(period.start - relativedelta(months=1), timezone)
    return tuple(found[:LOOK_BACK])


def _terms(contract: _Contract, period: periods.Period, full: periods.Period) -> _Contract:
    """The contract's terms for ``period`` (``full``: the whole period it is part of): a
    final period cut short by the contract's end includes its share of the included
    minutes, by local days, rounded half up."""
    if period.end == full.end:
        return contract
    days, of = (period.end - period.start).days, (full.end - full.start).days
    share = Decimal(contract.included_minutes) * days / of
    return contract._replace(included_minutes=int(share.quantize(Decimal(1), ROUND_HALF_UP)))


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
    contracts, first_invoiced = _contracts()
    due = _due_contracts(contracts, first_invoiced, today, agency.timezone)
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
        used = _minutes_used(period)
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


# Billable minutes per client from ``start`` to ``end``: one aggregation, a row a client.
_MINUTES = (
    select(TimeEntry.client_id, func.sum(TimeEntry.billable_minutes))
    .where(
        TimeEntry.billable.is_(True),
        TimeEntry.started_at >= bindparam("start"),
        TimeEntry.started_at < bindparam("end"),
    )
    .group_by(TimeEntry.client_id)
)


def _minutes_used(period) -> dict[int, int]:
    """Billable minutes per client in the period."""
    rows = db.session.execute(_MINUTES, {"start": period.starts_at, "end": period.ends_at})
    return {client_id: int(minutes) for client_id, minutes in rows.all()}  # one fetch


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


def issue(invoice: Invoice, user_id: int | None) -> Invoice:
    """The manager has reviewed the draft: issue it, and push it to Stripe after commit."""

    if invoice.status != InvoiceStatus.draft.value:
        raise Conflict(_("Only a draft invoice can be issued."))
    invoice.status = InvoiceStatus.open.value
    invoice.issued_at = clock.now()
    invoice.issued_by_id = user_id
    reviews.record(invoice, InvoiceAction.issued, user_id)
    enqueue_after_commit(
        "workers.jobs.push_invoice", invoice.agency_id, invoice.id, queue="billing"
    )
    db.session.commit()
    return invoice
