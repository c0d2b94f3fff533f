"""The billed lock: once an invoice (of any status but void) covers a moment, the time
and expenses of that moment are settled.

Hand-typed entries and expenses in a settled period are refused, so a person can choose
another day. Time and costs that arrive there on their own (a desk timer stopped after
the period closed, a call billed by a late job, postage) are booked on the first moment
of the next period no invoice covers yet, so they are billed late rather than lost.
"""

from datetime import date, datetime

from sqlalchemy import exists, select

from agency.domains.billing.models import Invoice, InvoiceStatus
from agency.kernel.database import db

STANDING = Invoice.status != InvoiceStatus.void.value


def is_locked(client_id: int, at: datetime) -> bool:
    """True once a standing invoice covers this moment: the period is billed."""
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    Invoice.client_id == client_id,
                    Invoice.starts_at <= at,
                    Invoice.ends_at > at,
                    STANDING,
                )
            )
        )
    )


def is_day_locked(client_id: int, day: date) -> bool:
    """The same for a local day (an expense's)."""
    return first_open_day(client_id, day) != day


def first_open_moment(client_id: int, at: datetime) -> datetime:
    """``at`` itself when no invoice covers it, else the end of the run of invoiced
    periods that holds it: the first moment of the next period still open."""
    spans = db.session.execute(
        select(Invoice.starts_at, Invoice.ends_at)
        .where(Invoice.client_id == client_id, Invoice.ends_at > at, STANDING)
        .order_by(Invoice.starts_at)
    ).all()
    for starts_at, ends_at in spans:
        if starts_at > at:
            break
        at = max(at, ends_at)
    return at


def first_open_day(client_id: int, day: date) -> date:
    """``day`` itself when no invoice covers it, else the first local day after the run
    of invoiced periods that holds it."""
    spans = db.session.execute(
        select(Invoice.period_start, Invoice.period_end)
        .where(Invoice.client_id == client_id, Invoice.period_end > day, STANDING)
        .order_by(Invoice.period_start)
    ).all()
    for start, end in spans:
        if start > day:
            break
        day = max(day, end)
    return day
