"""Whose work a user may see and act on.

Seeing and acting differ: a secretary sees their own items, their clients' pool and
(as a team lead) their assistants' items, but works only what is assigned to them.
Team leads also act on their assistants' items, and may hand them to anyone of their
team; managers act on every item and hand it to any active secretary.
"""

from flask_babel import gettext as _
from sqlalchemy import or_, select

from agency.domains.accounts.models import User
from agency.domains.clients.models import Assignment
from agency.domains.staff.models import Secretary
from agency.domains.work.models import OPEN_STATUSES, Status, WorkItem
from agency.kernel.database import db
from agency.kernel.errors import NotAllowed, NotFound


def secretary_of(user: User) -> Secretary | None:
    return db.session.scalar(select(Secretary).where(Secretary.user_id == user.id))


def desk_secretary(user: User) -> Secretary:
    secretary = secretary_of(user)
    if secretary is None:
        raise NotAllowed(_("Only secretaries have a desk."))
    return secretary


def _team_ids(secretary: Secretary):
    return select(Secretary.id).where(
        or_(Secretary.id == secretary.id, Secretary.team_lead_id == secretary.id)
    )


def visible(user: User):
    """A filter for the items ``user`` may see: managers all; secretaries their own and
    their clients' pool; team leads also their assistants' items; others nothing."""
    if user.is_manager:
        return WorkItem.id.is_not(None)
    secretary = secretary_of(user) if user.at_desk else None
    if secretary is None:
        return WorkItem.id.is_(None)
    team = _team_ids(secretary)
    served = select(Assignment.client_id).where(
        Assignment.secretary_id.in_(team), Assignment.ended_at.is_(None)
    )
    return or_(WorkItem.assignee_id.in_(team), WorkItem.client_id.in_(served))


def item_for(user: User, item_id: int) -> WorkItem:
    item = db.session.scalar(select(WorkItem).where(WorkItem.id == item_id, visible(user)))
    if item is None:
        raise NotFound()
    return item


def leads(user: User, item: WorkItem) -> bool:
    """Whether ``user`` is the team lead of the item's assignee."""
    secretary = secretary_of(user) if user.at_desk else None
    if secretary is None or item.assignee is None:
        return False
    return item.assignee.team_lead_id == secretary.id


def may_work(user: User, item: WorkItem) -> bool:
    """Managers, the item's assignee, and the assignee's team lead."""
    if user.is_manager:
        return True
    secretary = secretary_of(user) if user.at_desk else None
    return secretary is not None and (item.assignee_id == secretary.id or leads(user, item))


def require_work(user: User, item: WorkItem) -> None:
    """Refuse (403) an action on an item that is someone else's to work."""
    if may_work(user, item):
        return
    if item.assignee is None:
        raise NotAllowed(_("This item waits in the pool: claim it first."))
    raise NotAllowed(
        _("This item is %(name)s's: ask them or your team lead.", name=item.assignee.name)
    )


def reassign_targets(user: User, item: WorkItem) -> list[Secretary]:
    """Whom ``user`` may hand the item to: for managers every active secretary; for a
    team lead acting on an assistant's item, their team (themselves included)."""
    active = select(Secretary).where(Secretary.archived_at.is_(None)).order_by(Secretary.name)
    if user.is_manager:
        return db.session.scalars(active).all()
    if not leads(user, item):
        return []
    return db.session.scalars(active.where(Secretary.id.in_(_team_ids(secretary_of(user))))).all()


def desk_actions(user: User, item: WorkItem) -> list[str]:
    """The actions the item's state allows ``user`` now, in the order a desk shows them:
    no Claim on an item already being worked, no Pause when no timer runs."""
    if item.status not in {s.value for s in OPEN_STATUSES}:
        return []
    working = may_work(user, item)
    timed = item.timer_started_at is not None
    actions = []
    if item.assignee_id is None and item.status == Status.queued:
        actions.append("claim")
    if working and item.assignee_id is not None:
        actions.append("pause" if timed else "start")
        if item.status == Status.in_progress:
            actions.append("wait")
        actions.append("handback")
        if item.assignee is not None and item.assignee.team_lead_id is not None:
            actions.append("escalate")
        actions.append("complete")
    return actions
