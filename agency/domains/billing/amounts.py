"""An invoice's amounts, exact to the minor unit, and the words on its lines.

Rounding, stated once: each hours line is minutes × hourly rate / 60, rounded half up to a
whole minor unit; expenses are added as recorded; tax is the subtotal × the agency's rate
in basis points / 10,000, rounded half up once on the subtotal. All arithmetic is integers
and Decimal.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from flask_babel import gettext as _
from sqlalchemy import select

from agency.domains.billing.models import (
    BillingAccount,
    LineKind,
)
from agency.kernel.database import db


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
