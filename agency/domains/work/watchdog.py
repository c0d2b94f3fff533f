"""The SLA watchdog: open items nobody has started by their due time are pushed up, once
per level.

Level 1, when ``sla_due_at`` passes: the item goes to another available secretary (not
the one who left it) and the team lead hears of it. Level 2, a grace period later (the
item's own SLA span, at least five minutes) and still not started: the agency's managers
hear of it. The level is kept on the item, so a watchdog that runs twice, or two at once,
acts once.
"""

from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from agency.domains.accounts.services import active_managers
from agency.domains.notify.language import queue_email_to
from agency.domains.staff.models import Secretary
from agency.domains.work.choice import choose
from agency.domains.work.models import OPEN_STATUSES, Status, WorkItem
from agency.domains.work.timeline import record
from agency.kernel import clock
from agency.kernel.database import db

MINIMUM_GRACE = timedelta(minutes=5)


def grace(item: WorkItem) -> timedelta:
    """How long after the first escalation the managers are told."""
    span = (item.sla_due_at - item.created_at) if item.sla_due_at else timedelta(0)
    return max(span, MINIMUM_GRACE)


def _not_started():
    return (
        WorkItem.status.in_([s.value for s in OPEN_STATUSES])
        & WorkItem.started_at.is_(None)
        & WorkItem.sla_due_at.is_not(None)
    )


def _locked(item_id: int, level: int) -> WorkItem | None:
    """The item, locked, if it still waits at ``level``; None if someone else has it."""
    return db.session.scalar(
        select(WorkItem)
        .where(WorkItem.id == item_id, WorkItem.escalation_level == level, _not_started())
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    )


def watch(now: datetime | None = None) -> dict[str, int]:
    """One pass over the current agency's items; returns how many went up each level."""
    now = now or clock.now()
    overdue = db.session.scalars(
        select(WorkItem.id).where(
            _not_started(), WorkItem.escalation_level == 0, WorkItem.sla_due_at < now
        )
    ).all()
    waiting = db.session.scalars(
        select(WorkItem.id).where(_not_started(), WorkItem.escalation_level == 1)
    ).all()
    db.session.rollback()
    counts = {"rerouted": 0, "managers": 0}
    for item_id in overdue:
        item = _locked(item_id, 0)
        if item is not None:
            _first_escalation(item, now)
            counts["rerouted"] += 1
        db.session.commit()
    for item_id in waiting:
        item = _locked(item_id, 1)
        if item is not None and now >= item.escalated_at + grace(item):
            _tell_managers(item, now)
            counts["managers"] += 1
        db.session.commit()
    return counts


def _first_escalation(item: WorkItem, now: datetime) -> None:
    previous = db.session.get(Secretary, item.assignee_id) if item.assignee_id else None
    exclude = {previous.id} if previous else set()
    if previous is not None and item.sla_secretary_id is None:
        item.sla_secretary_id = previous.id  # the miss is theirs, whoever takes it now
    chosen, tier = choose(item, now, exclude=exclude)
    secretary = db.session.get(Secretary, chosen.id) if chosen is not None else None
    if secretary is not None:
        item.assignee_id, item.status, item.assigned_at = (
            secretary.id,
            Status.assigned.value,
            now,
        )
        record(item, "assigned", secretary_id=secretary.id, tier=f"sla:{tier}")
    lead = _lead_of(previous) or _lead_of(secretary)
    item.escalation_level, item.escalated_at = 1, now
    record(
        item,
        "sla_escalated",
        level=1,
        from_secretary_id=previous.id if previous else None,
        to_secretary_id=secretary.id if secretary else None,
        lead_id=lead.id if lead else None,
    )
    if lead is not None:
        _email(
            lead.email,
            lambda: (
                _("Not started in time: %(title)s", title=item.title),
                _(
                    "%(title)s for %(client)s was due by %(due)s UTC and nobody has started it.",
                    title=item.title,
                    client=item.client.name,
                    due=item.sla_due_at.strftime("%Y-%m-%d %H:%M"),
                )
                + "\n"
                + _where_it_goes(secretary, previous),
            ),
        )


def _where_it_goes(secretary: Secretary | None, previous: Secretary | None) -> str:
    if secretary is not None:
        return _("It now goes to %(secretary)s.", secretary=secretary.name)
    if previous is not None:
        return _("Nobody else is free, so it stays with %(secretary)s.", secretary=previous.name)
    return _("Nobody is free, so it waits in the agency pool.")


def _lead_of(secretary: Secretary | None) -> Secretary | None:
    if secretary is None or secretary.team_lead_id is None:
        return None
    lead = db.session.get(Secretary, secretary.team_lead_id)
    return lead if lead is not None and lead.archived_at is None else None


def _tell_managers(item: WorkItem, now: datetime) -> None:
    managers = active_managers()
    item.escalation_level, item.escalated_at = 2, now
    record(item, "sla_escalated", level=2, manager_ids=[m.id for m in managers])
    for manager in managers:
        _email(
            manager.email,
            lambda: (
                _("Still not started: %(title)s", title=item.title),
                _(
                    "%(title)s for %(client)s was due by %(due)s UTC. It was re-routed and "
                    "the team lead told, and it is still not started.",
                    title=item.title,
                    client=item.client.name,
                    due=item.sla_due_at.strftime("%Y-%m-%d %H:%M"),
                ),
            ),
        )


def _email(to_address: str, compose) -> None:
    queue_email_to(to_address, compose, purpose="sla_escalation")
