"""The client's bills to pay. A secretary records each supplier invoice (with its
document); it waits for the client's approval, unless the client's rules approve that
supplier up to that amount in advance; the secretary schedules the payment and marks it
paid; either side may dispute it. The client is reminded before it falls due, once, and
a bill past its due date that is neither paid nor disputed is overdue."""

from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from babel.numbers import get_currency_precision
from flask import current_app
from flask_babel import gettext as _
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from agency.domains.clients.models import Client
from agency.domains.notify.language import queue_email_to
from agency.domains.paperwork.models import Bill, BillRules, BillStatus
from agency.kernel import clock, validation
from agency.kernel.database import db
from agency.kernel.errors import Conflict, NotFound, ValidationError
from agency.kernel.i18n import money
from agency.kernel.records import values_for
from agency.kernel.uploads import pdf_or_image

LARGEST = Decimal("1000000000")  # a billion in major units: anything above is a typo
OPEN = (BillStatus.received, BillStatus.approved, BillStatus.scheduled)


def amount_minor(text, currency: str, field: str = "amount") -> int:
    """An amount given in major units ("123.45") as integer minor units of ``currency``;
    422 for what is not money: not a number, not above zero, more decimals than the
    currency has, or absurdly large."""
    try:
        amount = Decimal(str(text).strip().replace(",", "."))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError.on(field, _("Enter an amount, e.g. 35.50.")) from exc
    digits = get_currency_precision(currency)
    if not amount.is_finite() or amount <= 0 or amount >= LARGEST:
        raise ValidationError.on(field, _("Enter an amount above zero, e.g. 35.50."))
    if amount != amount.quantize(Decimal(1).scaleb(-digits)):
        raise ValidationError.on(
            field, _("%(currency)s has %(digits)s decimals.", currency=currency, digits=digits)
        )
    return int(amount.scaleb(digits))


class BillSchema(Schema):
    supplier = fields.String(required=True, validate=validate.Length(min=1, max=200))
    number = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    amount = fields.String(required=True, validate=validate.Length(min=1, max=30))
    currency = validation.Checked(validation.currency, required=True)
    issued_on = fields.Date(load_default=None, allow_none=True)
    due_on = fields.Date(required=True)
    notes = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=5000))


class PreApprovedSchema(Schema):
    supplier = fields.String(required=True, validate=validate.Length(min=1, max=200))
    up_to = fields.String(required=True, validate=validate.Length(min=1, max=30))
    currency = validation.Checked(validation.currency, required=True)


class BillRulesSchema(Schema):
    pre_approved = fields.List(
        fields.Nested(PreApprovedSchema), load_default=list, validate=validate.Length(max=50)
    )
    remind_days_before = fields.Integer(load_default=3, validate=validate.Range(0, 30))


class BillDecisionSchema(Schema):
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))
    on = fields.Date(load_default=None, allow_none=True)


def rules_of(client: Client) -> BillRules | None:
    return db.session.scalar(select(BillRules).where(BillRules.client_id == client.id))


def rules_view(client: Client) -> dict:
    found = rules_of(client)
    return {
        "pre_approved": [
            {
                "supplier": r["supplier"],
                "currency": r["currency"],
                "up_to": str(
                    Decimal(r["up_to_minor"]).scaleb(-get_currency_precision(r["currency"]))
                ),
            }
            for r in (found.pre_approved if found else [])
        ],  # fmt: skip
        "remind_days_before": found.remind_days_before if found else 3,
    }


def save_rules(client: Client, data: dict) -> BillRules:
    values = values_for(BillRulesSchema(), data)
    approved = []
    for n, rule in enumerate(values["pre_approved"]):
        approved.append(
            {
                "supplier": rule["supplier"].strip(),
                "currency": rule["currency"],
                "up_to_minor": amount_minor(rule["up_to"], rule["currency"], "pre_approved"),
            }
        )
        if not approved[-1]["supplier"]:
            raise ValidationError.on("pre_approved", _("Line %(n)s needs a supplier.", n=n + 1))
    found = rules_of(client) or BillRules(client_id=client.id)
    found.pre_approved, found.remind_days_before = approved, values["remind_days_before"]
    db.session.add(found)
    db.session.commit()
    return found


