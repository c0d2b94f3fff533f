"""Which contracts and periods an invoice run is due to bill: the periods closed since the
last invoice of each set of contract terms (looking back at most ``LOOK_BACK``), read as
plain rows and worked out once per set of terms.
"""

from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import NamedTuple

from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select, text

from agency.domains.billing import periods
from agency.domains.billing.models import (
    Invoice,
)
from agency.domains.contracts.models import Contract, ContractStatus
from agency.kernel.database import db
from tenants import current_agency_id

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


def contract_rows() -> tuple[list[_Contract], dict]:
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


def due_contracts(
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
