"""Who gets a work item, and taking the next one from a desk atomically.

Routing, in order: the client's primary when available, else a backup, else anyone
in the agency with the client's languages (B2 or better) and specialities; among
candidates the lowest load wins. "Available" means on shift by the secretary's own
status, working now by their calendar (``agency.domains.staff.schedule``: weekly hours in their
zone, less absences and agency holidays, with date overrides), and under their
open-item capacity. An item nobody can take stays in the agency pool, and the
managers are told once.
"""

import time
from collections.abc import Collection
from datetime import date, datetime, timedelta
from typing import NamedTuple

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import bindparam, case, func, insert, inspect, or_, select, update
from sqlalchemy.orm import joinedload

from agency.domains.accounts.services import active_managers
from agency.domains.clients.models import Assignment, AssignmentRole, Client
from agency.domains.notify.services import queue_email
from agency.domains.sla.models import Holiday
from agency.domains.staff import services as staff
from agency.domains.staff.models import Absence, Secretary, ShiftOverride, ShiftStatus
from agency.domains.staff.schedule import WorkingCalendar, working_at
from agency.domains.work.models import Status, WorkEvent, WorkItem
from agency.domains.work.timeline import record
from agency.kernel import clock
from agency.kernel.database import call_in_autocommit, db, on_postgres
from agency.kernel.errors import Conflict
from agency.kernel.queue import enqueue, enqueue_after_commit
from agency.kernel.retries import Gone
from agency.kernel.validation import CEFR_LEVELS
from tenants import require_agency_id

BUSY = (Status.assigned.value, Status.in_progress.value, Status.waiting.value)


def _days_near(now: datetime) -> tuple[date, date]:
    """Every zone's today is within a day of UTC's."""
    return now.date() - timedelta(days=1), now.date() + timedelta(days=1)


class Exceptions(NamedTuple):
    """Who of a roster has an absence or a date override near today, and whether the
    agency has a holiday then: only those are read, most often nothing at all."""

    absences_of: frozenset = frozenset()
    overrides_of: frozenset = frozenset()
    holiday: bool = False


def _calendars(people, now: datetime, near: Exceptions) -> dict[int, WorkingCalendar]:
    """The calendars of ``people`` around ``now``: no query when nothing differs from the
    weekly hours, one otherwise (for the flagged secretaries only)."""
    if not (near.absences_of or near.overrides_of or near.holiday):
        return {p.id: WorkingCalendar(p.timezone or "UTC", p.schedule or {}) for p in people}
    return staff.calendars(
        people,
        *_days_near(now),
        absences_of=near.absences_of,
        overrides_of=near.overrides_of,
        holidays=near.holiday,
    )


def loads() -> dict[int, int]:
    """Open items per secretary."""
    rows = db.session.execute(
        select(WorkItem.assignee_id, func.count(WorkItem.id))
        .where(WorkItem.status.in_(BUSY), WorkItem.assignee_id.is_not(None))
        .group_by(WorkItem.assignee_id)
    )
    return dict(rows.all())


def _on_duty(secretary: Secretary, load: int) -> bool:
    """Available but for the calendar, which is read for many at once."""
    return (
        secretary.archived_at is None
        and secretary.shift_status == ShiftStatus.on_shift.value
        and load < secretary.capacity_items
    )


def available(secretary: Secretary, load: int, now: datetime) -> bool:
    if not _on_duty(secretary, load):
        return False
    calendar = staff.calendars([secretary], *_days_near(now))[secretary.id]
    return working_at(calendar, now)


def _qualified(secretary: Secretary, client: Client) -> bool:
    levels = {e["code"]: e["level"] for e in secretary.languages}
    speaks = all(
        code in levels and CEFR_LEVELS.index(levels[code]) >= CEFR_LEVELS.index("B2")
        for code in client.languages
    )
    return speaks and set(client.required_specialities) <= set(secretary.speciality_codes)


# Whether a secretary's day may differ from their weekly hours near today: an absence, a
# date override, an agency holiday (the same for every row, computed once).
_EXCEPTIONS = (
    select(Absence.id)
    .where(
        Absence.secretary_id == Secretary.id,
        Absence.starts_on <= bindparam("latest_day"),
        Absence.ends_on >= bindparam("earliest_day"),
    )
    .exists(),
    select(ShiftOverride.id)
    .where(
        ShiftOverride.secretary_id == Secretary.id,
        ShiftOverride.day <= bindparam("latest_day"),
        ShiftOverride.day >= bindparam("earliest_day"),
    )
    .exists(),
    select(Holiday.id)
    .where(
        Holiday.client_id.is_(None),
        Holiday.day <= bindparam("latest_day"),
        Holiday.day >= bindparam("earliest_day"),
    )
    .exists(),
)


