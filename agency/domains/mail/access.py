"""Whose mail a user may see: managers all clients, secretaries the clients they serve
(and their team's), clients their own."""

from sqlalchemy import or_, select

from agency.domains.accounts.models import Role, User
from agency.domains.clients.models import Assignment, Client
from agency.domains.mail.models import Draft, DraftAttachment
from agency.domains.staff.models import Secretary
from agency.kernel.database import db
from agency.kernel.errors import NotFound


def visible_clients(user: User):
    """A select of the client ids ``user`` may see mail of."""
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


def visible(user: User, model):
    return model.client_id.in_(visible_clients(user))


def record_for(user: User, model, record_id: int):
    """One of ``model``'s rows ``user`` may see, or 404 (another agency's too)."""
    found = db.session.scalar(select(model).where(model.id == record_id, visible(user, model)))
    if found is None:
        raise NotFound()
    return found


def client_for(user: User, client_id) -> Client:
    """A client whose mail ``user`` may handle, or 404."""
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


def draft_file_for(user, draft_attachment_id: int) -> DraftAttachment:
    """A file of a draft ``user`` may see, or 404."""
    found = db.session.scalar(
        select(DraftAttachment)
        .join(Draft, Draft.id == DraftAttachment.draft_id)
        .where(DraftAttachment.id == draft_attachment_id, visible(user, Draft))
    )
    if found is None:
        raise NotFound()
    return found
