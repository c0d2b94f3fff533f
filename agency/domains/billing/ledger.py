"""The hours ledger: hours used in each client's period against the included hours and
those carried over from earlier periods, by client and by secretary (entries typed or
corrected by hand: ``billing.entries``)."""

from dataclasses import dataclass
from datetime import datetime

from dateutil.relativedelta import relativedelta
from sqlalchemy import and_, case, func, or_, select

from agency.domains.billing import periods, rollover
from agency.domains.billing.locks import STANDING
from agency.domains.billing.models import Invoice, OverageApproval
from agency.domains.clients.models import Client
from agency.domains.contracts.models import Contract, ContractStatus
from agency.domains.hours.models import TimeEntry
from agency.domains.staff.models import Secretary
from agency.kernel import clock
from agency.kernel.database import db
from tenants import Agency, current_agency_id


def _agency() -> Agency:
    return db.session.get(Agency, current_agency_id())


def active_contract(client_id: int) -> Contract | None:
    return db.session.scalar(
        select(Contract).where(
            Contract.client_id == client_id, Contract.status == ContractStatus.active.value
        )
    )


def summary(client: Client, now: datetime | None = None) -> dict:
    """The client's current period: minutes used against the included minutes plus the
    carried-over ones (each with the day it expires), and the approval of extra hours."""
    return _summaries([client], now)[client.id]


def hours(client: Client, now: datetime | None = None) -> dict:
    """The client's current period's ``summary``, and who worked the minutes."""
    found = _summaries([client], now)[client.id]
    period = (
        TimeEntry.client_id == client.id,
        TimeEntry.billable.is_(True),
        TimeEntry.started_at >= found["starts_at"],
        TimeEntry.started_at < found["ends_at"],
    )
    per_secretary = db.session.execute(
        select(Secretary.id, Secretary.name, func.sum(TimeEntry.billable_minutes))
        .join(Secretary, Secretary.id == TimeEntry.secretary_id)
        .where(*period)
        .group_by(Secretary.id, Secretary.name)
        .order_by(Secretary.name)
    ).all()
    found["by_secretary"] = [
        {"secretary_id": sid, "name": name, "minutes": int(minutes)}
        for sid, name, minutes in per_secretary
    ]
    return found


def hours_by_client(
    now: datetime | None = None, client_ids: list[int] | None = None
) -> list[tuple[Client, dict]]:
    """The console's overview: each active client's hours this period (of ``client_ids``
    only, when given), in a fixed number of queries however many clients there are."""
    statement = select(Client).where(Client.archived_at.is_(None)).order_by(Client.name)
    if client_ids is not None:
        statement = statement.where(Client.id.in_(client_ids))
    clients = db.session.scalars(statement).all()
    summaries = _summaries(clients, now, everyone=True)
    return [(client, summaries[client.id]) for client in clients]


@dataclass(frozen=True)
class _Window:
    """A client's last closed and current periods."""

    previous: periods.Period
    current: periods.Period


def _summaries(clients, now: datetime | None, everyone: bool = False) -> dict[int, dict]:
    """Each client's current-period summary in five queries: contracts, minutes used,
    latest invoices, approvals (and the agency)."""
    if not clients:
        return {}
    agency = _agency()
    today = periods.local_today(now or clock.now(), agency.timezone)
    ids = [client.id for client in clients]

    def mine(column):
        return column.is_not(None) if everyone else column.in_(ids)

    contracts = {
        c.client_id: c
        for c in db.session.scalars(
            select(Contract).where(
                Contract.status == ContractStatus.active.value, mine(Contract.client_id)
            )
        )
    }
    days = {i: contracts[i].billing_day if i in contracts else 1 for i in ids}
    windows = {}
    for client_id in ids:
        current = periods.current_period(days[client_id], today, agency.timezone)
        previous = periods.period_from(current.start - relativedelta(months=1), agency.timezone)
        windows[client_id] = _Window(previous, current)
    used_now, used_before = _minutes_used(windows, days, mine)
    latest = _latest_invoices(mine)
    approvals = _approvals(mine, {w.current.start for w in windows.values()})
    return {
        client_id: _summary(
            client_id,
            window,
            contracts.get(client_id),
            used_now.get(client_id, 0),
            used_before.get(client_id, 0),
            latest.get(client_id),
            approvals.get((client_id, window.current.start)),
        )
        for client_id, window in windows.items()
    }


