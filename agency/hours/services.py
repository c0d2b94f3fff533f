"""Recording time against a client's active contract."""

import math
from datetime import datetime

from sqlalchemy import select

from agency.contracts.models import Contract, ContractStatus
from agency.extensions import db
from agency.hours.models import TimeEntry


def billable_minutes(raw_seconds: int, rounding_minutes: int, minimum_minutes: int) -> int:
    """Raw time rounded up to the contract's increment, and at least its minimum."""
    if raw_seconds <= 0:
        return 0
    increments = math.ceil(raw_seconds / (rounding_minutes * 60))
    return max(increments * rounding_minutes, minimum_minutes)


def record_time(
    client_id: int,
    started_at: datetime,
    ended_at: datetime,
    secretary_id: int | None = None,
    item_id: int | None = None,
    source: str = "timer",
) -> TimeEntry:
    """A time entry in the current transaction, billed by the client's active contract."""
    contract = db.session.scalar(
        select(Contract).where(
            Contract.client_id == client_id, Contract.status == ContractStatus.active.value
        )
    )
    seconds = max(math.ceil((ended_at - started_at).total_seconds()), 0)
    rounding = contract.rounding_minutes if contract else 1
    minimum = contract.minimum_minutes if contract else 0
    entry = TimeEntry(
        client_id=client_id,
        contract_id=contract.id if contract else None,
        secretary_id=secretary_id,
        item_id=item_id,
        started_at=started_at,
        ended_at=ended_at,
        raw_minutes=math.ceil(seconds / 60),
        billable_minutes=billable_minutes(seconds, rounding, minimum),
        billable=contract is not None,
        source=source,
    )
    db.session.add(entry)
    return entry
