"""Payments to chase: invoices the client issued to their own customers. Each is chased
in the client's name (an email from their office, in their mail history), written from
one of their canned responses or a plain default, on the schedule the client chose: the
first chase so many days after the due date, then every so many days, up to a limit.
Chasing stops when the invoice is marked paid or disputed.

Exactly once: each chase is a row keyed by the invoice and its number, inserted in the
same transaction as its email; a second job trying the same chase at the same time
fails on that key and sends nothing."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel.numbers import get_currency_precision
from flask_babel import force_locale
from flask_babel import gettext as _
from marshmallow import Schema, fields, validate
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from agency.domains.calendar.ics import client_locale
from agency.domains.clients.models import Client
from agency.domains.mail import drafting, writing
from agency.domains.mail.models import MailTemplate
from agency.domains.paperwork.bills import amount_minor, today_of
from agency.domains.paperwork.models import Chase, Receivable, ReceivableStatus
from agency.kernel import validation
from agency.kernel.database import db
from agency.kernel.errors import Conflict, NotFound, ValidationError
from agency.kernel.i18n import money
from agency.kernel.records import values_for

# Chases go from this hour of the client's morning on.
FROM = time(9)


class ReceivableSchema(Schema):
    customer_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    customer_email = validation.Checked(validation.email, required=True)
    number = fields.String(required=True, validate=validate.Length(min=1, max=100))
    amount = fields.String(required=True, validate=validate.Length(min=1, max=30))
    currency = validation.Checked(validation.currency, required=True)
    issued_on = fields.Date(load_default=None, allow_none=True)
    due_on = fields.Date(required=True)
    first_after_days = fields.Integer(load_default=3, validate=validate.Range(0, 90))
    every_days = fields.Integer(load_default=7, validate=validate.Range(1, 90))
    chase_limit = fields.Integer(load_default=4, validate=validate.Range(0, 20))
    template_id = fields.Integer(load_default=None, allow_none=True)


class ScheduleSchema(Schema):
    first_after_days = fields.Integer(validate=validate.Range(0, 90))
    every_days = fields.Integer(validate=validate.Range(1, 90))
    chase_limit = fields.Integer(validate=validate.Range(0, 20))


class SettleSchema(Schema):
    on = fields.Date(load_default=None, allow_none=True)
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


def create(client: Client, data: dict) -> Receivable:
    values = values_for(ReceivableSchema(), data)
    if values["issued_on"] and values["due_on"] < values["issued_on"]:
        raise ValidationError.on("due_on", _("The due date comes before the issue date."))
    if values["template_id"] is not None:
        writing.template_for(client, values["template_id"], "email")
    found = Receivable(
        client_id=client.id,
        customer_name=values["customer_name"].strip(),
        customer_email=values["customer_email"],
        number=values["number"].strip(),
        amount_minor=amount_minor(values["amount"], values["currency"]),
        currency=values["currency"],
        issued_on=values["issued_on"],
        due_on=values["due_on"],
        first_after_days=values["first_after_days"],
        every_days=values["every_days"],
        chase_limit=values["chase_limit"],
        template_id=values["template_id"],
        status=ReceivableStatus.open.value,
    )
    db.session.add(found)
    db.session.commit()
    return found


def receivables_of(client: Client) -> list[Receivable]:
    found = db.session.scalars(
        select(Receivable)
        .where(Receivable.client_id == client.id)
        .order_by(Receivable.due_on, Receivable.id)
    ).all()
    return sorted(found, key=lambda r: r.status != ReceivableStatus.open)


def receivable_of(client: Client, receivable_id) -> Receivable:
    found = db.session.scalar(
        select(Receivable).where(Receivable.id == receivable_id, Receivable.client_id == client.id)
    )
    if found is None:
        raise NotFound()
    return found


def chases_of(receivable: Receivable) -> list[Chase]:
    return db.session.scalars(
        select(Chase).where(Chase.receivable_id == receivable.id).order_by(Chase.number)
    ).all()


def chase_day(receivable: Receivable, number: int) -> date:
    """The day the ``number``-th chase is due (the first is number 1)."""
    return receivable.due_on + timedelta(
        days=receivable.first_after_days + (number - 1) * receivable.every_days
    )


def reschedule(receivable: Receivable, data: dict) -> Receivable:
    """Change how the invoice is chased from now on (the client's choice): the reminders
    sent stay sent, the next goes by the new schedule."""
    values = values_for(ScheduleSchema(), data)
    if receivable.status != ReceivableStatus.open:
        raise Conflict(_("This invoice is settled already."))
    for name, value in values.items():
        setattr(receivable, name, value)
    db.session.commit()
    return receivable


def settle(receivable: Receivable, status: ReceivableStatus, data: dict) -> Receivable:
    """Mark it paid (``on`` a day that has come) or disputed (with a ``reason``): no
    chase goes after."""
    values = values_for(SettleSchema(), data)
    if receivable.status != ReceivableStatus.open:
        raise Conflict(_("This invoice is settled already."))
    if status == ReceivableStatus.paid:
        day = values["on"] or today_of(db.session.get(Client, receivable.client_id))
        if day > today_of(db.session.get(Client, receivable.client_id)):
            raise ValidationError.on("on", _("An invoice is paid on a day that has come."))
        receivable.paid_on = day
    else:
        reason = (values["reason"] or "").strip()
        if not reason:
            raise ValidationError.on("reason", _("Say what the customer disputes."))
        receivable.dispute_reason = reason
    receivable.status = status.value
    db.session.commit()
    return receivable


def _text(receivable: Receivable, client: Client) -> tuple[str, str]:
    """The chase's subject and text: from the client's template, else the default."""
    amount = money(receivable.amount_minor, receivable.currency)
    due = writing.long_date(client, receivable.due_on)
    variables = {"invoice_number": receivable.number, "amount": amount, "due_on": due}
    template = (
        db.session.get(MailTemplate, receivable.template_id)
        if receivable.template_id else None
    )  # fmt: skip
    if template is not None and template.archived_at is None:
        subject = template.subject or _("Invoice %(number)s", number=receivable.number)
        body = template.body
    else:
        subject = _("Payment reminder: invoice %(number)s", number=receivable.number)
        body = _(
            "Dear {contact_name},\n\nOur invoice {invoice_number} of {amount} was due on "
            "{due_on}. If it is paid already, thank you, and please ignore this reminder; "
            "if not, we would be grateful for your payment.\n\nKind regards,\n{office}"
        )

    def filled(text: str) -> str:
        text = writing.fill(text, client, receivable.customer_name)
        return writing.VARIABLE.sub(lambda m: variables.get(m.group(1), m.group(0)), text)

    return filled(subject)[:300], filled(body)


def chase_due(now: datetime) -> int:
    """Send the current agency's chases due now (from 09:00 on each client's clock); how
    many. Each at most once, however many jobs run at the same time."""
    waiting = db.session.scalars(
        select(Receivable).where(
            Receivable.status == ReceivableStatus.open.value,
            Receivable.chase_limit > 0,
        )
    ).all()
    sent = 0
    for receivable in waiting:
        client = db.session.get(Client, receivable.client_id)
        local = now.astimezone(ZoneInfo(client.timezone))
        done = db.session.scalar(
            select(func.count(Chase.id)).where(Chase.receivable_id == receivable.id)
        )
        number = done + 1
        if number > receivable.chase_limit or local.time() < FROM:
            continue
        if chase_day(receivable, number) > local.date():
            continue
        sent += _send(receivable, client, number)
    return sent


def _send(receivable: Receivable, client: Client, number: int) -> int:
    """Chase ``number`` and its email in one transaction; 0 when another job has it."""
    receivable_id = receivable.id
    chase = Chase(receivable_id=receivable_id, number=number, due_on=chase_day(receivable, number))
    db.session.add(chase)
    try:
        db.session.flush()  # the key is taken here, or waits for the job that holds it
    except IntegrityError:
        db.session.rollback()
        return 0
    with force_locale(client_locale(client)):
        subject, body = _text(receivable, client)
    try:
        draft = drafting.send_for_client(client, receivable.customer_email, subject, body)
    except IntegrityError:
        db.session.rollback()
        return 0
    found = db.session.get(Chase, chase.id)
    if found is not None:
        found.draft_id = draft.id
        db.session.commit()
    return 1


def view(receivable: Receivable) -> dict:
    digits = get_currency_precision(receivable.currency)
    chases = chases_of(receivable)
    return {
        "id": receivable.id,
        "client_id": receivable.client_id,
        "customer_name": receivable.customer_name,
        "customer_email": receivable.customer_email,
        "number": receivable.number,
        "amount": str(Decimal(receivable.amount_minor).scaleb(-digits)),
        "amount_minor": receivable.amount_minor,
        "currency": receivable.currency,
        "issued_on": receivable.issued_on,
        "due_on": receivable.due_on,
        "status": receivable.status,
        "first_after_days": receivable.first_after_days,
        "every_days": receivable.every_days,
        "chase_limit": receivable.chase_limit,
        "template_id": receivable.template_id,
        "paid_on": receivable.paid_on,
        "dispute_reason": receivable.dispute_reason,
        "next_chase_on": (
            chase_day(receivable, len(chases) + 1)
            if receivable.status == ReceivableStatus.open and len(chases) < receivable.chase_limit
            else None
        ),
        "chases": [
            {"number": c.number, "due_on": c.due_on, "sent_at": c.sent_at, "draft_id": c.draft_id}
            for c in chases
        ],
    }
