"""Moving work items through their states: updates, the desk's actions and timers, notes,
escalation, reassignment and cancellation (making one: ``creation``).
"""

from flask_babel import gettext as _
from sqlalchemy import select

from agency.domains.accounts.models import User
from agency.domains.billing import overage
from agency.domains.hours.services import record_span
from agency.domains.sla import services as sla
from agency.domains.staff.models import Secretary
from agency.domains.work.access import reassign_targets, require_work
from agency.domains.work.events import EVENT_FIELDS, checked_event, event_of
from agency.domains.work.models import PRIORITY_ORDER, Status, WorkItem
from agency.domains.work.schemas import (
    CancelSchema,
    CompleteSchema,
    ReassignSchema,
    WorkItemUpdateSchema,
)
from agency.domains.work.timeline import record
from agency.kernel import clock
from agency.kernel.database import db
from agency.kernel.errors import Conflict, NotAllowed, ValidationError
from agency.kernel.queue import enqueue_after_commit
from agency.kernel.records import values_for

# Which states an action may start from, and the state it leaves.
TRANSITIONS = {
    "start": ({Status.assigned, Status.waiting}, Status.in_progress),
    "wait": ({Status.in_progress}, Status.waiting),
    "handback": ({Status.assigned, Status.in_progress, Status.waiting}, Status.queued),
    "complete": ({Status.assigned, Status.in_progress, Status.waiting}, Status.done),
    "cancel": (
        {Status.new, Status.queued, Status.assigned, Status.in_progress, Status.waiting},
        Status.cancelled,
    ),
}


def update_item(item: WorkItem, data: dict, actor_user_id: int | None = None) -> WorkItem:
    """Change the title, body, priority or the arranged event; all checked before any is set."""
    values = values_for(WorkItemUpdateSchema(), data, partial=True)
    before = event_of(item)
    if any(name in values for name in EVENT_FIELDS):
        values.update(checked_event(item.kind, item.client.timezone, before, values))
    for key, value in values.items():
        setattr(item, key, value)
    if "priority" in values:
        item.priority_rank = PRIORITY_ORDER[values["priority"]]
        if item.status not in (Status.done, Status.cancelled):  # due as if made so
            item.sla_due_at = sla.due_at(item.client, item.kind, item.priority, item.created_at)
    changed = sorted(k for k in values if k not in EVENT_FIELDS or values[k] != before[k])
    if any(name in changed for name in EVENT_FIELDS):
        item.event_updated_at = clock.now()
        item.event_sequence = (item.event_sequence or 0) + 1
    record(item, "updated", actor_user_id, fields=changed)
    db.session.commit()
    return item


def follow_priority(item: WorkItem, priority: str, actor_user_id: int | None = None) -> WorkItem:
    """A new priority for an item still to be done, what it came from having changed (a
    voicemail found urgent): the SLA due time is recomputed from its creation, so an item
    made urgent is due sooner. In the current transaction."""
    if item.priority == priority or item.status in (Status.done, Status.cancelled):
        return item
    item.priority = priority
    item.priority_rank = PRIORITY_ORDER[priority]
    item.sla_due_at = sla.due_at(item.client, item.kind, priority, item.created_at)
    record(item, "updated", actor_user_id, fields=["priority", "sla_due_at"])
    return item


def move(item: WorkItem, action: str, actor_user_id: int | None = None, **detail) -> WorkItem:
    """Apply one of TRANSITIONS, or refuse it with a clear 409."""
    allowed_from, to = TRANSITIONS[action]
    if item.status not in allowed_from:
        raise Conflict(
            _("This item is %(status)s; it cannot be moved that way.", status=item.status)
        )
    now = clock.now()
    responded = item.started_at is not None or item.closed_at is not None
    if not responded and to in (Status.in_progress, Status.done, Status.cancelled):
        item.sla_secretary_id = item.sla_secretary_id or item.assignee_id
    item.status = to.value
    if to == Status.in_progress and item.started_at is None:
        item.started_at = now
    if to == Status.queued:
        item.assignee_id = None
        item.assigned_at = None
    if to in (Status.done, Status.cancelled):
        item.closed_at = now
    record(item, action, actor_user_id, **detail)
    return item


def complete(item: WorkItem, data: dict, user: User) -> WorkItem:
    require_work(user, item)
    values = values_for(CompleteSchema(), data)
    _stop_timer(item, user.id)
    move(item, "complete", user.id)
    item.outcome = values["outcome"]
    _backfill_after_commit(item)
    db.session.commit()
    return item


