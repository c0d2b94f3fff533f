"""Whose mail a user may see: the clients they may see (``clients.access``)."""

from sqlalchemy import select

from agency.domains.accounts.models import User
from agency.domains.clients.access import client_for, visible_clients
from agency.domains.mail.models import Draft, DraftAttachment
from agency.kernel.database import db
from agency.kernel.errors import NotFound

__all__ = ["client_for", "draft_file_for", "record_for", "visible", "visible_clients"]


def visible(user: User, model):
    return model.client_id.in_(visible_clients(user))


def record_for(user: User, model, record_id: int):
    """One of ``model``'s rows ``user`` may see, or 404 (another agency's too)."""
    found = db.session.scalar(select(model).where(model.id == record_id, visible(user, model)))
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
