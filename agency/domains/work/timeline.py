"""An item's timeline: writing its events, and how it reads (each event's action in
words, and who did it)."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select

from agency.domains.accounts.models import User
from agency.domains.staff.models import Secretary
from agency.domains.work import live
from agency.domains.work.models import WorkEvent, WorkItem
from agency.kernel.database import db

# Built once: the timeline's INSERT, its time and agency from the columns' defaults.
NEW_EVENT = insert(WorkEvent.__table__)


def record(item: WorkItem | int, action: str, actor_user_id: int | None = None, **detail) -> None:
    """Add an event to the item's timeline, in the current transaction. Given the item
    itself, the desks that show it hear of the change once it commits; a caller that has
    only the id tells them itself (`live.touch`)."""
    if isinstance(item, int):
        item_id = item
    else:
        item_id = item.id
        live.touch_item(item)
    db.session.execute(
        NEW_EVENT,
        {"item_id": item_id, "action": action, "actor_user_id": actor_user_id, "detail": detail},
    )


ACTIONS = {
    "created": _l("created"),
    "assigned": _l("assigned"),
    "unroutable": _l("nobody free: waits in the pool"),
    "claimed": _l("claimed"),
    "start": _l("started"),
    "timer_started": _l("timer started"),
    "timer_stopped": _l("timer stopped"),
    "wait": _l("waiting on the client"),
    "handback": _l("handed back to the pool"),
    "escalated": _l("escalated to the team lead"),
    "sla_escalated": _l("past its SLA: escalated"),
    "reassigned": _l("reassigned"),
    "note": _l("note"),
    "message_received": _l("a new message in the conversation"),
    "updated": _l("updated"),
    "complete": _l("completed"),
    "cancel": _l("cancelled"),
    "draft_written": _l("draft written"),
    "draft_awaits_approval": _l("draft sent to the client for approval"),
    "draft_approved": _l("draft approved"),
    "draft_rejected": _l("draft sent back by the client"),
    "email_sent": _l("email sent"),
    "transcription_added": _l("transcription added"),
    "letter_written": _l("letter written"),
    "letter_mailed": _l("letter mailed"),
    "meeting_proposed": _l("free times offered to the meeting's participants"),
    "meeting_arranged": _l("the meeting is arranged"),
    "meeting_none_fit": _l("none of the times offered suits a participant"),
    "meeting_declined": _l("a participant cannot come to the meeting"),
    "site_update_done": _l("website update done"),
    "publication_awaits_approval": _l("website post sent to the client for approval"),
    "publication_approved": _l("website post approved"),
    "publication_declined": _l("website post sent back by the client"),
    "published": _l("published on the website"),
    "published_draft": _l("saved as a draft on the website"),
    "publish_failed": _l("the website refused the post"),
}

REASONS = {
    "off_shift": _l("the secretary went off shift"),
    "archived": _l("the secretary left the agency"),
}


def action_label(action: str) -> str:
    label = ACTIONS.get(action)
    return str(label) if label is not None else action.replace("_", " ")


def timeline(item: WorkItem) -> list[dict]:
    """The item's events, oldest first, each with who acted (a user's name, or none for
    the system) and, where it names one, the secretary it went to."""
    events = item.events
    users = {e.actor_user_id for e in events if e.actor_user_id}
    secretaries = {
        e.detail.get(key)
        for e in events
        for key in ("secretary_id", "to_secretary_id")
        if isinstance(e.detail, dict) and e.detail.get(key)
    }
    names = dict(db.session.execute(select(User.id, User.name).where(User.id.in_(users))).all())
    desks = dict(
        db.session.execute(
            select(Secretary.id, Secretary.name).where(Secretary.id.in_(secretaries))
        ).all()
    )
    rows = []
    for event in events:
        detail = event.detail or {}
        to = detail.get("to_secretary_id") or detail.get("secretary_id")
        rows.append(
            {
                "at": event.at,
                "action": event.action,
                "label": action_label(event.action),
                "actor": names.get(event.actor_user_id),
                "to": desks.get(to),
                "note": detail.get("note"),
                "reason": detail.get("reason"),
                "reason_label": str(REASONS[detail["reason"]])
                if detail.get("reason") in REASONS
                else detail.get("reason"),
                "billable_minutes": detail.get("billable_minutes"),
            }
        )
    return rows
