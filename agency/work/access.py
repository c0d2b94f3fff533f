"""Whose work a user may see and act on."""

from sqlalchemy import or_, select

from agency.accounts.models import Role, User
from agency.clients.models import Assignment
from agency.errors import NotAllowed, NotFound
from agency.extensions import db
from agency.staff.models import Secretary
from agency.work.models import WorkItem


def secretary_of(user: User) -> Secretary | None:
    return db.session.scalar(select(Secretary).where(Secretary.user_id == user.id))


def desk_secretary(user: User) -> Secretary:
    secretary = secretary_of(user)
    if secretary is None:
        from flask_babel import gettext as _

        raise NotAllowed(_("Only secretaries have a desk."))
    return secretary


def visible(user: User):
    """A filter for the items ``user`` may see: managers all; secretaries their own and
    their clients' pool; team leads also their assistants' items; others nothing."""
    if user.is_manager:
        return WorkItem.id.is_not(None)
    secretary = secretary_of(user) if user.role == Role.secretary else None
    if secretary is None:
        return WorkItem.id.is_(None)
    team = select(Secretary.id).where(
        or_(Secretary.id == secretary.id, Secretary.team_lead_id == secretary.id)
    )
    served = select(Assignment.client_id).where(
        Assignment.secretary_id.in_(team), Assignment.ended_at.is_(None)
    )
    return or_(WorkItem.assignee_id.in_(team), WorkItem.client_id.in_(served))


def item_for(user: User, item_id: int) -> WorkItem:
    item = db.session.scalar(select(WorkItem).where(WorkItem.id == item_id, visible(user)))
    if item is None:
        raise NotFound()
    return item