def _backfill_after_commit(item: WorkItem) -> None:
    """The item's secretary frees up: hand them what waits."""
    if item.assignee_id is not None:
        enqueue_after_commit("workers.jobs.backfill", item.agency_id, item.assignee_id)


def _route_after_commit(item: WorkItem, exclude_secretary_id: int | None = None) -> None:
    queue = "realtime" if item.priority == "urgent" else "default"
    enqueue_after_commit(
        "workers.jobs.route_item", item.agency_id, item.id, exclude_secretary_id, queue=queue
    )


def hand_back(item: WorkItem, user: User) -> WorkItem:
    """Back to the pool, and routed again to someone else when someone is free; else it
    waits in the pool for the next desk (and the managers hear of it)."""
    require_work(user, item)
    previous = item.assignee_id
    _stop_timer(item, user.id)
    move(item, "handback", user.id)
    _route_after_commit(item, previous)
    db.session.commit()
    return item


def return_to_pool(item: WorkItem, reason: str, actor_user_id: int | None = None) -> None:
    """An item assigned but not started goes back to be routed again, to someone else
    (its secretary went off shift); in the caller's transaction."""
    previous = item.assignee_id
    move(item, "handback", actor_user_id, reason=reason)
    _route_after_commit(item, previous)


def wait_on_client(item: WorkItem, user: User) -> WorkItem:
    """Put the item aside until the client answers; its timer stops."""
    require_work(user, item)
    _stop_timer(item, user.id)
    move(item, "wait", user.id)
    db.session.commit()
    return item


def set_aside(item: WorkItem, action: str, actor_user_id: int | None = None, **detail) -> None:
    """The item waits on people outside (a meeting's participants): its timer stops and
    one being worked waits, until ``resume`` brings it back. In the caller's transaction."""
    _stop_timer(item, actor_user_id)
    if item.status in (Status.assigned, Status.in_progress):
        item.status = Status.waiting.value
    record(item, action, actor_user_id, **detail)


def finish(item: WorkItem, outcome: str, action: str, **detail) -> None:
    """Work that finished itself (the participants picked the meeting's time): an item
    in someone's hands is done with ``outcome``, one still in the pool stays for them to
    see; either way the timeline says why. In the caller's transaction."""
    if item.status in (Status.assigned, Status.in_progress, Status.waiting):
        _stop_timer(item, None)
        move(item, "complete", None)
        item.outcome = outcome
        _backfill_after_commit(item)
    record(item, action, None, **detail)


def start_timer(item: WorkItem, user: User) -> WorkItem:
    """Start the desk's timer, and the item with it; refused (409) while the client's
    hours are used up and extra hours are not approved."""
    require_work(user, item)
    if item.timer_started_at is None:
        overage.refuse_if_over(item.client_id)
    if item.status in (Status.assigned, Status.waiting):
        move(item, "start", user.id)
    if item.status != Status.in_progress:
        raise Conflict(
            _("This item is %(status)s; it cannot be moved that way.", status=item.status)
        )
    if item.timer_started_at is None:
        item.timer_started_at = clock.now()
        record(item, "timer_started", user.id)
    db.session.commit()
    return item


def _stop_timer(item: WorkItem, actor_user_id: int | None):
    if item.timer_started_at is None:
        return None

    entries = record_span(
        item.client_id, item.timer_started_at, clock.now(), item.assignee_id, item.id
    )
    item.timer_started_at = None
    db.session.flush()
    record(
        item,
        "timer_stopped",
        actor_user_id,
        time_entry_id=entries[0].id,
        raw_minutes=sum(entry.raw_minutes for entry in entries),
        billable_minutes=sum(entry.billable_minutes for entry in entries),
    )
    return entries[0]


def stop_timers(secretary_id: int, actor_user_id: int | None = None) -> None:
    """Stop every timer running on the secretary's items (a break, the end of a shift),
    in the caller's transaction."""
    running = db.session.scalars(
        select(WorkItem).where(
            WorkItem.assignee_id == secretary_id, WorkItem.timer_started_at.is_not(None)
        )
    ).all()
    for item in running:
        _stop_timer(item, actor_user_id)


def pause_timer(item: WorkItem, user: User) -> WorkItem:
    """Stop the timer: the span becomes a time entry on the client's contract."""
    require_work(user, item)
    _stop_timer(item, user.id)
    db.session.commit()
    return item


