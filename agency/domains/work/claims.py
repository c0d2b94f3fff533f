"""A desk's queue: its order, and taking the next item from it, or a given one,
atomically (two desks never get the same item).
"""

from flask_babel import gettext as _
from sqlalchemy import case, func, inspect, or_, select, update

from agency.domains.clients.models import Assignment
from agency.domains.staff.models import Secretary
from agency.domains.work import live
from agency.domains.work.models import Status, WorkItem
from agency.domains.work.timeline import record
from agency.kernel import clock
from agency.kernel.database import call_in_autocommit, db, on_postgres
from agency.kernel.errors import Conflict
from tenants import require_agency_id


def queue_order():
    """Urgent first, then the earliest due, then the oldest."""
    return (WorkItem.priority_rank, WorkItem.sla_due_at, WorkItem.created_at, WorkItem.id)


def _claimable(secretary_id: int, clients=None):
    """Assigned to this secretary, or waiting unassigned in the pool (of ``clients``)."""
    pool = WorkItem.assignee_id.is_(None) & (WorkItem.status == Status.queued)
    if clients is not None:
        pool = pool & WorkItem.client_id.in_(clients)
    mine = (WorkItem.assignee_id == secretary_id) & (WorkItem.status == Status.assigned)
    return (WorkItem.agency_id == require_agency_id()) & or_(mine, pool)


def _take(candidates, secretary_id: int, actor_user_id: int | None) -> int | None:
    """Claim the first of ``candidates`` in one UPDATE … WHERE id = (SELECT … FOR UPDATE
    SKIP LOCKED): concurrent desks never get the same item. The portable path; PostgreSQL
    takes ``_take_on_postgres``."""
    now = clock.now()
    taken = db.session.execute(
        update(WorkItem)
        .where(
            WorkItem.id == candidates.limit(1).with_for_update(skip_locked=True).scalar_subquery()
        )
        .values(
            assignee_id=secretary_id,
            status=Status.in_progress.value,
            assigned_at=func.coalesce(WorkItem.assigned_at, now),
            started_at=func.coalesce(WorkItem.started_at, now),
            sla_secretary_id=case(
                (
                    WorkItem.started_at.is_(None),
                    func.coalesce(WorkItem.sla_secretary_id, secretary_id),
                ),
                else_=WorkItem.sla_secretary_id,
            ),
        )
        .returning(WorkItem.id, WorkItem.client_id),
        execution_options={"synchronize_session": False},
    ).first()
    if taken is None:
        db.session.rollback()
        return None
    record(taken.id, "claimed", actor_user_id, secretary_id=secretary_id)
    live.touch(taken.client_id, secretary_id)
    db.session.commit()
    return taken.id


CLAIM_SQL = "SELECT claim_work_item(%s, %s, %s, %s, %s)"


def _take_on_postgres(secretary_id: int, item_id: int | None, actor_user_id: int | None):
    """The same claim in one round trip: the ``claim_work_item`` function (migration
    0008_claim) sets the tenant for its own transaction, picks the head of the queue with
    SKIP LOCKED, updates it and writes the timeline event, in autocommit, and says whose
    item it took (0026), for the desks of that client. As on every claim the session's
    own transaction ends first, so that a desk never holds two connections."""
    agency_id = require_agency_id()
    params = (agency_id, secretary_id, item_id, actor_user_id, clock.now())
    if db.session().in_transaction():  # (a commit with none would begin one to end it)
        db.session.commit()
    taken = call_in_autocommit(CLAIM_SQL, params)
    if taken is None:
        return None
    taken_id, client_id = taken
    live.publish_now(agency_id, client_id, secretary_id)
    return taken_id


def claim_next(secretary: Secretary, actor_user_id: int | None = None) -> int | None:
    """Take the top item of this secretary's queue (what is assigned to them, plus the
    pool of the clients they serve); the id of the item taken, or None."""
    secretary_id = inspect(secretary).identity[0]  # no reload of an expired object
    if on_postgres():
        return _take_on_postgres(secretary_id, None, actor_user_id)
    served = select(Assignment.client_id).where(
        Assignment.secretary_id == secretary_id, Assignment.ended_at.is_(None)
    )
    mine_first = case((WorkItem.assignee_id == secretary_id, 0), else_=1)
    candidates = (
        select(WorkItem.id)
        .where(_claimable(secretary_id, served))
        .order_by(*queue_order()[:1], mine_first, *queue_order()[1:])
    )
    return _take(candidates, secretary_id, actor_user_id)


def claim(item_id: int, secretary: Secretary, actor_user_id: int | None = None) -> int:
    """Take one given item, if it is still free for this secretary; else a clear 409."""

    secretary_id = inspect(secretary).identity[0]
    if on_postgres():
        taken = _take_on_postgres(secretary_id, item_id, actor_user_id)
    else:
        candidates = select(WorkItem.id).where(WorkItem.id == item_id, _claimable(secretary_id))
        taken = _take(candidates, secretary_id, actor_user_id)
    if taken is None:
        raise Conflict(_("Someone else has this item, or it is no longer open."))
    return taken