def _near(flagged) -> Exceptions:
    """``flagged``: (secretary id, maybe absent, maybe overridden, holiday near)."""
    flagged = list(flagged)
    return Exceptions(
        frozenset(i for i, absent, _o, _h in flagged if absent),
        frozenset(i for i, _a, overridden, _h in flagged if overridden),
        any(holiday for *_flags, holiday in flagged),
    )


_OPEN_ITEMS = (
    select(WorkItem.assignee_id, func.count(WorkItem.id).label("open_items"))
    .where(WorkItem.status.in_(BUSY), WorkItem.assignee_id.is_not(None))
    .group_by(WorkItem.assignee_id)
    .subquery("open_items")
)

# Built once: every active secretary with their current role for the client (or None),
# their open-item load, and whether their day may differ from their weekly hours.
_ROSTER = (
    select(
        Secretary.id,
        Secretary.timezone,
        Secretary.schedule,
        Secretary.shift_status,
        Secretary.capacity_items,
        Secretary.archived_at,
        Secretary.languages,
        Secretary.specialities,
        Assignment.role,
        func.coalesce(_OPEN_ITEMS.c.open_items, 0),
        *_EXCEPTIONS,
    )
    .outerjoin(
        Assignment,
        (Assignment.secretary_id == Secretary.id)
        & (Assignment.client_id == bindparam("client_id"))
        & Assignment.ended_at.is_(None),
    )
    .outerjoin(_OPEN_ITEMS, _OPEN_ITEMS.c.assignee_id == Secretary.id)
    .where(Secretary.archived_at.is_(None))
    .order_by(Secretary.id)
)


def _roster(client: Client, now: datetime):
    earliest, latest = _days_near(now)
    return db.session.execute(
        _ROSTER, {"client_id": client.id, "earliest_day": earliest, "latest_day": latest}
    ).all()


class Rostered(NamedTuple):
    """What routing reads of a secretary: plain columns, no ORM object to build."""

    id: int
    timezone: str
    schedule: dict
    shift_status: str
    capacity_items: int
    archived_at: datetime | None
    languages: list
    specialities: list

    @property
    def speciality_codes(self) -> list[str]:
        return [entry["code"] for entry in self.specialities]


ROLE_RANK = {AssignmentRole.primary: 0, AssignmentRole.backup: 1, None: 2}


def _tiers(rows, client: Client):
    """``rows`` of (secretary, role for the client, open items), as the roster reads
    them: the tiers routing tries, in order: primary, backups, the rest of the agency;
    each a list of (secretary, open items)."""
    best = {}  # one role each: primary over backup over none
    for secretary, role, load in rows:
        known = best.get(secretary.id)
        if known is None or ROLE_RANK[role] < ROLE_RANK[known[1]]:
            best[secretary.id] = (secretary, role, load)
    tiers = {"primary": [], "backup": [], "agency": []}
    for secretary, role, load in best.values():
        if role is None and not _qualified(secretary, client):
            continue
        tiers[role or "agency"].append((secretary, load))
    return list(tiers.items())


def _read_roster(client: Client, now: datetime):
    """The roster for ``client`` as (secretary, role, open items) rows, and what of it
    may differ from the weekly hours near ``now``."""
    rows, flagged = [], []
    for *columns, role, load, absent, overridden, holiday in _roster(client, now):
        secretary = Rostered(*columns)
        rows.append((secretary, role, load))
        flagged.append((secretary.id, absent, overridden, holiday))
    return rows, _near(flagged)


def candidates(client: Client, now: datetime | None = None):
    """The tiers routing tries, in order: primary, backups, the rest of the agency; each
    a list of (secretary, open items), before anyone's status, capacity or hours."""
    rows, _near_now = _read_roster(client, now or clock.now())
    return _tiers(rows, client)


def _on_duty_tiers(tiers):
    return [(tier, [(s, load) for s, load in rows if _on_duty(s, load)]) for tier, rows in tiers]


def _working(tiers, now: datetime, near: Exceptions) -> set[int]:
    """Who of the on-duty ``tiers`` is working at ``now`` by their calendar."""
    people = {s.id: s for _tier, rows in tiers for s, _load in rows}
    calendars = _calendars(
        people.values(),
        now,
        Exceptions(
            near.absences_of & people.keys(), near.overrides_of & people.keys(), near.holiday
        ),
    )
    return {i for i, calendar in calendars.items() if working_at(calendar, now)}


