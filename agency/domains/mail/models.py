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
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from agency.kernel import clock, labels
from agency.kernel.columns import EncryptedText, UTCDateTime
from agency.kernel.database import db
from tenants import TenantMixin

DEFAULT_SEND_PER_MINUTE = 30
DEFAULT_REOPEN_DAYS = 14


class MailSettings(TenantMixin, db.Model):
    """The agency's inbound-mail secret and its default urgent keywords."""

    __tablename__ = "mail_settings"
    __table_args__ = (UniqueConstraint("agency_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inbound_secret: Mapped[str] = mapped_column(EncryptedText, info={"export": False})
    urgent_keywords: Mapped[list] = mapped_column(JSON, default=list)
    # At most this many emails in clients' names leave per minute; the rest wait.
    send_per_minute: Mapped[int] = mapped_column(
        Integer, default=DEFAULT_SEND_PER_MINUTE, server_default=str(DEFAULT_SEND_PER_MINUTE)
    )
    # A message to a conversation whose item is done reopens the item for this many days
    # after it was done; later (or with 0) the message starts a new item.
    reopen_days: Mapped[int] = mapped_column(
        Integer, default=DEFAULT_REOPEN_DAYS, server_default=str(DEFAULT_REOPEN_DAYS)
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class ClientMailRules(TenantMixin, db.Model):
    """A client's inbound alias and how their mail is triaged and signed."""

    __tablename__ = "client_mail_rules"
    __table_args__ = (UniqueConstraint("agency_id", "alias"), UniqueConstraint("client_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    alias: Mapped[str] = mapped_column(String(64))
    urgent_keywords: Mapped[list] = mapped_column(JSON, default=list)
    forward_vip: Mapped[bool] = mapped_column(Boolean, default=True)
    signature: Mapped[str | None] = mapped_column(Text)

    client = relationship("Client")


class Triage(enum.StrEnum):
    # Kept, not yet read: the mail job reads it (``agency.domains.mail.settle``).
    pending = "pending"
    ignored = "ignored"
    urgent = "urgent"
    reply = "reply"


class InboundEmail(TenantMixin, db.Model):
    """One message received for a client; the same Message-ID twice is one message."""

    __tablename__ = "inbound_emails"
    __table_args__ = (
        UniqueConstraint("agency_id", "message_id"),
        # What the mail job has still to read, in the order it came.
        Index(
            "ix_inbound_emails_pending",
            "agency_id",
            "id",
            postgresql_where=text("triage = 'pending'"),
            sqlite_where=text("triage = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[str] = mapped_column(String(255))
    # The Message-ID of the first message of the thread.
    thread_key: Mapped[str] = mapped_column(String(255), index=True)
    in_reply_to: Mapped[str | None] = mapped_column(String(255))
    references: Mapped[str | None] = mapped_column(Text)
    from_address: Mapped[str] = mapped_column(String(254))
    from_name: Mapped[str | None] = mapped_column(String(200))
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text, default="", info={"export": False})
    # Sanitised with nh3 before it is stored: nothing unsafe is ever kept.
    body_html: Mapped[str | None] = mapped_column(Text, info={"export": False})
    size_bytes: Mapped[int] = mapped_column(Integer)
    triage: Mapped[str] = mapped_column(String(16))
    triage_reason: Mapped[str] = mapped_column(String(200))
    work_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("work_items.id", ondelete="SET NULL")
    )
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # The message as it came, until the mail job has read it.
    raw: Mapped[bytes | None] = deferred(mapped_column(LargeBinary, info={"export": False}))

    client = relationship("Client")
    attachments = relationship("EmailAttachment", order_by="EmailAttachment.id")


class EmailAttachment(TenantMixin, db.Model):
    __tablename__ = "email_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    email_id: Mapped[int] = mapped_column(
        ForeignKey("inbound_emails.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary, info={"export": False}))


class TemplateKind(enum.StrEnum):
    email = "email"
    letter = "letter"


class MailTemplate(TenantMixin, db.Model):
    """A canned response (email) or letter template, the agency's or one client's."""

    __tablename__ = "mail_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    client_id: Mapped[int | None] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    subject: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class DraftStatus(enum.StrEnum):
    draft = "draft"
    pending_approval = "pending_approval"
    approved = "approved"
    rejected = "rejected"
    sent = "sent"


class Draft(TenantMixin, db.Model):
    """An email written in the client's name: sent at once, or after the client approves."""

    __tablename__ = "mail_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    work_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("work_items.id", ondelete="SET NULL")
    )
    reply_to_email_id: Mapped[int | None] = mapped_column(
        ForeignKey("inbound_emails.id", ondelete="SET NULL")
    )
    dictation_id: Mapped[int | None] = mapped_column(
        ForeignKey("dictations.id", ondelete="SET NULL")
    )
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=DraftStatus.draft.value)
    review_note: Mapped[str | None] = mapped_column(String(1000))
    outbound_email_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbound_emails.id", ondelete="SET NULL")
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    client = relationship("Client")
    reply_to_email = relationship("InboundEmail")
    attachments = relationship(
        "DraftAttachment",
        order_by="DraftAttachment.id",
        cascade="all, delete-orphan",
        back_populates="draft",
    )


class DraftAttachment(TenantMixin, db.Model):
    """A file sent with a draft, kept like an inbound attachment; the email carries it."""

    __tablename__ = "draft_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(
        ForeignKey("mail_drafts.id", ondelete="CASCADE"), index=True
    )
    # Set when the draft is queued: the email that carries this file.
    outbound_email_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbound_emails.id", ondelete="SET NULL"), index=True
    )
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary, info={"export": False}))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    draft = relationship("Draft", back_populates="attachments")


class Dictation(TenantMixin, db.Model):
    """What the client dictated: typed text, or an audio file (a transcription may follow)."""

    __tablename__ = "dictations"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    text: Mapped[str | None] = mapped_column(Text)
    audio_name: Mapped[str | None] = mapped_column(String(255))
    audio_type: Mapped[str | None] = mapped_column(String(50))
    audio_size: Mapped[int | None] = mapped_column(Integer)
    audio: Mapped[bytes | None] = deferred(mapped_column(LargeBinary, info={"export": False}))
    transcription: Mapped[str | None] = mapped_column(Text)
    transcribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    work_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("work_items.id", ondelete="SET NULL")
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    client = relationship("Client")


class LetterStatus(enum.StrEnum):
    pending_approval = "pending_approval"
    approved = "approved"
    rejected = "rejected"
    printed = "printed"
    mailed = "mailed"


class Letter(TenantMixin, db.Model):
    """A letter on the client's letterhead; its PDF is rendered from these fields."""

    __tablename__ = "letters"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    template_id: Mapped[int | None] = mapped_column(
        ForeignKey("mail_templates.id", ondelete="SET NULL")
    )
    work_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("work_items.id", ondelete="SET NULL")
    )
    dictation_id: Mapped[int | None] = mapped_column(
        ForeignKey("dictations.id", ondelete="SET NULL")
    )
    recipient_name: Mapped[str] = mapped_column(String(200))
    recipient_address: Mapped[str] = mapped_column(String(1000))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    letter_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
    review_note: Mapped[str | None] = mapped_column(String(1000))
    printed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expense_id: Mapped[int | None] = mapped_column(ForeignKey("expenses.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    client = relationship("Client")
    expense = relationship("Expense")


class ClientMailbox(TenantMixin, db.Model):
    """A client's own mailbox, read over IMAP; the password is kept encrypted."""

    __tablename__ = "client_mailboxes"
    __table_args__ = (UniqueConstraint("client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    host: Mapped[str] = mapped_column(String(253))
    port: Mapped[int] = mapped_column(Integer)
    use_ssl: Mapped[bool] = mapped_column(Boolean, default=True)
    username: Mapped[str] = mapped_column(String(254))
    password: Mapped[str] = mapped_column(EncryptedText, info={"export": False})
    folder: Mapped[str] = mapped_column(String(200), default="INBOX")
    # The highest UID read in the folder's current UIDVALIDITY.
    uid_validity: Mapped[int | None] = mapped_column(db.BigInteger)
    last_uid: Mapped[int] = mapped_column(db.BigInteger, default=0)
    last_polled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    client = relationship("Client")


class BouncedAddress(TenantMixin, db.Model):
    """An address a delivery report said is permanently undeliverable (a hard bounce)."""

    __tablename__ = "bounced_addresses"
    __table_args__ = (UniqueConstraint("agency_id", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(254))
    status: Mapped[str] = mapped_column(String(16))
    bounced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


labels.define(
    "triage",
    {
        Triage.pending: _l("being read"),
        Triage.ignored: _l("no work (an automatic or bulk message)"),
        Triage.urgent: _l("urgent"),
        Triage.reply: _l("to answer"),
    },
)
labels.define("template_kind", {TemplateKind.email: _l("email"), TemplateKind.letter: _l("letter")})
labels.define(
    "draft_status",
    {
        DraftStatus.draft: _l("draft"),
        DraftStatus.pending_approval: _l("waiting for the client's approval"),
        DraftStatus.approved: _l("approved"),
        DraftStatus.rejected: _l("sent back by the client"),
        DraftStatus.sent: _l("sent"),
    },
)
labels.define(
    "letter_status",
    {
        LetterStatus.pending_approval: _l("waiting for the client's approval"),
        LetterStatus.approved: _l("approved"),
        LetterStatus.rejected: _l("sent back by the client"),
        LetterStatus.printed: _l("printed"),
        LetterStatus.mailed: _l("posted"),
    },
)
