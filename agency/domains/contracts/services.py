"""Plan templates and contracts; one active contract per client; every change kept."""

from flask_babel import gettext as _
from sqlalchemy import select

from agency.domains.billing.periods import local_today
from agency.domains.clients.models import Client
from agency.domains.contracts.models import Contract, ContractRevision, ContractStatus, Plan
from agency.domains.contracts.schemas import ContractSchema, PlanSchema
from agency.kernel import clock, records
from agency.kernel.database import db
from agency.kernel.errors import Conflict, ValidationError
from agency.kernel.records import apply, values_for
from tenants import Agency, current_agency_id


def create_plan(data: dict) -> Plan:
    plan = Plan(**values_for(PlanSchema(), data))
    db.session.add(plan)
    db.session.commit()
    return plan


def update_plan(plan: Plan, data: dict) -> Plan:
    apply(plan, values_for(PlanSchema(), data, partial=True))
    db.session.commit()
    return plan


def plans(query: str | None = None, include_archived: bool = False) -> list[Plan]:
    return records.search(Plan, query, include_archived, Plan.name)


def _snapshot(contract: Contract) -> dict:
    fields = ContractSchema().fields
    return ContractSchema(only=[f for f in fields if f != "id"]).dump(contract)


def _check(contract: Contract) -> None:
    if db.session.get(Client, contract.client_id) is None:
        raise ValidationError.on("client_id", _("Choose a client of this agency."))
    if contract.plan_id is not None and db.session.get(Plan, contract.plan_id) is None:
        raise ValidationError.on("plan_id", _("Choose a plan of this agency."))
    if contract.ends_on and contract.ends_on < contract.starts_on:
        raise ValidationError.on("ends_on", _("The end date is before the start date."))
    if contract.status == ContractStatus.active:
        clash = db.session.scalar(
            select(Contract.id).where(
                Contract.client_id == contract.client_id,
                Contract.status == ContractStatus.active.value,
                Contract.id != (contract.id or 0),
            )
        )
        if clash is not None:
            raise Conflict(
                _("This client already has an active contract; end or pause it first."),
                {"status": [_("This client already has an active contract.")]},
            )


def _end_date_when_ended(contract: Contract) -> None:
    """An ended contract without an end date ends today (the agency's day): its final
    period is invoiced up to then."""
    if contract.status == ContractStatus.ended and contract.ends_on is None:
        today = local_today(clock.now(), db.session.get(Agency, current_agency_id()).timezone)
        contract.ends_on = max(today, contract.starts_on)


def create_contract(data: dict, changed_by_id: int | None = None) -> Contract:
    values = values_for(ContractSchema(), data)
    contract = Contract(**values)
    with db.session.no_autoflush:
        _end_date_when_ended(contract)
        _check(contract)
    db.session.add(contract)
    db.session.flush()
    db.session.add(
        ContractRevision(
            contract_id=contract.id, changed_by_id=changed_by_id, after=_snapshot(contract)
        )
    )
    db.session.commit()
    return contract


def update_contract(contract: Contract, data: dict, changed_by_id: int | None = None) -> Contract:
    values = values_for(ContractSchema(), data, partial=True)
    if "client_id" in values and values["client_id"] != contract.client_id:
        raise ValidationError.on("client_id", _("A contract cannot move to another client."))
    before = _snapshot(contract)
    with db.session.no_autoflush:
        apply(contract, values)
        _end_date_when_ended(contract)
        _check(contract)
    after = _snapshot(contract)
    if after != before:
        db.session.add(
            ContractRevision(
                contract_id=contract.id, changed_by_id=changed_by_id, before=before, after=after
            )
        )
    db.session.commit()
    return contract


def contracts(client_id: int | None = None, status: str | None = None) -> list[Contract]:
    statement = select(Contract).order_by(Contract.id)
    if client_id is not None:
        statement = statement.where(Contract.client_id == client_id)
    if status:
        statement = statement.where(Contract.status == status)
    return db.session.scalars(statement).all()
