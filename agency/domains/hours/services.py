"""Recording time against a client's active contract.

Every source (the desk's timer, answered calls, entries typed by hand) goes through
``record_span``, so each gets the same two rules:

* a span that crosses the end of a billing period is split there, each part counted in
  its own period; the parts share the billable minutes of the whole span (the contract's
  increment and minimum apply once, not per part);
* a part whose period is already invoiced is booked on the first moment of the next
  period that is not, with the time it was worked kept on the entry
  (``original_started_at``, ``original_ended_at``) and the move noted in its audit.
"""

import math
from datetime import datetime

from dateutil.relativedelta import relativedelta
from flask_babel import gettext as _
from sqlalchemy import select

from agency.domains.billing import locks, periods
from agency.domains.billing.models import TimeEntryEdit
from agency.domains.contracts.models import Contract, ContractStatus
from agency.domains.hours.models import TimeEntry
from agency.kernel.database import db
from agency.kernel.queue import enqueue_after_commit
from tenants import Agency, current_agency_id


def billable_minutes(raw_seconds: int, rounding_minutes: int, minimum_minutes: int) -> int:
    """Raw time rounded up to the contract's increment, and at least its minimum."""
    if raw_seconds <= 0:
        return 0
    increments = math.ceil(raw_seconds / (rounding_minutes * 60))
    return max(increments * rounding_minutes, minimum_minutes)


def shares(seconds: list[int], rounding_minutes: int, minimum_minutes: int) -> list[int]:
    """The billable minutes of a split span, part by part: each part but the last its own
    time rounded up to the increment, the last what is left, so that they add up to the
    billable minutes of the whole span."""
    left = billable_minutes(sum(seconds), rounding_minutes, minimum_minutes)
    found = []
    for part in seconds[:-1]:
        share = min(left, billable_minutes(part, rounding_minutes, 0))
        found.append(share)
        left -= share
    return [*found, left]


def _parts(started_at: datetime, ended_at: datetime, billing_day: int, timezone: str):
    """The span cut where its billing periods end: (start, end) pairs."""

    period = periods.current_period(
        billing_day, periods.local_today(started_at, timezone), timezone
    )
    parts, start = [], started_at
    while period.ends_at < ended_at:
        parts.append((start, period.ends_at))
        start = period.ends_at
        period = periods.period_from(period.start + relativedelta(months=1), timezone)
    parts.append((start, ended_at))
    return parts


def record_span(
    client_id: int,
    started_at: datetime,
    ended_at: datetime,
    secretary_id: int | None = None,
    item_id: int | None = None,
    source: str = "timer",
) -> list[TimeEntry]:
    """The span's time entries in the current transaction, billed by the client's active
    contract: one, or one per billing period it crosses, each booked in an open period."""

    contract = db.session.scalar(
        select(Contract).where(
            Contract.client_id == client_id, Contract.status == ContractStatus.active.value
        )
    )
    rounding = contract.rounding_minutes if contract else 1
    minimum = contract.minimum_minutes if contract else 0
    timezone = db.session.get(Agency, current_agency_id()).timezone
    ended_at = max(ended_at, started_at)
    parts = _parts(started_at, ended_at, contract.billing_day if contract else 1, timezone)
    seconds = [math.ceil((end - start).total_seconds()) for start, end in parts]
    entries = []
    for (start, end), part_seconds, billed in zip(
        parts, seconds, shares(seconds, rounding, minimum), strict=True
    ):
        entry = TimeEntry(
            client_id=client_id,
            contract_id=contract.id if contract else None,
            secretary_id=secretary_id,
            item_id=item_id,
            started_at=start,
            ended_at=end,
            raw_minutes=math.ceil(part_seconds / 60),
            billable_minutes=billed,
            billable=contract is not None,
            source=source,
        )
        booked = locks.first_open_moment(client_id, start)
        if booked != start:
            entry.original_started_at, entry.original_ended_at = start, end
            entry.started_at, entry.ended_at = booked, booked + (end - start)
        db.session.add(entry)
        entries.append(entry)
    _note_moves([entry for entry in entries if entry.original_started_at is not None])
    if contract is not None:
        check_hours_after_commit(client_id)
    return entries


# Set while a client's hours check waits to run: entries written meanwhile need no other.
HOURS_CHECK_KEY = "secretariat:hours-check:{agency_id}:{client_id}"


def check_hours_after_commit(client_id: int) -> None:
    """Once this commits, a job tells the client and the managers if the new time crossed
    80 % or 100 % of the hours (at once, not at the next billing run)."""
    key = HOURS_CHECK_KEY.format(agency_id=current_agency_id(), client_id=client_id)
    enqueue_after_commit(
        "workers.jobs.hours_alerts", current_agency_id(), client_id, queue="billing",
        unless_pending=(key, 300),
    )  # fmt: skip


def record_time(
    client_id: int,
    started_at: datetime,
    ended_at: datetime,
    secretary_id: int | None = None,
    item_id: int | None = None,
    source: str = "timer",
) -> TimeEntry:
    """A time entry in the current transaction (see ``record_span``): the entry of the
    span's start; the parts after a period end, if any, are entries of their own."""
    return record_span(client_id, started_at, ended_at, secretary_id, item_id, source)[0]


def _note_moves(moved: list[TimeEntry]) -> None:
    """Each moved entry's audit says where the time was worked and why it moved."""
    if not moved:
        return

    db.session.flush()
    for entry in moved:
        db.session.add(
            TimeEntryEdit(
                time_entry_id=entry.id,
                before=None,
                after={
                    "started_at": entry.started_at.isoformat(),
                    "ended_at": entry.ended_at.isoformat(),
                    "original_started_at": entry.original_started_at.isoformat(),
                    "original_ended_at": entry.original_ended_at.isoformat(),
                    "raw_minutes": entry.raw_minutes,
                    "billable_minutes": entry.billable_minutes,
                    "billable": entry.billable,
                },
                reason=_(
                    "Worked in a period already invoiced: booked on the first open day after it."
                ),
            )
        )
