"""Secretaries, clients, contacts, plans, contracts, assignments and matches over the API."""

from flask import abort, request
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from agency import records
from agency.api.base import api_user, json_body, json_payload, token_required
from agency.clients import services as clients
from agency.clients.models import Assignment, Client, Contact
from agency.clients.schemas import AssignmentSchema, ClientSchema, ContactSchema
from agency.contracts import services as contracts
from agency.contracts.models import Contract, Plan
from agency.contracts.schemas import ContractRevisionSchema, ContractSchema, PlanSchema
from agency.extensions import db
from agency.matching import services as matching
from agency.staff import services as staff
from agency.staff.models import Secretary
from agency.staff.schemas import SecretarySchema

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


def _archived_too() -> bool:
    return request.args.get("archived", "").lower() in {"1", "true", "yes"}


# --- secretaries ---------------------------------------------------------------------


@secretaries_bp.get("/")
@secretaries_bp.response(200, SecretarySchema(many=True))
@token_required(managers=True)
def list_secretaries():
    """Secretaries, searchable with ?q= (name or email); ?archived=1 includes archived ones."""
    return staff.search(request.args.get("q"), _archived_too())


@secretaries_bp.post("/")
@json_body(secretaries_bp, SecretarySchema)
@secretaries_bp.response(201, SecretarySchema)
@token_required(managers=True)
def create_secretary():
    return staff.create_secretary(json_payload())


@secretaries_bp.get("/<int:secretary_id>")
@secretaries_bp.response(200, SecretarySchema)
@token_required(managers=True)
def get_secretary(secretary_id):
    return db.get_or_404(Secretary, secretary_id)


@secretaries_bp.patch("/<int:secretary_id>")
@json_body(secretaries_bp, SecretarySchema)
@secretaries_bp.response(200, SecretarySchema)
@token_required(managers=True)
def update_secretary(secretary_id):
    return staff.update_secretary(db.get_or_404(Secretary, secretary_id), json_payload())


@secretaries_bp.delete("/<int:secretary_id>")
@secretaries_bp.response(200, SecretarySchema)
@token_required(managers=True)
def archive_secretary(secretary_id):
    """Archive (never delete) a secretary."""
    return records.archive(db.get_or_404(Secretary, secretary_id))


# --- clients and their contacts ------------------------------------------------------


@clients_bp.get("/")
@clients_bp.response(200, ClientSchema(many=True))
@token_required(managers=True)
def list_clients():
    return clients.search(request.args.get("q"), _archived_too())


@clients_bp.post("/")
@json_body(clients_bp, ClientSchema)
@clients_bp.response(201, ClientSchema)
@token_required(managers=True)
def create_client():
    return clients.create_client(json_payload())


@clients_bp.get("/<int:client_id>")
@clients_bp.response(200, ClientSchema)
@token_required(managers=True)
def get_client(client_id):
    return db.get_or_404(Client, client_id)


@clients_bp.patch("/<int:client_id>")
@json_body(clients_bp, ClientSchema)
@clients_bp.response(200, ClientSchema)
@token_required(managers=True)
def update_client(client_id):
    return clients.update_client(db.get_or_404(Client, client_id), json_payload())


@clients_bp.delete("/<int:client_id>")
@clients_bp.response(200, ClientSchema)
@token_required(managers=True)
def archive_client(client_id):
    return records.archive(db.get_or_404(Client, client_id))


def _contact(client_id: int, contact_id: int) -> Contact:
    contact = db.get_or_404(Contact, contact_id)
    if contact.client_id != db.get_or_404(Client, client_id).id:
        abort(404)
    return contact


@clients_bp.get("/<int:client_id>/contacts")
@clients_bp.response(200, ContactSchema(many=True))
@token_required(managers=True)
def list_contacts(client_id):
    return clients.contacts_of(db.get_or_404(Client, client_id), _archived_too())


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


@plans_bp.get("/")
@plans_bp.response(200, PlanSchema(many=True))
@token_required(managers=True)
def list_plans():
    return contracts.plans(_archived_too())


@plans_bp.post("/")
@json_body(plans_bp, PlanSchema)
@plans_bp.response(201, PlanSchema)
@token_required(managers=True)
def create_plan():
    return contracts.create_plan(json_payload())


@plans_bp.get("/<int:plan_id>")
@plans_bp.response(200, PlanSchema)
@token_required(managers=True)
def get_plan(plan_id):
    return db.get_or_404(Plan, plan_id)


@plans_bp.patch("/<int:plan_id>")
@json_body(plans_bp, PlanSchema)
@plans_bp.response(200, PlanSchema)
@token_required(managers=True)
def update_plan(plan_id):
    return contracts.update_plan(db.get_or_404(Plan, plan_id), json_payload())


@plans_bp.delete("/<int:plan_id>")
@plans_bp.response(200, PlanSchema)
@token_required(managers=True)
def archive_plan(plan_id):
    return records.archive(db.get_or_404(Plan, plan_id))


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