def _approved_in_advance(client: Client, bill: Bill) -> bool:
    rules = rules_of(client)
    return any(
        r["supplier"].casefold() == bill.supplier.casefold()
        and r["currency"] == bill.currency
        and bill.amount_minor <= r["up_to_minor"]
        for r in (rules.pre_approved if rules else [])
    )


def create(client: Client, data: dict, document: tuple[str, bytes] | None = None) -> Bill:
    """Record a bill (with its document: name and bytes); approved at once when the
    client's rules approve that supplier up to that amount."""
    values = values_for(BillSchema(), data)
    minor = amount_minor(values["amount"], values["currency"])
    if values["issued_on"] and values["due_on"] < values["issued_on"]:
        raise ValidationError.on("due_on", _("The due date comes before the issue date."))
    bill = Bill(
        client_id=client.id,
        supplier=values["supplier"].strip(),
        number=(values.get("number") or "").strip() or None,
        amount_minor=minor,
        currency=values["currency"],
        issued_on=values["issued_on"],
        due_on=values["due_on"],
        notes=(values.get("notes") or "").strip() or None,
        status=BillStatus.received.value,
    )
    if document is not None:
        limit = current_app.config["TRIP_DOCUMENT_MAX_BYTES"]
        bill.document_name, bill.document_type = pdf_or_image(*document, limit, "file")
        bill.document = document[1]
    if _approved_in_advance(client, bill):
        bill.status, bill.approved_by, bill.approved_at = "approved", "rules", clock.now()
    db.session.add(bill)
    db.session.commit()
    return bill


def attach(bill: Bill, filename: str, data: bytes) -> Bill:
    """Keep the invoice's document (a PDF or an image) on the bill, replacing any."""
    limit = current_app.config["TRIP_DOCUMENT_MAX_BYTES"]
    bill.document_name, bill.document_type = pdf_or_image(filename, data, limit, "file")
    bill.document = data
    db.session.commit()
    return bill


def document_of(bill: Bill) -> tuple[str, bytes]:
    """The bill's document (its name and bytes), or 404."""
    if not bill.document_name:
        raise NotFound()
    return bill.document_name, bill.document


def bills_of(client: Client) -> list[Bill]:
    """The client's bills: those still to settle first, soonest due first."""
    found = db.session.scalars(
        select(Bill).where(Bill.client_id == client.id).order_by(Bill.due_on, Bill.id)
    ).all()
    return sorted(found, key=lambda b: b.status not in OPEN)


def bill_of(client: Client, bill_id) -> Bill:
    found = db.session.scalar(select(Bill).where(Bill.id == bill_id, Bill.client_id == client.id))
    if found is None:
        raise NotFound()
    return found


def today_of(client: Client) -> date:
    return clock.now().astimezone(ZoneInfo(client.timezone)).date()


def overdue(bill: Bill, today: date) -> bool:
    return bill.status in OPEN and bill.due_on < today


def _move(bill: Bill, allowed: tuple, to: BillStatus) -> None:
    if bill.status not in allowed:
        raise Conflict(_("This bill cannot be moved that way now."))
    bill.status = to.value


def approve(bill: Bill) -> Bill:
    """The client approves the bill."""
    _move(bill, (BillStatus.received,), BillStatus.approved)
    bill.approved_by, bill.approved_at = "client", clock.now()
    db.session.commit()
    return bill


def dispute(bill: Bill, data: dict) -> Bill:
    reason = (values_for(BillDecisionSchema(), data).get("reason") or "").strip()
    if not reason:
        raise ValidationError.on("reason", _("Say what is wrong with the bill."))
    _move(bill, OPEN, BillStatus.disputed)
    bill.dispute_reason = reason
    db.session.commit()
    return bill


