"""Whose records a user may see, client by client: managers all clients, secretaries the
clients they serve (and their team's), a client's people their own."""

from sqlalchemy import or_, select

from agency.domains.accounts.models import Role, User
from agency.domains.clients.models import Assignment, Client
from agency.domains.staff.models import Secretary
from agency.kernel.database import db
from agency.kernel.errors import NotFound


def visible_clients(user: User):
    """A select of the client ids ``user`` may see the records of."""
    if user.is_manager:
        return select(Client.id)
    if user.role == Role.client:
        return select(Client.id).where(Client.id == user.client_id)
    if user.role == Role.secretary:
        me = select(Secretary.id).where(Secretary.user_id == user.id).scalar_subquery()
        team = select(Secretary.id).where(or_(Secretary.id == me, Secretary.team_lead_id == me))
        return select(Assignment.client_id).where(
            Assignment.secretary_id.in_(team), Assignment.ended_at.is_(None)
        )
    return select(Client.id).where(Client.id.is_(None))


def client_for(user: User, client_id) -> Client:
    """A client whose records ``user`` may handle, or 404."""
    try:
        client_id = int(client_id)
    except (TypeError, ValueError) as exc:
        raise NotFound() from exc
    found = db.session.scalar(
        select(Client).where(Client.id == client_id, Client.id.in_(visible_clients(user)))
    )
    if found is None:
        raise NotFound()
    return found


def may_read_secrets(user: User, client: Client) -> bool:
    """Whether ``user`` may read the client's kept secrets (passport, vault): the agency's
    managers, and the client's current primary and backup secretaries (not their team
    leads, not the client's own people)."""
    if user.is_manager:
        return True
    secretary = db.session.scalar(select(Secretary).where(Secretary.user_id == user.id))
    if secretary is None:
        return False
    found = db.session.scalar(
        select(Assignment.id).where(
            Assignment.client_id == client.id,
            Assignment.secretary_id == secretary.id,
            Assignment.ended_at.is_(None),
        )
    )
    return found is not None


def open_clients(user: User) -> list[Client]:
    """The clients ``user`` may handle that are not archived, by name (a desk's list of
    clients to choose from)."""
    return db.session.scalars(
        select(Client)
        .where(Client.id.in_(visible_clients(user)), Client.archived_at.is_(None))
        .order_by(Client.name)
    ).all()
