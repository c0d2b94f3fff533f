import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from agency.kernel import clock, labels
from agency.kernel.columns import UTCDateTime
from agency.kernel.database import db
from tenants import TenantMixin


class Kind(enum.StrEnum):
    call = "call"
    message = "message"
    email = "email"
    dictation = "dictation"
    letter = "letter"
    website_update = "website_update"
    promotion = "promotion"
    meeting = "meeting"
    travel = "travel"
    paperwork = "paperwork"
    supplier = "supplier"
    press = "press"
    task = "task"


class Priority(enum.StrEnum):
    urgent = "urgent"
    high = "high"
    normal = "normal"
    low = "low"


PRIORITY_ORDER = {p.value: rank for rank, p in enumerate(Priority)}


# Kinds a secretary arranges for a time: they carry an event and go in the client's calendar.
EVENT_KINDS = (Kind.meeting.value, Kind.travel.value)


class Status(enum.StrEnum):
    new = "new"
    queued = "queued"
    assigned = "assigned"
    in_progress = "in_progress"
    waiting = "waiting"
    done = "done"
    cancelled = "cancelled"


labels.define(
    "work_kind",
    {
        Kind.call: _l("Call"),
        Kind.message: _l("Message"),
        Kind.email: _l("Email"),
        Kind.dictation: _l("Dictation"),
        Kind.letter: _l("Letter"),
        Kind.website_update: _l("Website update"),
        Kind.promotion: _l("Promotion"),
        Kind.meeting: _l("Meeting"),
        Kind.travel: _l("Travel"),
        Kind.paperwork: _l("Paperwork"),
        Kind.supplier: _l("Supplier"),
        Kind.press: _l("Press"),
        Kind.task: _l("Task"),
    },
)
labels.define(
    "work_priority",
    {
        Priority.urgent: _l("urgent"),
        Priority.high: _l("high"),
        Priority.normal: _l("normal"),
        Priority.low: _l("low"),
    },
)
labels.define(
    "work_status",
    {
        Status.new: _l("new"),
        Status.queued: _l("in the pool"),
        Status.assigned: _l("assigned"),
        Status.in_progress: _l("in progress"),
        Status.waiting: _l("waiting on the client"),
        Status.done: _l("done"),
        Status.cancelled: _l("cancelled"),
    },
)

OPEN_STATUSES = (Status.queued, Status.assigned, Status.in_progress, Status.waiting)
OPEN_WHERE = "status IN ('queued', 'assigned', 'in_progress', 'waiting')"


class Source(enum.StrEnum):
    voice = "voice"
    email = "email"
    portal = "portal"
    schedule = "schedule"
    console = "console"
    desk = "desk"
    api = "api"


class WorkItem(TenantMixin, db.Model):
    """One piece of work for a client; the same source key twice is the same item."""

    __tablename__ = "work_items"
    agency_from_parent = True  # under its client; its indexes below lead with the agency
    __table_args__ = (
        UniqueConstraint("agency_id", "source", "source_key"),
        Index("ix_work_items_queue", "agency_id", "status", "priority_rank", "sla_due_at"),
        # The heads of the two queues a desk claims from, in queue order.
        Index(
            "ix_work_items_mine",
            "assignee_id",
            "priority_rank",
            "sla_due_at",
            "created_at",
            "id",
            postgresql_where=text("status = 'assigned'"),
            sqlite_where=text("status = 'assigned'"),
        ),
        Index(
            "ix_work_items_pool",
            "agency_id",
            "priority_rank",
            "sla_due_at",
            "created_at",
            "id",
            postgresql_where=text("status = 'queued' AND assignee_id IS NULL"),
            sqlite_where=text("status = 'queued' AND assignee_id IS NULL"),
        ),
        # What a desk shows: the open items of its clients and of its team.
        Index(
            "ix_work_items_open_client",
            "client_id",
            "priority_rank",
            "sla_due_at",
            postgresql_where=text(OPEN_WHERE),
            sqlite_where=text(OPEN_WHERE),
        ),
        Index(
            "ix_work_items_open_assignee",
            "assignee_id",
            "priority_rank",
            "sla_due_at",
            postgresql_where=text(OPEN_WHERE),
            sqlite_where=text(OPEN_WHERE),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    # The client's contact the work is about ("reply to the journalist by 15:00").
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(24))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str | None] = mapped_column(Text)
    priority: Mapped[str] = mapped_column(String(8), default=Priority.normal.value)
    # 0 urgent … 3 low: the order the queue is worked in.
    priority_rank: Mapped[int] = mapped_column(default=PRIORITY_ORDER["normal"])
    status: Mapped[str] = mapped_column(String(16), default=Status.new.value)
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("secretaries.id", ondelete="SET NULL"), index=True
    )
    # Whom the SLA counts against: who held the item when it was first started (or
    # closed unstarted), or when the watchdog found it past due; until then, the assignee.
    sla_secretary_id: Mapped[int | None] = mapped_column(
        ForeignKey("secretaries.id", ondelete="SET NULL")
    )
    source: Mapped[str] = mapped_column(String(16), default=Source.api.value)
    source_key: Mapped[str | None] = mapped_column(String(255))
    links: Mapped[dict] = mapped_column(JSON, default=dict)
    sla_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set while the desk's timer runs; pausing turns the span into a time entry.
    timer_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The SLA watchdog's steps taken: 0 none, 1 re-routed and the team lead told,
    # 2 the managers told. Each happens once.
    escalation_level: Mapped[int] = mapped_column(default=0, server_default="0")
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The arranged meeting or journey (EVENT_KINDS only): when, where, with whom.
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    location: Mapped[str | None] = mapped_column(String(300))
    attendees: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
    event_notes: Mapped[str | None] = mapped_column(Text)
    # When the event last changed: the calendar feed's LAST-MODIFIED and SEQUENCE.
    event_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    event_sequence: Mapped[int] = mapped_column(default=0, server_default="0")

    client = relationship("Client")
    assignee = relationship("Secretary", foreign_keys=[assignee_id])
    events = relationship("WorkEvent", order_by="WorkEvent.id", back_populates="item")


class WorkEvent(TenantMixin, db.Model):
    """The item's timeline: who did what, when."""

    __tablename__ = "work_events"
    agency_from_parent = True

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("work_items.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)

    item = relationship("WorkItem", back_populates="events")
    actor = relationship("User")
