"""A desk's queue as it shows: the open items of the desk's team and of the clients the
team serves, in queue order, each with its client's and assignee's names, in one
statement that reads only those items (the partial indexes of open items by client and
by assignee), however many the agency has."""

from sqlalchemy import or_, select
from sqlalchemy.orm import aliased

from agency.domains.clients.models import Client
from agency.domains.staff.models import Secretary
from agency.domains.work.claims import queue_order
from agency.domains.work.live import DeskScope
from agency.domains.work.models import OPEN_STATUSES, WorkItem
from agency.kernel.database import db

SHOWN = 200


def desk_rows(scope: DeskScope, limit: int = SHOWN) -> list:
    """The first ``limit`` rows of the desk's queue: id, title, kind, priority, status,
    due time, the client's name and the assignee's (None in the pool)."""
    if not scope.team and not scope.clients:
        return []
    assignee = aliased(Secretary)
    return db.session.execute(
        select(
            WorkItem.id,
            WorkItem.title,
            WorkItem.kind,
            WorkItem.priority,
            WorkItem.status,
            WorkItem.sla_due_at,
            Client.name.label("client_name"),
            assignee.name.label("assignee_name"),
        )
        .join(Client, Client.id == WorkItem.client_id)
        .outerjoin(assignee, assignee.id == WorkItem.assignee_id)
        .where(
            WorkItem.status.in_([s.value for s in OPEN_STATUSES]),
            or_(WorkItem.assignee_id.in_(scope.team), WorkItem.client_id.in_(scope.clients)),
        )
        .order_by(*queue_order())
        .limit(limit)
    ).all()