def reopen(bill: Bill) -> Bill:
    _move(bill, (BillStatus.disputed,), BillStatus.received)
    bill.dispute_reason, bill.approved_by, bill.approved_at = None, None, None
    db.session.commit()
    return bill


def schedule(bill: Bill, data: dict) -> Bill:
    """Schedule an approved bill's payment for a day from today on."""
    day = values_for(BillDecisionSchema(), data).get("on")
    if day is None or day < today_of(bill_client(bill)):
        raise ValidationError.on("on", _("Choose a day from today on."))
    _move(bill, (BillStatus.approved, BillStatus.scheduled), BillStatus.scheduled)
    bill.scheduled_for = day
    db.session.commit()
    return bill


def pay(bill: Bill, data: dict) -> Bill:
    """Mark an approved or scheduled bill paid (today, unless another day is given)."""
    day = values_for(BillDecisionSchema(), data).get("on") or today_of(bill_client(bill))
    if day > today_of(bill_client(bill)):
        raise ValidationError.on("on", _("A bill is paid on a day that has come."))
    _move(bill, (BillStatus.approved, BillStatus.scheduled), BillStatus.paid)
    bill.paid_on = day
    db.session.commit()
    return bill


def bill_client(bill: Bill) -> Client:
    return db.session.get(Client, bill.client_id)


def view(bill: Bill, today: date | None = None) -> dict:
    today = today or today_of(bill_client(bill))
    digits = get_currency_precision(bill.currency)
    return {
        "id": bill.id,
        "client_id": bill.client_id,
        "supplier": bill.supplier,
        "number": bill.number,
        "amount": str(Decimal(bill.amount_minor).scaleb(-digits)),
        "amount_minor": bill.amount_minor,
        "currency": bill.currency,
        "issued_on": bill.issued_on,
        "due_on": bill.due_on,
        "status": bill.status,
        "overdue": overdue(bill, today),
        "approved_by": bill.approved_by,
        "scheduled_for": bill.scheduled_for,
        "paid_on": bill.paid_on,
        "dispute_reason": bill.dispute_reason,
        "notes": bill.notes,
        "document_name": bill.document_name,
        "created_at": bill.created_at,
    }


def send_due_reminders(now: datetime) -> int:
    """Remind clients of the bills falling due within their reminder days (from 09:00 on
    the client's clock), each bill once; how many."""
    rules = {r.client_id: r.remind_days_before for r in db.session.scalars(select(BillRules))}
    waiting = db.session.scalars(
        select(Bill).where(
            Bill.status.in_([s.value for s in OPEN]),
            Bill.reminded_on.is_(None),
        )
    ).all()
    sent = 0
    for bill in waiting:
        client = bill_client(bill)
        zone = ZoneInfo(client.timezone)
        local = now.astimezone(zone)
        days = rules.get(bill.client_id, 3)
        if not days or local.time() < time(9) or (bill.due_on - local.date()).days > days:
            continue
        bill.reminded_on = local.date()

        if client.email:
            queue_email_to(client.email, _reminder(bill), "bill_reminder")
        sent += 1
    db.session.commit()
    return sent


def _reminder(bill: Bill):
    """The reminder's subject and text, written in the reader's language."""

    def compose() -> tuple[str, str]:
        amount, day = money(bill.amount_minor, bill.currency), bill.due_on.isoformat()
        subject = _("Bill due on %(day)s: %(supplier)s, %(amount)s",
                    day=day, supplier=bill.supplier, amount=amount)  # fmt: skip
        text = _("The bill of %(supplier)s for %(amount)s falls due on %(day)s.",
                 supplier=bill.supplier, amount=amount, day=day)  # fmt: skip
        if bill.status == BillStatus.received:
            text += "\n" + _("It waits for your approval in the portal.")
        return subject, text

    return compose