def add_note(item: WorkItem, note: str, user: User) -> WorkItem:
    """Anyone who sees the item may leave a note on it."""
    note = (note or "").strip()
    if not note:
        raise ValidationError.on("note", _("Write the note first."))
    record(item, "note", user.id, note=note[:5000])
    db.session.commit()
    return item


def _open(item: WorkItem) -> None:
    if item.status not in (Status.queued, Status.assigned, Status.in_progress, Status.waiting):
        raise Conflict(
            _("This item is %(status)s; it cannot be moved that way.", status=item.status)
        )


def escalate(item: WorkItem, user: User) -> WorkItem:
    """Hand the item to the assignee's team lead; refused when they have none."""

    require_work(user, item)
    assignee = db.session.get(Secretary, item.assignee_id) if item.assignee_id else None
    lead_id = assignee.team_lead_id if assignee else None
    if lead_id is None:
        raise Conflict(_("There is no team lead to escalate to."))
    _open(item)
    _stop_timer(item, user.id)
    item.assignee_id, item.status, item.assigned_at = lead_id, Status.assigned.value, clock.now()
    record(item, "escalated", user.id, to_secretary_id=lead_id)
    db.session.commit()
    return item


def reassign(item: WorkItem, data: dict, user: User) -> WorkItem:
    """Give the item to another secretary: managers to anyone active, team leads among
    their team. Its timer stops (the time so far stays with whoever worked it); the new
    secretary finds it assigned on their desk, or still waiting on the client."""
    values = values_for(ReassignSchema(), data)
    targets = {s.id: s for s in reassign_targets(user, item)}
    if not targets:
        require_work(user, item)  # a refusal that says whose item it is
        raise NotAllowed(_("Only a manager or the secretary's team lead can reassign it."))
    _open(item)
    to = targets.get(values["secretary_id"])
    if to is None:
        raise ValidationError.on(
            "secretary_id",
            _("Choose an active secretary.")
            if user.is_manager
            else _("Choose someone of your team."),
        )
    if item.assignee_id == to.id:
        return item
    previous = item.assignee_id
    _stop_timer(item, user.id)
    if item.status != Status.waiting:
        item.status = Status.assigned.value
    item.assignee_id, item.assigned_at = to.id, clock.now()
    record(item, "reassigned", user.id, from_secretary_id=previous, to_secretary_id=to.id)
    if previous is not None:
        enqueue_after_commit("workers.jobs.backfill", item.agency_id, previous)
    db.session.commit()
    return item


def cancel(item: WorkItem, data: dict, user: User) -> WorkItem:
    """Managers call off work that is no longer needed; the reason goes on the timeline
    and the secretary who had it frees up."""
    if not user.is_manager:
        raise NotAllowed(_("Only a manager can cancel work."))
    values = values_for(CancelSchema(), data)
    call_off(item, values["reason"], user.id)
    db.session.commit()
    return item


def call_off(item: WorkItem, reason: str, actor_user_id: int | None = None) -> None:
    """Cancel work no longer needed (in the caller's transaction): its timer stops, the
    reason goes on the timeline, and the secretary who had it frees up."""
    _stop_timer(item, actor_user_id)
    move(item, "cancel", actor_user_id, reason=reason)
    _backfill_after_commit(item)


def resume(
    item: WorkItem, action: str, actor_user_id: int | None = None, terms=None, **detail
) -> None:
    """New work on an existing item (a message in its conversation): one waiting on the
    client, or done, goes back to its secretary's queue, or to the pool to be routed again
    when she is gone; its SLA runs afresh from now. ``terms``: the client and the SLA
    target of the item's kind and priority, when the caller has read them (a batch of
    messages reads them once). In the caller's transaction."""
    now = clock.now()
    if item.status in (Status.waiting, Status.done):
        assignee = db.session.get(Secretary, item.assignee_id) if item.assignee_id else None
        if assignee is not None and assignee.archived_at is None:
            item.status, item.assigned_at = Status.assigned.value, now
        else:
            item.status, item.assignee_id, item.assigned_at = Status.queued.value, None, None
            _route_after_commit(item)
        item.closed_at = None
    client, target = terms or (item.client, None)
    item.sla_due_at = sla.due_at(client, item.kind, item.priority, now, target)
    item.escalation_level, item.escalated_at = 0, None
    record(item, action, actor_user_id, **detail)
