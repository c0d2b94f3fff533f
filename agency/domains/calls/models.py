import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from agency.kernel import clock, labels
from agency.kernel.columns import EncryptedText, UTCDateTime
from agency.kernel.database import db
from tenants import TenantMixin


class VoiceSettings(TenantMixin, db.Model):
    """The agency's telephony account: the auth token signs every webhook it receives."""

    __tablename__ = "voice_settings"
    __table_args__ = (UniqueConstraint("agency_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_sid: Mapped[str | None] = mapped_column(String(64))
    auth_token: Mapped[str | None] = mapped_column(EncryptedText)
    # An API key of the account, which signs the desks' access tokens for answering in
    # the browser; without it, only desks with a phone are rung.
    api_key_sid: Mapped[str | None] = mapped_column(String(64))
    api_key_secret: Mapped[str | None] = mapped_column(EncryptedText)
    # The number text messages are sent from; SMS is off while it is empty.
    sms_from: Mapped[str | None] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class PhoneNumber(TenantMixin, db.Model):
    """An inbound number of the agency's pool; a client's line is forwarded to it."""

    __tablename__ = "phone_numbers"
    # A number rings at one agency only: the webhook finds the agency by it.
    __table_args__ = (UniqueConstraint("number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32))
    client_id: Mapped[int | None] = mapped_column(
        ForeignKey("clients.id", ondelete="SET NULL"), unique=True
    )
    label: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    client = relationship("Client")


class TransferMode(enum.StrEnum):
    warm = "warm"
    cold = "cold"


class RingMode(enum.StrEnum):
    sequential = "sequential"
    simultaneous = "simultaneous"


class Channel(enum.StrEnum):
    email = "email"
    sms = "sms"
    portal = "portal"


class CallRules(TenantMixin, db.Model):
    """How a client's calls are answered and how messages reach them."""

    __tablename__ = "call_rules"
    __table_args__ = (UniqueConstraint("agency_id", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    # Numbers in E.164, or patterns with * for any digits ("+4420*").
    vip_numbers: Mapped[list] = mapped_column(JSON, default=list)
    forward_numbers: Mapped[list] = mapped_column(JSON, default=list)
    block_numbers: Mapped[list] = mapped_column(JSON, default=list)
    # Where put-throughs ring; the client's own phone when empty.
    client_phone: Mapped[str | None] = mapped_column(String(32))
    transfer_mode: Mapped[str] = mapped_column(String(8), default=TransferMode.warm.value)
    ring_mode: Mapped[str] = mapped_column(String(16), default=RingMode.sequential.value)
    ring_seconds: Mapped[int] = mapped_column(Integer, default=20)
    urgent_keywords: Mapped[list] = mapped_column(JSON, default=list)
    channels: Mapped[list] = mapped_column(JSON, default=lambda: [Channel.email.value])
    # "HH:MM" in the client's zone: when the digest of non-urgent messages goes out.
    digest_times: Mapped[list] = mapped_column(JSON, default=lambda: ["17:00"])
    last_digest_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # One-off statuses planned ahead: [{"starts_at", "ends_at", "text"}] in UTC ISO form.
    scheduled_statuses: Mapped[list] = mapped_column(JSON, default=list)
    status_templates: Mapped[list] = mapped_column(JSON, default=list)
    # [{"name": "New customer", "questions": ["How did you hear of us?"]}]
    call_types: Mapped[list] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    client = relationship("Client")


class CallStatus(enum.StrEnum):
    ringing = "ringing"
    in_progress = "in-progress"
    completed = "completed"
    busy = "busy"
    no_answer = "no-answer"
    failed = "failed"
    canceled = "canceled"


labels.define(
    "call_status",
    {
        CallStatus.ringing: _l("ringing"),
        CallStatus.in_progress: _l("in progress"),
        CallStatus.completed: _l("completed"),
        CallStatus.busy: _l("busy"),
        CallStatus.no_answer: _l("not answered"),
        CallStatus.failed: _l("failed"),
        CallStatus.canceled: _l("hung up before an answer"),
    },
)


class TransferStatus(enum.StrEnum):
    requested = "requested"  # pressed on the desk; the job has not moved the legs yet
    moving = "moving"  # the legs are going into the call's conference
    ringing = "ringing"  # the client's phone is ringing into the conference
    connected = "connected"  # the client answered
    no_answer = "no_answer"  # the client did not answer: the caller is back with the desks
    failed = "failed"  # the provider refused; the caller stays with the secretary


class Call(TenantMixin, db.Model):
    """One inbound call, its decision and how it ended; the CallSid makes it one row."""

    __tablename__ = "calls"
    __table_args__ = (UniqueConstraint("agency_id", "call_sid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_sid: Mapped[str] = mapped_column(String(64))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    from_number: Mapped[str] = mapped_column(String(32))
    to_number: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(24))
    rule: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=CallStatus.ringing.value)
    # "client" (put through) or "secretary"; only a secretary's answer is billed.
    answered_by: Mapped[str | None] = mapped_column(String(16))
    # The secretary whose phone picked up (told by the whisper), and that leg's CallSid.
    answered_by_secretary_id: Mapped[int | None] = mapped_column(
        ForeignKey("secretaries.id", ondelete="SET NULL")
    )
    secretary_leg_sid: Mapped[str | None] = mapped_column(String(64))
    # "warm" when a secretary answers first and puts the caller through from the desk.
    transfer_mode: Mapped[str | None] = mapped_column(String(8))
    # How that put-through goes (TransferStatus), and the CallSid of the client's leg.
    transfer_status: Mapped[str | None] = mapped_column(String(16))
    client_leg_sid: Mapped[str | None] = mapped_column(String(64))
    answered_seconds: Mapped[int | None] = mapped_column(Integer)
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    time_entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("time_entries.id", ondelete="SET NULL")
    )
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    client = relationship("Client")


class Urgency(enum.StrEnum):
    urgent = "urgent"
    high = "high"
    normal = "normal"
    low = "low"
    spam = "spam"


URGENCY_ORDER = {u.value: rank for rank, u in enumerate(Urgency)}


class Message(TenantMixin, db.Model):
    """A message taken for a client, by a secretary or from a voicemail."""

    __tablename__ = "messages"
    __table_args__ = (UniqueConstraint("agency_id", "source_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id", ondelete="SET NULL"))
    caller_name: Mapped[str | None] = mapped_column(String(200))
    company: Mapped[str | None] = mapped_column(String(200))
    number: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    urgency: Mapped[str] = mapped_column(String(8), default=Urgency.normal.value)
    callback_wanted: Mapped[bool] = mapped_column(Boolean, default=False)
    call_type: Mapped[str | None] = mapped_column(String(100))
    # [{"question": ..., "answer": ...}] from the call type's intake questions.
    answers: Mapped[list] = mapped_column(JSON, default=list)
    source: Mapped[str] = mapped_column(String(16), default="desk")
    recording_url: Mapped[str | None] = mapped_column(String(500))
    # A source key per origin (voicemail recording, API caller) keeps retries to one message.
    source_key: Mapped[str | None] = mapped_column(String(100))
    taken_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    client = relationship("Client")
    call = relationship("Call")


labels.define(
    "call_action",
    {
        "reject": _l("refused"),
        "put_through": _l("put through"),
        "ring_secretaries": _l("rang the secretaries"),
        "voicemail": _l("voicemail"),
    },
)
labels.define(
    "call_rule",
    {
        "blocked": _l("a blocked number"),
        "secretaries": _l("the usual way"),
        "vip": _l("a VIP"),
        "forward_list": _l("a number to put through"),
        "vip_client_unreachable": _l("a VIP, the client unreachable"),
        "forward_list_client_unreachable": _l("a number to put through, the client unreachable"),
        "no_secretary_on_shift": _l("nobody on shift"),
    },
)
labels.define("call_answered_by", {"client": _l("the client"), "secretary": _l("a secretary")})
labels.define(
    "urgency",
    {
        Urgency.urgent: _l("urgent"),
        Urgency.high: _l("high"),
        Urgency.normal: _l("normal"),
        Urgency.low: _l("low"),
        Urgency.spam: _l("spam"),
    },
)
labels.define(
    "transfer_mode",
    {
        TransferMode.warm: _l("warm: a secretary announces the caller"),
        TransferMode.cold: _l("cold: the client's phone rings at once"),
    },
)
labels.define(
    "ring_mode",
    {RingMode.sequential: _l("one after another"), RingMode.simultaneous: _l("all at once")},
)
labels.define(
    "channel",
    {Channel.email: _l("email"), Channel.sms: _l("text message"), Channel.portal: _l("portal")},
)
