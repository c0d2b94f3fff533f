"""Secretaries, clients, contacts, plans, contracts, assignments and matches over the API."""

from flask import abort, request
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from agency.domains.clients import services as clients
from agency.domains.clients.models import Assignment, Client, Contact
from agency.domains.clients.schemas import AssignmentSchema, ClientSchema, ContactSchema
from agency.domains.contracts import services as contracts
from agency.domains.contracts.models import Contract, Plan
from agency.domains.contracts.schemas import ContractRevisionSchema, ContractSchema, PlanSchema
from agency.domains.matching import services as matching
from agency.domains.staff import services as staff
from agency.domains.staff.models import Secretary
from agency.domains.staff.schemas import AbsenceSchema, SecretarySchema, ShiftOverrideSchema
from agency.domains.work import shifts
from agency.domains.work.schemas import ShiftSchema
from agency.kernel import records
from agency.kernel.database import db
from agency.surfaces.api.base import (
    api_user,
    archived_too,
    json_body,
    json_payload,
    record_endpoints,
    token_required,
)

secretaries_bp = Blueprint(
    "api_secretaries", __name__, url_prefix="/api/v1/secretaries", description="Secretaries"
)
clients_bp = Blueprint("api_clients", __name__, url_prefix="/api/v1/clients", description="Clients")
plans_bp = Blueprint(
    "api_plans", __name__, url_prefix="/api/v1/plans", description="Plan templates"
)
contracts_bp = Blueprint(
    "api_contracts", __name__, url_prefix="/api/v1/contracts", description="Contracts"
)
assignments_bp = Blueprint(
    "api_assignments", __name__, url_prefix="/api/v1/assignments", description="Assignments"
)
blueprints = (secretaries_bp, clients_bp, plans_bp, contracts_bp, assignments_bp)


record_endpoints(
    secretaries_bp,
    model=Secretary,
    id_name="secretary_id",
    schema=SecretarySchema,
    noun="Secretaries",
    search=staff.search,
    create=staff.create_secretary,
    update=staff.update_secretary,
    archive=shifts.archive_secretary,
)
record_endpoints(
    clients_bp,
    model=Client,
    id_name="client_id",
    schema=ClientSchema,
    noun="Clients",
    search=clients.search,
    create=clients.create_client,
    update=clients.update_client,
)
record_endpoints(
    plans_bp,
    model=Plan,
    id_name="plan_id",
    schema=PlanSchema,
    noun="Plan templates",
    search=contracts.plans,
    create=contracts.create_plan,
    update=contracts.update_plan,
)


@secretaries_bp.put("/<int:secretary_id>/shift")
@json_body(secretaries_bp, ShiftSchema)
@secretaries_bp.response(200, ShiftSchema)
@token_required(managers=True)
def set_shift(secretary_id):
    """Put a secretary on shift, on a break or off, as they would from their desk."""
    return shifts.set_shift(db.get_or_404(Secretary, secretary_id), json_payload(), api_user())


@secretaries_bp.get("/<int:secretary_id>/absences")
@secretaries_bp.response(200, AbsenceSchema(many=True))
@token_required(managers=True)
def list_absences(secretary_id):
    """Leave, sick days and other absences: routing and matching skip these days."""
    return db.get_or_404(Secretary, secretary_id).absences


@secretaries_bp.post("/<int:secretary_id>/absences")
@json_body(secretaries_bp, AbsenceSchema)
@secretaries_bp.response(201, AbsenceSchema)
@token_required(managers=True)
def add_absence(secretary_id):
    return staff.add_absence(db.get_or_404(Secretary, secretary_id), json_payload())


@secretaries_bp.delete("/<int:secretary_id>/absences/<int:absence_id>")
@secretaries_bp.response(200, AbsenceSchema)
@token_required(managers=True)
def remove_absence(secretary_id, absence_id):
    secretary = db.get_or_404(Secretary, secretary_id)
    return staff.remove_absence(staff.absence_of(secretary, absence_id))


@secretaries_bp.get("/<int:secretary_id>/shift-overrides")
@secretaries_bp.response(200, ShiftOverrideSchema(many=True))
@token_required(managers=True)
def list_shift_overrides(secretary_id):
    """Days with their own hours instead of the weekly ones (an extra shift, other hours,
    or ``"spans": []`` for a day off); they also give hours on an agency holiday."""
    return db.get_or_404(Secretary, secretary_id).shift_overrides


@secretaries_bp.post("/<int:secretary_id>/shift-overrides")
@json_body(secretaries_bp, ShiftOverrideSchema)
@secretaries_bp.response(201, ShiftOverrideSchema)
@token_required(managers=True)
def add_shift_override(secretary_id):
    """One per day: a second one for the same day is a 409."""
    return staff.add_shift_override(db.get_or_404(Secretary, secretary_id), json_payload())


