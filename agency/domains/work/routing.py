"""Routing work items to secretaries (``choice`` says who): one item, the agency's
queued items in batches while they come in (one job at a time per agency and queue), and
the pool again every minute. An item nobody can take stays in the agency pool, and the
managers are told once.
"""

from collections.abc import Collection
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import insert, select, update
from sqlalchemy.orm import joinedload

from agency.domains.accounts.services import active_managers
from agency.domains.clients.models import Assignment, Client
from agency.domains.notify.language import queue_email_to
from agency.domains.work import live
from agency.domains.work.choice import (
    ROLE_RANK,
    STAFF,
    Rostered,
    choose,
    days_near,
    near,
    on_duty,
    on_duty_tiers,
    pick,
    tiered,
    working_now,
)
from agency.domains.work.claims import queue_order
from agency.domains.work.models import Status, WorkEvent, WorkItem
from agency.domains.work.pool import BATCH, in_pool
from agency.domains.work.timeline import record
from agency.kernel import clock, labels
from agency.kernel.database import db
from agency.kernel.queue import PENDING_SECONDS, drain_holding, enqueue_after_commit
from agency.kernel.retries import Gone
from tenants import require_agency_id


def route(item_id: int, exclude: Collection[int] = ()) -> WorkItem:
    """Assign a queued item, passing over the secretaries in ``exclude`` (whoever just
    handed it back); running it twice assigns it once."""
    item = db.session.scalar(
        select(WorkItem)
        .options(joinedload(WorkItem.client))
        .where(WorkItem.id == item_id)
        .with_for_update(of=WorkItem)
        .execution_options(populate_existing=True)
    )
    if item is None:
        db.session.rollback()
        raise Gone(f"work item {item_id} no longer exists")
    if item.status != Status.queued.value or item.assignee_id is not None:
        db.session.rollback()
        return item
    secretary, tier = choose(item, exclude=exclude)
    if secretary is None:
        if not any(e.action == "unroutable" for e in item.events):
            record(item, "unroutable")
            _tell_managers(item)
        db.session.commit()
        return item
    db.session.execute(  # one UPDATE, without the unit of work's bookkeeping
        update(WorkItem)
        .where(WorkItem.id == item.id)
        .values(assignee_id=secretary.id, status=Status.assigned.value, assigned_at=clock.now()),
        execution_options={"synchronize_session": False},
    )
    record(item.id, "assigned", secretary_id=secretary.id, tier=tier)
    live.touch(item.client_id, secretary.id)
    db.session.commit()  # expires ``item``: read again, it shows the assignment
    return item


def _found_unroutable():
    events = WorkEvent.__table__  # looked up by item (the tenant is the item's own)
    return (
        select(events.c.id)
        .where(events.c.item_id == WorkItem.id, events.c.action == "unroutable")
        .exists()
    )


def _not_yet_routed():
    """Queued, unassigned, and never found unroutable (those wait in the pool for a desk
    or a backfill; routing them again would tell the managers twice)."""
    return in_pool() & ~_found_unroutable()


def route_queued(limit: int = BATCH, pool: bool = False) -> int:
    """Route the agency's queued items that were never routed, urgent and oldest first, at
    most ``limit`` of them in one transaction: one roster read, the loads kept in memory
    from one item to the next, the assignments and their events written in bulk. Each
    item gets the secretary ``choose`` would give it, had they been routed one by one in
    that order. Returns how many items it locked (``limit`` means there may be more).

    With ``pool``, the items left in the pool as unroutable are tried again instead:
    someone may be free now. What is still unroutable stays, and nobody is told twice."""
    now = clock.now()
    waiting = in_pool() & _found_unroutable() if pool else _not_yet_routed()
    # Two statements, not one with a subquery: the head of the queue is read once, and
    # the plan cannot turn into re-reading it for every row (fresh tables have no stats).
    head = db.session.scalars(
        select(WorkItem.id).where(waiting).order_by(*queue_order()).limit(limit)
    ).all()
    if not head:
        db.session.rollback()
        return 0
    # Locked in id order, as every batch locks them, so two batches never deadlock; a row
    # held elsewhere (a desk, a manager, another batch) is waited for, then read again.
    rows = db.session.execute(
        select(
            WorkItem.id,
            WorkItem.client_id,
            WorkItem.status,
            WorkItem.assignee_id,
            *queue_order()[:3],
        )
        .where(WorkItem.id.in_(head))
        .order_by(WorkItem.id)
        .with_for_update(of=WorkItem)
    ).all()
    if not rows:
        db.session.rollback()
        return 0
    ids = [row.id for row in rows]
    # Read after the locks, so a batch that committed meanwhile is seen.
    told = set(
        db.session.scalars(
            select(WorkEvent.item_id).where(
                WorkEvent.item_id.in_(ids), WorkEvent.action == "unroutable"
            )
        )
    )
    todo = sorted(
        (
            row
            for row in rows
            if row.status == Status.queued.value
            and row.assignee_id is None
            and (row.id in told) == pool
        ),
        key=lambda row: (row[4], row[5], row[6], row.id),
    )
    if not todo:
        db.session.rollback()
        return len(rows)
    client_ids = {row.client_id for row in todo}
    clients = {c.id: c for c in db.session.scalars(select(Client).where(Client.id.in_(client_ids)))}
    roles: dict[int, dict[int, str]] = {client_id: {} for client_id in client_ids}
    for client_id, secretary_id, role in db.session.execute(
        select(Assignment.client_id, Assignment.secretary_id, Assignment.role).where(
            Assignment.client_id.in_(client_ids), Assignment.ended_at.is_(None)
        )
    ):
        known = roles[client_id].get(secretary_id)
        if known is None or ROLE_RANK[role] < ROLE_RANK[known]:
            roles[client_id][secretary_id] = role
    earliest, latest = days_near(now)
    team, load, flagged = [], {}, []
    for *columns, open_items, absent, overridden, holiday in db.session.execute(
        STAFF, {"earliest_day": earliest, "latest_day": latest}
    ):
        secretary = Rostered(*columns)
        team.append(secretary)
        load[secretary.id] = open_items
        flagged.append((secretary.id, absent, overridden, holiday))
    # Who works now does not change within the batch: the calendars of whoever is on
    # shift are read once, in one query (none when nobody's day differs).
    working = working_now([("all", [(s, 0) for s in team if on_duty(s, 0)])], now, near(flagged))
    assignments, events, unroutable = [], [], []
    for row in todo:
        client = clients[row.client_id]
        client_roles = roles[row.client_id]
        tiers = tiered(((s, client_roles.get(s.id), load[s.id]) for s in team), client)
        secretary, tier = pick(on_duty_tiers(tiers), working)
        if secretary is None:
            unroutable.append(row.id)
            continue
        load[secretary.id] += 1
        assignments.append(
            {
                "id": row.id,
                "assignee_id": secretary.id,
                "status": Status.assigned.value,
                "assigned_at": clock.now(),
            }
        )
        events.append(
            {
                "item_id": row.id,
                "action": "assigned",
                "actor_user_id": None,
                "detail": {"secretary_id": secretary.id, "tier": tier},
            }
        )
    if assignments:
        db.session.execute(update(WorkItem), assignments)  # by primary key, in one go
        db.session.execute(insert(WorkEvent), events)
        live.touch_many({row.client_id for row in todo}, {a["assignee_id"] for a in assignments})
    if unroutable and not pool:
        for item in db.session.scalars(
            select(WorkItem).options(joinedload(WorkItem.client)).where(WorkItem.id.in_(unroutable))
        ).all():
            record(item, "unroutable")
            _tell_managers(item)
    db.session.commit()
    return len(rows)


