"""The agency pool: items nobody could take yet, handed to a secretary who frees up."""

from sqlalchemy import select

from agency.domains.clients.models import Assignment, Client
from agency.domains.staff.models import Secretary
from agency.domains.work.choice import available, can_serve, loads
from agency.domains.work.models import Status, WorkItem
from agency.domains.work.timeline import record
from agency.kernel import clock
from agency.kernel.database import db

# How many items one pass over the queue or the pool takes at most.
BATCH = 200


def in_pool():
    """Queued and nobody's: waiting in the pool."""
    return (WorkItem.status == Status.queued.value) & WorkItem.assignee_id.is_(None)


def backfill(secretary: Secretary) -> list[WorkItem]:
    """When a secretary frees up (an item done, back on shift), hand them what waits in
    the pool, urgent and oldest first, up to their capacity: items of the clients they
    serve, and of clients whose languages and specialities they have (routing's last
    tier)."""
    now = clock.now()
    assigned = []
    load = loads().get(secretary.id, 0)
    if not available(secretary, load, now):
        db.session.rollback()
        return assigned
    served = set(
        db.session.scalars(
            select(Assignment.client_id).where(
                Assignment.secretary_id == secretary.id, Assignment.ended_at.is_(None)
            )
        )
    )
    waiting = db.session.scalars(
        select(WorkItem)
        .where(in_pool())
        .order_by(WorkItem.priority_rank, WorkItem.created_at, WorkItem.id)
        .limit(BATCH)
        .with_for_update(skip_locked=True)
    ).all()
    others = {item.client_id for item in waiting} - served
    qualified = served | {
        client.id
        for client in db.session.scalars(select(Client).where(Client.id.in_(others)))
        if can_serve(secretary, client)
    }
    room = secretary.capacity_items - load
    for item in [i for i in waiting if i.client_id in qualified][:room]:
        item.assignee_id, item.status, item.assigned_at = secretary.id, Status.assigned.value, now
        record(item, "assigned", secretary_id=secretary.id, tier="backfill")
        assigned.append(item)
    db.session.commit()
    return assigned