@secretaries_bp.delete("/<int:secretary_id>/shift-overrides/<int:override_id>")
@secretaries_bp.response(200, ShiftOverrideSchema)
@token_required(managers=True)
def remove_shift_override(secretary_id, override_id):
    secretary = db.get_or_404(Secretary, secretary_id)
    return staff.remove_shift_override(staff.shift_override_of(secretary, override_id))


def _contact(client_id: int, contact_id: int) -> Contact:
    contact = db.get_or_404(Contact, contact_id)
    if contact.client_id != db.get_or_404(Client, client_id).id:
        abort(404)
    return contact


@clients_bp.get("/<int:client_id>/contacts")
@clients_bp.response(200, ContactSchema(many=True))
@token_required(managers=True)
def list_contacts(client_id):
    return clients.contacts_of(db.get_or_404(Client, client_id), archived_too())


@clients_bp.post("/<int:client_id>/contacts")
@json_body(clients_bp, ContactSchema)
@clients_bp.response(201, ContactSchema)
@token_required(managers=True)
def create_contact(client_id):
    return clients.create_contact(db.get_or_404(Client, client_id), json_payload())


@clients_bp.get("/<int:client_id>/contacts/<int:contact_id>")
@clients_bp.response(200, ContactSchema)
@token_required(managers=True)
def get_contact(client_id, contact_id):
    return _contact(client_id, contact_id)


@clients_bp.patch("/<int:client_id>/contacts/<int:contact_id>")
@json_body(clients_bp, ContactSchema)
@clients_bp.response(200, ContactSchema)
@token_required(managers=True)
def update_contact(client_id, contact_id):
    return clients.update_contact(_contact(client_id, contact_id), json_payload())


@clients_bp.delete("/<int:client_id>/contacts/<int:contact_id>")
@clients_bp.response(200, ContactSchema)
@token_required(managers=True)
def archive_contact(client_id, contact_id):
    return records.archive(_contact(client_id, contact_id))


class MatchSchema(Schema):
    secretary_id = fields.Integer(attribute="secretary.id")
    name = fields.String(attribute="secretary.name")
    eligible = fields.Boolean()
    score = fields.Float()
    overlap_minutes = fields.Integer()
    reasons = fields.List(fields.String())
    summary = fields.String()


@clients_bp.get("/<int:client_id>/matches")
@clients_bp.response(200, MatchSchema(many=True))
@token_required(managers=True)
def client_matches(client_id):
    """The agency's secretaries ranked for this client, each with its reasons."""
    return matching.rank(db.get_or_404(Client, client_id))


@clients_bp.get("/<int:client_id>/assignments")
@clients_bp.response(200, AssignmentSchema(many=True))
@token_required(managers=True)
def client_assignments(client_id):
    """Every assignment of the client, current and ended (the history)."""
    return clients.assignment_history(db.get_or_404(Client, client_id))


# --- plans and contracts --------------------------------------------------------------


@contracts_bp.get("/")
@contracts_bp.response(200, ContractSchema(many=True))
@token_required(managers=True)
def list_contracts():
    """Contracts, filtered with ?client_id= and ?status=."""
    client_id = request.args.get("client_id", type=int)
    return contracts.contracts(client_id, request.args.get("status"))


@contracts_bp.post("/")
@json_body(contracts_bp, ContractSchema)
@contracts_bp.response(201, ContractSchema)
@token_required(managers=True)
def create_contract():
    return contracts.create_contract(json_payload(), api_user().id)


@contracts_bp.get("/<int:contract_id>")
@contracts_bp.response(200, ContractSchema)
@token_required(managers=True)
def get_contract(contract_id):
    return db.get_or_404(Contract, contract_id)


@contracts_bp.patch("/<int:contract_id>")
@json_body(contracts_bp, ContractSchema)
@contracts_bp.response(200, ContractSchema)
@token_required(managers=True)
def update_contract(contract_id):
    contract = db.get_or_404(Contract, contract_id)
    return contracts.update_contract(contract, json_payload(), api_user().id)


@contracts_bp.get("/<int:contract_id>/revisions")
@contracts_bp.response(200, ContractRevisionSchema(many=True))
@token_required(managers=True)
def contract_revisions(contract_id):
    """Every change to the contract: who, when, before and after."""
    return db.get_or_404(Contract, contract_id).revisions


# --- assignments -----------------------------------------------------------------------


@assignments_bp.post("/")
@json_body(assignments_bp, AssignmentSchema)
@assignments_bp.response(201, AssignmentSchema)
@token_required(managers=True)
def create_assignment():
    """Assign a secretary as primary (the previous primary's assignment ends) or backup."""
    return clients.assign(json_payload(), api_user().id)


@assignments_bp.get("/<int:assignment_id>")
@assignments_bp.response(200, AssignmentSchema)
@token_required(managers=True)
def get_assignment(assignment_id):
    return db.get_or_404(Assignment, assignment_id)


@assignments_bp.delete("/<int:assignment_id>")
@assignments_bp.response(200, AssignmentSchema)
@token_required(managers=True)
def end_assignment(assignment_id):
    return clients.end_assignment(db.get_or_404(Assignment, assignment_id))
