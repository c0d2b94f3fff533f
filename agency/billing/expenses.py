"""Billable expenses (postage, fees), invoiced with the period they fall in."""

from flask_babel import gettext as _
from sqlalchemy import exists, select

from agency import validation
from agency.billing.ledger import active_contract
from agency.billing.models import Expense, Invoice
from agency.billing.schemas import ExpenseSchema
from agency.clients.models import Client
from agency.errors import Conflict, ValidationError
from agency.extensions import db


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
    invoiced = db.session.scalar(
        select(
            exists().where(
                Invoice.client_id == data["client_id"],
                Invoice.period_start <= data["incurred_on"],
                Invoice.period_end > data["incurred_on"],
            )
        )
    )
    if invoiced:
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


def expenses(client_id: int | None = None) -> list[Expense]:
    query = select(Expense).order_by(Expense.incurred_on.desc(), Expense.id.desc())
    if client_id is not None:
        query = query.where(Expense.client_id == client_id)
    return db.session.scalars(query.limit(500)).all()
