"""A secretary's own shift status: on shift (routing gives them work), on a break, or
off. Coming on shift hands them what waits in the pool; a break or the end of the shift
stops their running timers, and going off hands the items they have not started back to
be routed to whoever is on."""

from flask_babel import gettext as _
from sqlalchemy import select

from agency.domains.accounts.models import User
from agency.domains.staff.models import Secretary, ShiftStatus
from agency.domains.work.models import Status, WorkItem
from agency.domains.work.schemas import ShiftSchema
from agency.domains.work.services import return_to_pool, stop_timers
from agency.kernel import clock, live
from agency.kernel.database import db
from agency.kernel.errors import Conflict, NotAllowed
from agency.kernel.queue import enqueue_after_commit
from agency.kernel.records import values_for


def labels() -> dict[str, str]:
    return {
        ShiftStatus.on_shift.value: _("On shift"),
        ShiftStatus.on_break.value: _("On a break"),
        ShiftStatus.off.value: _("Off shift"),
    }


def may_set(user: User, secretary: Secretary) -> bool:
    """The secretary themselves, and the agency's managers."""
    return user.is_manager or (secretary.user_id is not None and secretary.user_id == user.id)


def set_shift(secretary: Secretary, data: dict, user: User) -> Secretary:
    if not may_set(user, secretary):
        raise NotAllowed(_("Only the secretary or a manager can change their shift."))
    values = values_for(ShiftSchema(), data)
    if secretary.archived_at is not None:
        raise Conflict(_("%(name)s is archived.", name=secretary.name))
    status = values["shift_status"]
    if status == secretary.shift_status:
        return secretary
    secretary.shift_status, secretary.shift_status_at = status, clock.now()
    if status == ShiftStatus.on_shift:
        enqueue_after_commit("workers.jobs.backfill", secretary.agency_id, secretary.id)
    else:
        stop_timers(secretary.id, user.id)
    if status == ShiftStatus.off:
        untouched = db.session.scalars(
            select(WorkItem)
            .where(
                WorkItem.assignee_id == secretary.id,
                WorkItem.status == Status.assigned.value,
                WorkItem.started_at.is_(None),
            )
            .with_for_update()
        ).all()
        for item in untouched:
            return_to_pool(item, "off_shift", user.id)
    db.session.commit()
    return secretary


def archive_secretary(secretary: Secretary) -> Secretary:
    """A secretary leaves the agency: their timers stop, every open item of theirs goes
    back to be routed to someone else, and their profile is archived (never deleted)."""
    if secretary.archived_at is None:
        stop_timers(secretary.id)
        held = db.session.scalars(
            select(WorkItem)
            .where(
                WorkItem.assignee_id == secretary.id,
                WorkItem.status.in_(
                    [Status.assigned.value, Status.in_progress.value, Status.waiting.value]
                ),
            )
            .with_for_update()
        ).all()
        for item in held:
            return_to_pool(item, "archived")
        secretary.shift_status, secretary.shift_status_at = ShiftStatus.off.value, clock.now()
        secretary.archived_at = clock.now()
        live.touch(live.SCOPE)
    db.session.commit()
    return secretary
