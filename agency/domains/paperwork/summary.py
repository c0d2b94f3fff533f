"""The client's month of paperwork, for them: the bills paid, the bills due and those
overdue, the invoices of theirs chased and paid, as a page and a CSV file. It is the
client's own bookkeeping helper, apart from the agency's invoices to the client."""

import csv
import io
from calendar import monthrange
from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel.numbers import get_currency_precision
from flask_babel import gettext as _
from sqlalchemy import select

from agency.domains.clients.models import Client
from agency.domains.paperwork.bills import OPEN, today_of
from agency.domains.paperwork.models import Bill, BillStatus, Chase, Receivable
from agency.domains.reports.export import cell
from agency.kernel.database import db
from agency.kernel.errors import ValidationError

KINDS = ("bill_paid", "bill_due", "bill_overdue", "invoice_chased", "invoice_paid")


def month_of(text: str | None, client: Client) -> date:
    """The first day of the month ``text`` names (YYYY-MM); this month when empty."""
    if not text:
        return today_of(client).replace(day=1)
    try:
        year, month = (int(part) for part in text.split("-"))
        return date(year, month, 1)
    except (TypeError, ValueError) as exc:
        raise ValidationError.on("month", _("Give the month as YYYY-MM.")) from exc


def _amount(minor: int, currency: str) -> str:
    return str(Decimal(minor).scaleb(-get_currency_precision(currency)))


def summary(client: Client, first: date) -> dict:
    """The month's lines (each with its ``kind``) and the totals per kind and currency."""
    last = first.replace(day=monthrange(first.year, first.month)[1])
    today = today_of(client)
    cutoff = min(today, last)
    bills = db.session.scalars(select(Bill).where(Bill.client_id == client.id)).all()
    lines = []
    for bill in bills:
        base = {"party": bill.supplier, "number": bill.number or "",
                "amount_minor": bill.amount_minor, "currency": bill.currency,
                "due_on": bill.due_on}  # fmt: skip
        if bill.status == BillStatus.paid and bill.paid_on and first <= bill.paid_on <= last:
            lines.append({**base, "kind": "bill_paid", "on": bill.paid_on})
        elif bill.status in OPEN and bill.due_on < cutoff:
            lines.append({**base, "kind": "bill_overdue", "on": bill.due_on})
        elif bill.status in OPEN and first <= bill.due_on <= last:
            lines.append({**base, "kind": "bill_due", "on": bill.due_on})
    zone = ZoneInfo(client.timezone)
    starts = datetime.combine(first, time(0), tzinfo=zone)
    ends = datetime.combine(last, time(23, 59, 59), tzinfo=zone)
    chased = db.session.execute(
        select(Chase, Receivable)
        .join(Receivable, Receivable.id == Chase.receivable_id)
        .where(Receivable.client_id == client.id, Chase.sent_at >= starts, Chase.sent_at <= ends)
        .order_by(Chase.sent_at)
    ).all()
    for chase, receivable in chased:
        lines.append({"kind": "invoice_chased", "party": receivable.customer_name,
                      "number": receivable.number, "amount_minor": receivable.amount_minor,
                      "currency": receivable.currency, "due_on": receivable.due_on,
                      "on": chase.sent_at.astimezone(zone).date()})  # fmt: skip
    for receivable in db.session.scalars(
        select(Receivable).where(
            Receivable.client_id == client.id,
            Receivable.paid_on >= first,
            Receivable.paid_on <= last,
        )
    ):
        lines.append({"kind": "invoice_paid", "party": receivable.customer_name,
                      "number": receivable.number, "amount_minor": receivable.amount_minor,
                      "currency": receivable.currency, "due_on": receivable.due_on,
                      "on": receivable.paid_on})  # fmt: skip
    lines.sort(key=lambda line: (KINDS.index(line["kind"]), line["on"], line["party"]))
    totals: dict = {}
    for line in lines:
        key = (line["kind"], line["currency"])
        count, minor = totals.get(key, (0, 0))
        totals[key] = (count + 1, minor + line["amount_minor"])
    return {
        "month": first,
        "lines": lines,
        "totals": [
            {"kind": kind, "currency": currency, "count": count, "amount_minor": minor}
            for (kind, currency), (count, minor) in sorted(
                totals.items(), key=lambda t: (KINDS.index(t[0][0]), t[0][1])
            )
        ],
    }


def as_csv(found: dict, kind_label) -> str:
    """The month's lines as CSV text, the kinds in words (``kind_label``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["kind", "supplier_or_customer", "number", "amount", "currency",
                     "due_on", "date"])  # fmt: skip
    for line in found["lines"]:
        writer.writerow([
            cell(kind_label(line["kind"])), cell(line["party"]), cell(line["number"]),
            _amount(line["amount_minor"], line["currency"]), line["currency"],
            line["due_on"].isoformat(), line["on"].isoformat(),
        ])  # fmt: skip
    return out.getvalue()
