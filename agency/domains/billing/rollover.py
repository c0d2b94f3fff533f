"""Unused included hours that roll over into the following periods, oldest first.

The rule is one pure function over a sequence of periods (``roll``): no database, no clock.
Each period first uses its own included minutes; time beyond them takes carried-over
minutes, the oldest first; what is still beyond that is overage. The included minutes a
period leaves unused become a carry that the next ``keep`` periods may use; a carry not
used by then expires. A carry is stored by the day it expires (the end of the last period
that may use it), so a closed period's carry is a fact that later settings cannot change.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from dateutil.relativedelta import relativedelta


@dataclass(frozen=True)
class Carry:
    """Minutes left unused in the period that started on ``earned_in``, usable by periods
    that start before ``expires_on``."""

    earned_in: date
    minutes: int
    expires_on: date

    def to_json(self) -> dict:
        return {
            "earned_in": self.earned_in.isoformat(),
            "minutes": self.minutes,
            "expires_on": self.expires_on.isoformat(),
        }

    @classmethod
    def from_json(cls, data: dict) -> "Carry":
        return cls(
            date.fromisoformat(data["earned_in"]),
            int(data["minutes"]),
            date.fromisoformat(data["expires_on"]),
        )


@dataclass(frozen=True)
class PeriodUsage:
    start: date
    end: date
    included_minutes: int
    used_minutes: int


@dataclass(frozen=True)
class Balance:
    """One period after the rule: what it could use, what it used, what it hands on."""

    start: date
    included_minutes: int
    used_minutes: int
    carried_in: tuple[Carry, ...]  # usable at the period's start, oldest first
    rollover_used_minutes: int
    overage_minutes: int
    left: tuple[Carry, ...]  # carried-in minutes still unused at the period's end
    carried_out: tuple[Carry, ...]  # what the next period may use, oldest first
    expired_minutes: int  # carried-in minutes that expire at the period's end

    @property
    def rollover_minutes(self) -> int:
        return sum(c.minutes for c in self.carried_in)

    @property
    def available_minutes(self) -> int:
        return self.included_minutes + self.rollover_minutes

    @property
    def remaining_minutes(self) -> int:
        return max(self.available_minutes - self.used_minutes, 0)


def roll(usages: Sequence[PeriodUsage], keep: int, carry: Iterable[Carry] = ()) -> list[Balance]:
    """The balance of each period in order, starting from ``carry`` (an earlier closed
    period's ``carried_out``). ``keep`` is how many following periods may use a period's
    unused included minutes; 0 means none roll over."""
    balances = []
    carry = tuple(carry)
    for usage in usages:
        balance = _one(usage, keep, carry)
        balances.append(balance)
        carry = balance.carried_out
    return balances


def _one(usage: PeriodUsage, keep: int, carry: tuple[Carry, ...]) -> Balance:
    if not carry:
        return _fresh(usage, keep)
    usable = ()
    if carry:
        usable = tuple(
            sorted(
                (c for c in carry if c.minutes > 0 and c.earned_in < usage.start < c.expires_on),
                key=lambda c: (c.earned_in, c.expires_on),
            )
        )
    beyond = max(usage.used_minutes - usage.included_minutes, 0)
    left = []
    for bucket in usable:
        taken = min(bucket.minutes, beyond)
        beyond -= taken
        if bucket.minutes > taken:
            left.append(Carry(bucket.earned_in, bucket.minutes - taken, bucket.expires_on))
    still = [c for c in left if c.expires_on > usage.end]
    unused = max(usage.included_minutes - usage.used_minutes, 0)
    if keep > 0 and unused:
        still.append(Carry(usage.start, unused, _months_after(usage.end, keep)))
    return Balance(
        start=usage.start,
        included_minutes=usage.included_minutes,
        used_minutes=usage.used_minutes,
        carried_in=usable,
        rollover_used_minutes=sum(c.minutes for c in usable) - sum(c.minutes for c in left),
        overage_minutes=beyond,
        left=tuple(left),
        carried_out=tuple(still),
        expired_minutes=sum(c.minutes for c in left if c.expires_on <= usage.end),
    )


def _fresh(usage: PeriodUsage, keep: int) -> Balance:
    """A period with nothing carried in (most of them): its own minutes only."""
    unused = usage.included_minutes - usage.used_minutes
    carried_out = ()
    if keep > 0 and unused > 0:
        carried_out = (Carry(usage.start, unused, _months_after(usage.end, keep)),)
    return Balance(
        start=usage.start,
        included_minutes=usage.included_minutes,
        used_minutes=usage.used_minutes,
        carried_in=(),
        rollover_used_minutes=0,
        overage_minutes=max(-unused, 0),
        left=(),
        carried_out=carried_out,
        expired_minutes=0,
    )


@lru_cache(maxsize=1024)
def _months_after(day: date, months: int) -> date:
    """The same day ``months`` later (clients' periods share their ends: once each)."""
    return day + relativedelta(months=months)
