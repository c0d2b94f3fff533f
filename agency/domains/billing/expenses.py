"""Billable expenses (postage, fees), invoiced with the period they fall in."""

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from agency.domains.billing import locks
from agency.domains.billing.ledger import active_contract
from agency.domains.billing.models import Expense
from agency.domains.billing.schemas import ExpenseSchema
from agency.domains.clients.models import Client
from agency.kernel import validation
from agency.kernel.database import db
from agency.kernel.errors import Conflict, ValidationError


def add_expense(data: dict, user_id: int | None) -> Expense:
    data = validation.load(ExpenseSchema(), data)
    if db.session.get(Client, data["client_id"]) is None:
        raise ValidationError.on("client_id", _("No such client."))
    contract = active_contract(data["client_id"])
    if contract is not None and contract.currency != data["currency"]:
        raise ValidationError.on(
            "currency",
            _("The client's contract is in %(currency)s.", currency=contract.currency),
        )
    if locks.is_day_locked(data["client_id"], data["incurred_on"]):
        raise Conflict(_("That period is invoiced: add the expense to a later day."))
    expense = Expense(
        client_id=data["client_id"],
        description=data["description"].strip(),
        amount_minor=data["amount_minor"],
        currency=data["currency"],
        incurred_on=data["incurred_on"],
        billable=data["billable"],
        created_by_id=user_id,
    )
    db.session.add(expense)
    db.session.commit()
    return expense


def book_expense(
    client_id: int,
    description: str,
    amount_minor: int,
    currency: str,
    incurred_on: date,
    user_id: int | None,
) -> Expense:
    """A cost the work itself incurred (postage), in the current transaction: dated on
    ``incurred_on``, or on the first open day after it when that period is invoiced
    (the day it was incurred is kept in ``original_incurred_on``)."""
    booked_on = locks.first_open_day(client_id, incurred_on)
    expense = Expense(
        client_id=client_id,
        description=description[:200],
        amount_minor=amount_minor,
        currency=currency,
        incurred_on=booked_on,
        original_incurred_on=incurred_on if booked_on != incurred_on else None,
        billable=True,
        created_by_id=user_id,
    )
    db.session.add(expense)
    db.session.flush()
    return expense


def expenses(client_id: int | None = None) -> list[Expense]:
    query = select(Expense).order_by(Expense.incurred_on.desc(), Expense.id.desc())
    if client_id is not None:
        query = query.where(Expense.client_id == client_id)
    return db.session.scalars(query.limit(500)).all()