def _pick(tiers, working: Collection[int], exclude: Collection[int] = ()):
    """The least loaded free secretary of the first tier that has one (ties: lowest id)."""
    for tier, rows in tiers:
        free = [(load, s.id, s) for s, load in rows if s.id in working and s.id not in exclude]
        if free:
            return min(free, key=lambda row: row[:2])[2], tier
    return None, "pool"


def choose(
    item: WorkItem, now: datetime | None = None, exclude: Collection[int] = ()
) -> tuple[Rostered | None, str]:
    """The secretary for ``item`` and the tier they came from (None, "pool" if nobody);
    secretaries whose ids are in ``exclude`` are passed over."""
    now = now or clock.now()
    rows, near = _read_roster(item.client, now)
    tiers = _on_duty_tiers(_tiers(rows, item.client))
    return _pick(tiers, _working(tiers, now, near), exclude)


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
    db.session.commit()  # expires ``item``: read again, it shows the assignment
    return item


# Every active secretary with their open-item load and whether their day may differ from
# their weekly hours: the roster of a whole batch, read once (the clients' roles apart).
_STAFF = (
    select(
        Secretary.id,
        Secretary.timezone,
        Secretary.schedule,
        Secretary.shift_status,
        Secretary.capacity_items,
        Secretary.archived_at,
        Secretary.languages,
        Secretary.specialities,
        func.coalesce(_OPEN_ITEMS.c.open_items, 0),
        *_EXCEPTIONS,
    )
    .outerjoin(_OPEN_ITEMS, _OPEN_ITEMS.c.assignee_id == Secretary.id)
    .where(Secretary.archived_at.is_(None))
    .order_by(Secretary.id)
)

# How many queued items one batch takes at most.
BATCH = 200


def _found_unroutable():
    events = WorkEvent.__table__  # looked up by item (the tenant is the item's own)
    return (
        select(events.c.id)
        .where(events.c.item_id == WorkItem.id, events.c.action == "unroutable")
        .exists()
    )


def _in_pool():
    return (WorkItem.status == Status.queued.value) & WorkItem.assignee_id.is_(None)


def _not_yet_routed():
    """Queued, unassigned, and never found unroutable (those wait in the pool for a desk
    or a backfill; routing them again would tell the managers twice)."""
    return _in_pool() & ~_found_unroutable()


def route_queued(limit: int = BATCH, pool: bool = False) -> int:
    """Route the agency's queued items that were never routed, urgent and oldest first, at
    most ``limit`` of them in one transaction: one roster read, the loads kept in memory
    from one item to the next, the assignments and their events written in bulk. Each
    item gets the secretary ``choose`` would give it, had they been routed one by one in
    that order. Returns how many items it locked (``limit`` means there may be more).

    With ``pool``, the items left in the pool as unroutable are tried again instead:
    someone may be free now. What is still unroutable stays, and nobody is told twice."""
    now = clock.now()
    waiting = _in_pool() & _found_unroutable() if pool else _not_yet_routed()
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
    earliest, latest = _days_near(now)
    team, load, flagged = [], {}, []
    for *columns, open_items, absent, overridden, holiday in db.session.execute(
        _STAFF, {"earliest_day": earliest, "latest_day": latest}
    ):
        secretary = Rostered(*columns)
        team.append(secretary)
        load[secretary.id] = open_items
        flagged.append((secretary.id, absent, overridden, holiday))
    # Who works now does not change within the batch: the calendars of whoever is on
    # shift are read once, in one query (none when nobody's day differs).
    working = _working([("all", [(s, 0) for s in team if _on_duty(s, 0)])], now, _near(flagged))
    assignments, events, unroutable = [], [], []
    for row in todo:
        client = clients[row.client_id]
        client_roles = roles[row.client_id]
        tiers = _tiers(((s, client_roles.get(s.id), load[s.id]) for s in team), client)
        secretary, tier = _pick(_on_duty_tiers(tiers), working)
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
    if unroutable and not pool:
        for item in db.session.scalars(
            select(WorkItem).options(joinedload(WorkItem.client)).where(WorkItem.id.in_(unroutable))
        ).all():
            record(item, "unroutable")
            _tell_managers(item)
    db.session.commit()
    return len(rows)