# Routing of new items, one job for many, one at a time per agency and queue:
# ``create_item`` enqueues ``workers.jobs.route_queued`` after its commit only when it
# can set this key, and the job holds it while it routes (see ``queue.drain_holding``
# for why no item waits for ever). The minute tick (``sweep``) enqueues a job for
# anything still never routed a minute after its creation, in case the key's holder was
# lost. While items come in quickly, one job routes them in batches instead of a job
# each, and two workers never route the same agency's new items at once.
PENDING_KEY = "secretariat:routing:pending:{agency_id}:{queue}"


def pending_key(agency_id: int, queue: str) -> str:
    return PENDING_KEY.format(agency_id=agency_id, queue=queue)


def request_routing(item: WorkItem) -> None:
    """After the commit, make sure a routing job for the item's agency is waiting, on the
    realtime queue for an urgent item."""

    queue = "realtime" if item.priority == "urgent" else "default"
    enqueue_after_commit(
        "workers.jobs.route_queued",
        item.agency_id,
        queue,
        queue=queue,
        unless_pending=(pending_key(item.agency_id, queue), PENDING_SECONDS),
    )


def route_all_queued() -> int:
    """Route every item queued and never routed, a batch at a time; how many were locked."""
    total = 0
    while True:
        locked = route_queued()
        total += locked
        if locked < BATCH:
            return total


def _waiting() -> bool:
    found = db.session.scalar(select(WorkItem.id).where(_not_yet_routed()).limit(1))
    db.session.rollback()
    return found is not None


def drain_queued(agency_id: int, queue: str) -> int:
    """The routing job: route the agency's new items in batches while holding its
    pending key; how many were locked."""
    return drain_holding(
        pending_key(agency_id, queue),
        route_all_queued,
        _waiting,
        ("workers.jobs.route_queued", (agency_id, queue), queue, agency_id),
    )


def route_pool() -> int:
    """The minute tick's second look at the pool: items nobody could take when they came
    in go to whoever is free now (their hours began, back from leave, on shift again).
    One batch a minute; how many items were locked."""
    return route_queued(pool=True)


def sweep(now: datetime) -> bool:
    """The safety net: a routing job for items still never routed a while after their
    creation. True when one was requested."""

    stale = db.session.scalar(
        select(WorkItem.id)
        .where(_not_yet_routed(), WorkItem.created_at < now - timedelta(seconds=PENDING_SECONDS))
        .limit(1)
    )
    if stale is None:
        return False
    # Not through the pending key: a key left behind by a lost job may still be set.
    enqueue_after_commit("workers.jobs.route_queued", require_agency_id(), "default")
    db.session.commit()
    return True


def _tell_managers(item: WorkItem) -> None:
    for manager in active_managers():
        queue_email_to(
            manager.email,
            lambda: (
                _("Nobody can take: %(title)s", title=item.title),
                _(
                    "No secretary is available for %(client)s, so this item waits in the "
                    "pool:\n\n%(title)s (%(priority)s)",
                    client=item.client.name,
                    title=item.title,
                    priority=labels.label("work_priority", item.priority),
                ),
            ),
            purpose="unroutable",
        )
