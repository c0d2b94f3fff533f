import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from agency.kernel import clock, labels
from agency.kernel.columns import EncryptedText, UTCDateTime
from agency.kernel.database import db
from tenants import TenantMixin


class CalendarFeed(TenantMixin, db.Model):
    """A client's subscribable calendar: the secret in its address, kept twice: hashed to
    find the feed, encrypted to show the address again in the portal."""

    __tablename__ = "calendar_feeds"
    __table_args__ = (
        UniqueConstraint("agency_id", "client_id"),
        UniqueConstraint("token_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), info={"export": False})
    token: Mapped[str] = mapped_column(EncryptedText, info={"export": False})
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # The first fetch by a calendar app since the address was made: the client subscribed.
    first_fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    client = relationship("Client")


class EventKind(enum.StrEnum):
    meeting = "meeting"
    busy = "busy"
    travel = "travel"
    # From the client's own calendar (an imported file).
    external = "external"


# The kinds a person makes here; the rest come from elsewhere.
MADE_HERE = (EventKind.meeting, EventKind.busy, EventKind.travel)


class CalendarEvent(TenantMixin, db.Model):
    """One event of a client's calendar. Moments are kept in UTC with the zone the event
    was made in; an all-day event runs from midnight to midnight in that zone. A
    cancelled event stays (with ``cancelled_at``), so that calendars that copied it see
    it go. ``sequence`` counts the changes calendar apps must notice (RFC 5545), and
    ``etag`` names the event's current content."""

    __tablename__ = "calendar_events"
    __table_args__ = (
        UniqueConstraint("agency_id", "client_id", "uid"),
        Index("ix_calendar_events_client_starts", "client_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(300))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    timezone: Mapped[str] = mapped_column(String(64))
    all_day: Mapped[bool] = mapped_column(Boolean, default=False)
    # Whether the time is taken (an imported event marked TRANSP:TRANSPARENT is not).
    busy: Mapped[bool] = mapped_column(Boolean, default=True)
    location: Mapped[str | None] = mapped_column(String(300))
    video_url: Mapped[str | None] = mapped_column(String(500))
    notes: Mapped[str | None] = mapped_column(Text)
    # [{"email": ..., "name": ..., "status": "needs-action" | "accepted" | ...}]
    attendees: Mapped[list] = mapped_column(JSON, default=list)
    uid: Mapped[str] = mapped_column(String(255))
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    etag: Mapped[str] = mapped_column(String(64))
    # "local" (made here), "import" (from a file the client gave) or "caldav" (from the
    # client's own calendar server).
    source: Mapped[str] = mapped_column(String(16), default="local")
    # On the client's calendar server: the object's address, and the ``etag`` of this
    # event the last time it was written there (an event made here).
    remote_href: Mapped[str | None] = mapped_column(String(1000))
    pushed_etag: Mapped[str | None] = mapped_column(String(64))
    # When the client was reminded of this meeting (again after it moves).
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    client = relationship("Client")


class MeetingRules(TenantMixin, db.Model):
    """The meeting part of a client's instruction sheet: the hours meetings may take
    (the client's business hours until set), the free time kept before and after each
    meeting, the most meetings a day, and how far ahead a meeting must be arranged."""

    __tablename__ = "meeting_rules"
    __table_args__ = (UniqueConstraint("agency_id", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    working_hours: Mapped[dict | None] = mapped_column(JSON)
    buffer_before_minutes: Mapped[int] = mapped_column(Integer, default=0)
    buffer_after_minutes: Mapped[int] = mapped_column(Integer, default=0)
    daily_cap: Mapped[int | None] = mapped_column(Integer)
    min_notice_minutes: Mapped[int] = mapped_column(Integer, default=0)
    # How long before each meeting the client is reminded (0: never).
    reminder_minutes: Mapped[int] = mapped_column(Integer, default=60, server_default="60")
    # Whether the participants are reminded too (by email, in the client's name).
    remind_participants: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


labels.define(
    "event_kind",
    {
        EventKind.meeting: _l("meeting"),
        EventKind.busy: _l("busy"),
        EventKind.travel: _l("travel"),
        EventKind.external: _l("from your own calendar"),
    },
)


class RequestStatus(enum.StrEnum):
    open = "open"
    confirmed = "confirmed"
    cancelled = "cancelled"


class MeetingRequest(TenantMixin, db.Model):
    """A meeting the secretary is arranging: the times offered to the participants, until
    one of them picks one (the meeting is then an event of the client's calendar)."""

    __tablename__ = "meeting_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    minutes: Mapped[int] = mapped_column(Integer)
    location: Mapped[str | None] = mapped_column(String(300))
    video_url: Mapped[str | None] = mapped_column(String(500))
    # The starts offered, in UTC (ISO 8601), soonest first.
    offered: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default=RequestStatus.open.value)
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("calendar_events.id", ondelete="SET NULL")
    )
    # The desk item the arranging belongs to: it waits while the participants choose
    # and is done once one picks.
    item_id: Mapped[int | None] = mapped_column(
        ForeignKey("work_items.id", ondelete="SET NULL"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    client = relationship("Client")
    event = relationship("CalendarEvent")
    item = relationship("WorkItem")
    invitees = relationship("MeetingInvitee", order_by="MeetingInvitee.id")


class MeetingInvitee(TenantMixin, db.Model):
    """One participant of a meeting being arranged, with their answer."""

    __tablename__ = "meeting_invitees"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("meeting_requests.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200), default="")
    # Their time zone when known (given, or from their phone number's country).
    timezone: Mapped[str | None] = mapped_column(String(64))
    # "invited", "picked" (the time they chose) or "none_fit"; once the meeting is
    # arranged by another's pick, "accepted" or "declined".
    answer: Mapped[str] = mapped_column(String(16), default="invited")
    picked_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


labels.define(
    "meeting_request_status",
    {
        RequestStatus.open: _l("waiting for a pick"),
        RequestStatus.confirmed: _l("arranged"),
        RequestStatus.cancelled: _l("cancelled"),
    },
)
labels.define(
    "invitee_answer",
    {
        "invited": _l("invited"),
        "picked": _l("picked a time"),
        "none_fit": _l("no time fits"),
        "accepted": _l("will come"),
        "declined": _l("cannot come"),
    },
)


class CalendarConnection(TenantMixin, db.Model):
    """The client's own calendar server (CalDAV), kept in step both ways by a job: the
    calendar's address, the login (the password encrypted at rest), the server's sync
    token, and whether the last sync worked (else why, and when to try again)."""

    __tablename__ = "calendar_connections"
    __table_args__ = (UniqueConstraint("agency_id", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(String(1000))
    username: Mapped[str] = mapped_column(String(200))
    password: Mapped[str] = mapped_column(EncryptedText, info={"export": False})
    sync_token: Mapped[str | None] = mapped_column(Text)
    # "new" (not synced yet), "ok" or "broken".
    status: Mapped[str] = mapped_column(String(16), default="new")
    last_error: Mapped[str | None] = mapped_column(String(500))
    last_synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    next_sync_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    client = relationship("Client")


labels.define(
    "connection_status",
    {"new": _l("not read yet"), "ok": _l("in step"), "broken": _l("not working")},
)


class BookingPage(TenantMixin, db.Model):
    """The client's public booking page: their contacts book a meeting of one of its
    types inside the client's meeting rules. Its address names it without being a
    secret; while the client is away the page says so and offers times after."""

    __tablename__ = "booking_pages"
    __table_args__ = (UniqueConstraint("agency_id", "client_id"), UniqueConstraint("address"))

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    # "<agency id>-<random>": the agency to look in, and the page.
    address: Mapped[str] = mapped_column(String(40))
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # [{"name": "Intro call", "minutes": 30, "location": "…"}]
    types: Mapped[list] = mapped_column(JSON, default=list)
    away_from: Mapped[date | None] = mapped_column(Date)
    away_to: Mapped[date | None] = mapped_column(Date)
    away_message: Mapped[str | None] = mapped_column(String(500))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    client = relationship("Client")