# Routing of new items, one job for many, one at a time per agency and queue.
# ``create_item`` enqueues ``workers.jobs.route_queued`` after its commit only when it
# can set this key (SET NX, with a lifetime). The job holds the key while it routes
# (``drain_queued``): it routes what waits, waits a moment (LINGER_SECONDS) for what
# comes in meanwhile and routes that, for at most DRAIN_SECONDS; then it deletes the
# key (D) and reads the queue once more (F; every read a fresh snapshot). If something
# waits, it sets the key again and enqueues its successor, or finds the key set by a
# creator who enqueued one. For an item created (commit C, then SET S), some job reads
# the queue after C, whatever the interleaving:
# - S sets the key: S enqueues a job, whose reads all come after S, after C.
# - S fails: the key was held by a job (or the successor a job enqueued) that has not
#   passed D yet; its D comes after S, and its F after D: F sees the item, and either
#   that job enqueues a successor (whose reads come later still) or a creator set the
#   key after D and enqueued one.
# - A job that runs again after a crash (the SIGKILL case) routes what is left: it waits
#   on any row still locked, and its own D and F follow.
# - The key is given its lifetime again while a job holds it, so it expires only when
#   its holder is gone (a job lost, or failed for good, or Redis failing between S and
#   the enqueue): it lasts PENDING_SECONDS at most, and the minute tick (``sweep``)
#   enqueues a job for anything still never routed a minute after its creation, so
#   nothing waits for ever.
# While items come in quickly, one job routes them in batches instead of a job each, and
# two workers never route the same agency's new items at once.
PENDING_KEY = "secretariat:routing:pending:{agency_id}:{queue}"
PENDING_SECONDS = 60
LINGER_SECONDS = 0.02
DRAIN_SECONDS = 1.0


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
    """The routing job: route the agency's new items while holding its pending key (see
    PENDING_KEY), in batches, until nothing more comes in for a moment or DRAIN_SECONDS
    pass; then hand over to a successor if items still wait. How many were locked."""

    redis = current_app.extensions["redis"]
    key = pending_key(agency_id, queue)
    started = time.monotonic()
    locked = route_all_queued()
    while time.monotonic() - started < DRAIN_SECONDS:
        time.sleep(LINGER_SECONDS)  # creators meanwhile find the key held: no job each
        more = route_all_queued()
        if not more:
            break
        locked += more
        redis.expire(key, PENDING_SECONDS)
    redis.delete(key)
    if _waiting() and redis.set(key, "1", nx=True, ex=PENDING_SECONDS):
        enqueue("workers.jobs.route_queued", agency_id, queue, queue=queue, agency_id=agency_id)
    return locked


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
        queue_email(
            manager.email,
            _("Nobody can take: %(title)s", title=item.title),
            _(
                "No secretary is available for %(client)s, so this item waits in the pool:\n\n"
                "%(title)s (%(priority)s)",
                client=item.client.name,
                title=item.title,
                priority=item.priority,
            ),
            purpose="unroutable",
        )


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
    item_id = db.session.scalar(
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
        .returning(WorkItem.id),
        execution_options={"synchronize_session": False},
    )
    if item_id is None:
        db.session.rollback()
        return None
    record(item_id, "claimed", actor_user_id, secretary_id=secretary_id)
    db.session.commit()
    return item_id


CLAIM_SQL = "SELECT claim_work_item(%s, %s, %s, %s, %s)"


def _take_on_postgres(secretary_id: int, item_id: int | None, actor_user_id: int | None):
    """The same claim in one round trip: the ``claim_work_item`` function (migration
    0008_claim) sets the tenant for its own transaction, picks the head of the queue with
    SKIP LOCKED, updates it and writes the timeline event, in autocommit. As on every
    claim the session's own transaction ends first, so that a desk never holds two
    connections."""
    params = (require_agency_id(), secretary_id, item_id, actor_user_id, clock.now())
    if db.session().in_transaction():  # (a commit with none would begin one to end it)
        db.session.commit()
    return call_in_autocommit(CLAIM_SQL, params)


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
        .where(_in_pool())
        .order_by(WorkItem.priority_rank, WorkItem.created_at, WorkItem.id)
        .limit(BATCH)
        .with_for_update(skip_locked=True)
    ).all()
    others = {item.client_id for item in waiting} - served
    qualified = served | {
        client.id
        for client in db.session.scalars(select(Client).where(Client.id.in_(others)))
        if _qualified(secretary, client)
    }
    room = secretary.capacity_items - load
    for item in [i for i in waiting if i.client_id in qualified][:room]:
        item.assignee_id, item.status, item.assigned_at = secretary.id, Status.assigned.value, now
        record(item, "assigned", secretary_id=secretary.id, tier="backfill")
        assigned.append(item)
    db.session.commit()
    return assigned


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