def _minutes_used(windows: dict[int, _Window], days: dict[int, int], mine):
    """Billable minutes per client in its current and in its last closed period: one
    aggregation. A client's periods follow from its billing day (1 without an active
    contract), so the bounds are one pair per billing day, however many clients."""
    bounds: dict[int, _Window] = {days[client_id]: w for client_id, w in windows.items()}
    day = func.coalesce(Contract.billing_day, 1)
    in_current = case(
        *(
            (
                and_(day == d, TimeEntry.started_at >= w.current.starts_at),
                TimeEntry.billable_minutes,
            )
            for d, w in bounds.items()
        ),
        else_=0,
    )
    rows = db.session.execute(
        select(TimeEntry.client_id, func.sum(in_current), func.sum(TimeEntry.billable_minutes))
        .outerjoin(
            Contract,
            and_(
                Contract.client_id == TimeEntry.client_id,
                Contract.status == ContractStatus.active.value,
            ),
        )
        .where(
            TimeEntry.billable.is_(True),
            mine(TimeEntry.client_id),
            or_(
                *(
                    and_(
                        day == d,
                        TimeEntry.started_at >= w.previous.starts_at,
                        TimeEntry.started_at < w.current.ends_at,
                    )
                    for d, w in bounds.items()
                )
            ),
        )
        .group_by(TimeEntry.client_id)
    ).all()
    now = {client_id: int(current or 0) for client_id, current, _total in rows}
    before = {client_id: int(total or 0) - now[client_id] for client_id, _c, total in rows}
    return now, before


def _latest_invoices(mine) -> dict[int, Invoice]:
    """Each client's most recent invoice: the last closed period on record, with the carry
    it handed on."""
    latest = (
        select(Invoice.client_id, func.max(Invoice.period_start).label("period_start"))
        .where(mine(Invoice.client_id), STANDING)
        .group_by(Invoice.client_id)
        .subquery()
    )
    found = db.session.execute(
        select(Invoice.client_id, Invoice.period_start, Invoice.carry_out)
        .join(
            latest,
            and_(
                Invoice.client_id == latest.c.client_id,
                Invoice.period_start == latest.c.period_start,
            ),
        )
        .where(STANDING)
    ).all()
    return {row.client_id: row for row in found}


def _approvals(mine, starts: set) -> dict[tuple, OverageApproval]:
    """The approval in force per client and period: the latest one given."""
    found = db.session.scalars(
        select(OverageApproval)
        .where(mine(OverageApproval.client_id), OverageApproval.period_start.in_(starts))
        .order_by(OverageApproval.id)
    ).all()
    return {(a.client_id, a.period_start): a for a in found}


def balance_of(contract, window: _Window, used_now: int, used_before: int, invoice):
    """The current period's rollover balance, from the last invoice's carry (closed periods
    on record are never recomputed) and, if it is not invoiced yet, the last closed period."""
    keep = contract.rollover_periods if contract else 0
    included = contract.included_minutes if contract else 0
    carry: tuple = ()
    sequence = []
    if invoice is not None and invoice.period_start < window.current.start:
        carry = tuple(rollover.Carry.from_json(c) for c in invoice.carry_out or [])
    closed_on_record = invoice is not None and invoice.period_start >= window.previous.start
    if contract is not None and not closed_on_record and contract.starts_on < window.previous.end:
        sequence.append(_usage(window.previous, included, used_before))
    sequence.append(_usage(window.current, included, used_now))
    return rollover.roll(sequence, keep, carry)[-1]


def _usage(period: periods.Period, included: int, used: int) -> rollover.PeriodUsage:
    return rollover.PeriodUsage(period.start, period.end, included, used)


def _summary(client_id, window, contract, used_now, used_before, invoice, approval) -> dict:
    balance = balance_of(contract, window, used_now, used_before, invoice)
    available = balance.available_minutes
    needs_approval = bool(contract and contract.overage_needs_approval)
    cap = approval.cap_minutes if approval else None
    blocked = (
        needs_approval
        and used_now >= available
        and (approval is None or (cap is not None and balance.overage_minutes >= cap))
    )
    return {
        "client_id": client_id,
        "period_start": window.current.start,
        "period_end": window.current.end,
        "starts_at": window.current.starts_at,
        "ends_at": window.current.ends_at,
        "included_minutes": balance.included_minutes,
        "rollover_minutes": balance.rollover_minutes,
        "available_minutes": available,
        "used_minutes": used_now,
        "remaining_minutes": balance.remaining_minutes,
        "overage_minutes": balance.overage_minutes,
        "percent_used": (used_now * 100 // available) if available else 0,
        "rollover_periods": contract.rollover_periods if contract else 0,
        "rollover": [
            {"earned_in": c.earned_in, "minutes": c.minutes, "expires_on": c.expires_on}
            for c in balance.left
        ],
        "overage_needs_approval": needs_approval,
        "overage_approval": approval,
        "overage_blocked": blocked,
    }


def hours_by_secretary(now: datetime | None = None) -> list[dict]:
    """Billable minutes each secretary logged this calendar month, in the agency's zone."""
    agency = _agency()
    today = periods.local_today(now or clock.now(), agency.timezone)
    period = periods.current_period(1, today, agency.timezone)
    rows = db.session.execute(
        select(Secretary.id, Secretary.name, func.coalesce(func.sum(TimeEntry.billable_minutes), 0))
        .outerjoin(
            TimeEntry,
            (TimeEntry.secretary_id == Secretary.id)
            & (TimeEntry.billable.is_(True))
            & (TimeEntry.started_at >= period.starts_at)
            & (TimeEntry.started_at < period.ends_at),
        )
        .group_by(Secretary.id, Secretary.name)
        .order_by(Secretary.name)
    ).all()
    return [{"secretary_id": sid, "name": name, "minutes": int(m)} for sid, name, m in rows]
