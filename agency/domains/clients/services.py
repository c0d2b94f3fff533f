"""Clients, their address book and who serves them."""

from flask_babel import gettext as _
from sqlalchemy import select

from agency.domains.clients.models import Assignment, AssignmentRole, Client, Contact
from agency.domains.clients.schemas import AssignmentSchema, ClientSchema, ContactSchema
from agency.domains.staff.models import Secretary
from agency.kernel import clock, live, records
from agency.kernel.database import db
from agency.kernel.errors import ValidationError
from agency.kernel.records import apply, values_for


def new_client(data: dict) -> Client:
    """A checked client added to the session, not yet committed."""
    client = Client(**values_for(ClientSchema(), data))
    if client.status_text:
        client.status_since = clock.now()
    db.session.add(client)
    return client


def create_client(data: dict) -> Client:
    client = new_client(data)
    db.session.commit()
    return client


def update_client(client: Client, data: dict) -> Client:
    values = values_for(ClientSchema(), data, partial=True)
    before = (client.status_text, client.status_until)
    apply(client, values)
    if (client.status_text, client.status_until) != before:
        client.status_since = clock.now() if client.status_text else None
    db.session.commit()
    return client


def search(query: str | None = None, include_archived: bool = False) -> list[Client]:
    return records.search(Client, query, include_archived, Client.name, Client.email)


def new_contact(client: Client, data: dict) -> Contact:
    """A checked contact added to the session, not yet committed."""
    contact = Contact(client_id=client.id, **values_for(ContactSchema(), data))
    db.session.add(contact)
    return contact


def create_contact(client: Client, data: dict) -> Contact:
    contact = new_contact(client, data)
    db.session.commit()
    return contact


def update_contact(contact: Contact, data: dict) -> Contact:
    apply(contact, values_for(ContactSchema(), data, partial=True))
    db.session.commit()
    return contact


def contacts_of(client: Client, include_archived: bool = False) -> list[Contact]:
    statement = select(Contact).where(Contact.client_id == client.id).order_by(Contact.name)
    if not include_archived:
        statement = statement.where(Contact.archived_at.is_(None))
    return db.session.scalars(statement).all()


def assign(data: dict, assigned_by_id: int | None = None) -> Assignment:
    """Make a secretary the client's primary (ending the previous one) or a backup."""
    values = values_for(AssignmentSchema(), data)
    client = db.session.get(Client, values["client_id"])
    secretary = db.session.get(Secretary, values["secretary_id"])
    if client is None or secretary is None or secretary.archived_at is not None:
        raise ValidationError.on(
            "secretary_id", _("Choose a client and an active secretary of this agency.")
        )
    now = clock.now()
    current = current_assignments(client)
    for assignment in current:
        same_person = assignment.secretary_id == secretary.id
        replaced_primary = (
            values["role"] == AssignmentRole.primary and assignment.role == AssignmentRole.primary
        )
        if same_person or replaced_primary:
            assignment.ended_at = now
    assignment = Assignment(
        client_id=client.id,
        secretary_id=secretary.id,
        role=values["role"],
        started_at=now,
        assigned_by_id=assigned_by_id,
    )
    db.session.add(assignment)
    live.touch(live.SCOPE)
    db.session.commit()
    return assignment


def end_assignment(assignment: Assignment) -> Assignment:
    if assignment.ended_at is None:
        assignment.ended_at = clock.now()
        live.touch(live.SCOPE)
    db.session.commit()
    return assignment


def current_assignments(client: Client) -> list[Assignment]:
    return db.session.scalars(
        select(Assignment)
        .where(Assignment.client_id == client.id, Assignment.ended_at.is_(None))
        .order_by(Assignment.role.desc(), Assignment.started_at)
    ).all()


def assignment_history(client: Client) -> list[Assignment]:
    return db.session.scalars(
        select(Assignment).where(Assignment.client_id == client.id).order_by(Assignment.id)
    ).all()
