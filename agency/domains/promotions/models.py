"""Promotions: consent to a client's marketing email kept as a record (given or withdrawn,
when, how, the wording shown), the addresses a client may no longer write to, and the
campaigns sent to the consenting contacts, each recipient once."""

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Boolean,
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
from agency.kernel.columns import UTCDateTime
from agency.kernel.database import db
from tenants import TenantMixin


class ConsentMethod(enum.StrEnum):
    signup_form = "signup_form"
    import_ = "import"
    in_person = "in_person"
    unsubscribe = "unsubscribe"
    office = "office"


class Consent(TenantMixin, db.Model):
    """A contact gave or withdrew consent to the client's marketing email; the latest
    record is the one that holds."""

    __tablename__ = "contact_consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    given: Mapped[bool] = mapped_column()
    method: Mapped[str] = mapped_column(String(16))
    # Where it came from: the import's stated source, the form's page, who heard it.
    source: Mapped[str | None] = mapped_column(String(300))
    # The words the person agreed to.
    wording: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class Suppression(TenantMixin, db.Model):
    """An address the client's campaigns never write to again: unsubscribed, bounced
    for good, or a complaint."""

    __tablename__ = "suppressed_addresses"
    __table_args__ = (UniqueConstraint("client_id", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    address: Mapped[str] = mapped_column(String(254))
    reason: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class Segment(TenantMixin, db.Model):
    """A client's saved list: a name for an audience (kinds, tags, languages, last
    contact), whose members are whoever of the consenting contacts fits it when used."""

    __tablename__ = "contact_segments"
    __table_args__ = (UniqueConstraint("client_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    # As a campaign's audience: {"kinds", "tags", "languages", "contacted_within_days",
    # "quiet_for_days"}.
    criteria: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class CampaignStatus(enum.StrEnum):
    draft = "draft"
    awaiting_approval = "awaiting_approval"
    scheduled = "scheduled"
    sending = "sending"
    paused = "paused"
    sent = "sent"
    cancelled = "cancelled"


class Campaign(TenantMixin, db.Model):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    # Plain text with {first_name}, {name} and {client_name}; paragraphs by blank lines.
    body: Mapped[str] = mapped_column(Text)
    # Which consenting contacts: {"kinds": [...], "tags": [...], "languages": [...]}; an
    # empty list does not narrow.
    audience: Mapped[dict] = mapped_column(JSON, default=dict)
    send_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # A picture at the top of the email (an HTML part beside the plain text) and of the
    # website post.
    image_name: Mapped[str | None] = mapped_column(String(255))
    image_type: Mapped[str | None] = mapped_column(String(100))
    image: Mapped[bytes | None] = deferred(mapped_column(LargeBinary, info={"export": False}))
    # The client's website that gets the same promotion as a post, when it goes.
    website_id: Mapped[int | None] = mapped_column(ForeignKey("websites.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20), default=CampaignStatus.draft.value)
    review_note: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    client = relationship("Client")


class RecipientStatus(enum.StrEnum):
    queued = "queued"
    sending = "sending"
    sent = "sent"
    failed = "failed"
    bounced = "bounced"
    unsubscribed = "unsubscribed"


class Recipient(TenantMixin, db.Model):
    """One address of a campaign: written once, whatever happens to the workers."""

    __tablename__ = "campaign_recipients"
    __table_args__ = (
        UniqueConstraint("campaign_id", "address"),
        Index(
            "ix_campaign_recipients_queued",
            "campaign_id",
            "id",
            postgresql_where=text("status = 'queued'"),
            sqlite_where=text("status = 'queued'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    address: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200))
    # The contact's language, for what the product itself writes (the unsubscribe line).
    language: Mapped[str | None] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default=RecipientStatus.queued.value)
    message_id: Mapped[str | None] = mapped_column(String(300), index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(300))


class PromotionSettings(TenantMixin, db.Model):
    """A client's choices for their campaigns: whether the links in them count clicks
    (off until the client turns it on)."""

    __tablename__ = "promotion_settings"
    __table_args__ = (UniqueConstraint("client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    track_clicks: Mapped[bool] = mapped_column(Boolean, default=False)


class Click(TenantMixin, db.Model):
    """A reader followed a link of a campaign (only where the client counts clicks)."""

    __tablename__ = "campaign_clicks"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    recipient_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaign_recipients.id", ondelete="SET NULL")
    )
    url: Mapped[str] = mapped_column(String(1000))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


labels.define(
    "consent_method",
    {
        ConsentMethod.signup_form: _l("signup form"),
        ConsentMethod.import_: _l("import"),
        ConsentMethod.in_person: _l("in person"),
        ConsentMethod.unsubscribe: _l("unsubscribe link"),
        ConsentMethod.office: _l("recorded by the office"),
    },
)
labels.define(
    "campaign_status",
    {
        CampaignStatus.draft: _l("draft"),
        CampaignStatus.awaiting_approval: _l("waiting for the client's approval"),
        CampaignStatus.scheduled: _l("scheduled"),
        CampaignStatus.sending: _l("sending"),
        CampaignStatus.paused: _l("paused"),
        CampaignStatus.sent: _l("sent"),
        CampaignStatus.cancelled: _l("cancelled"),
    },
)
labels.define(
    "recipient_status",
    {
        RecipientStatus.queued: _l("queued"),
        RecipientStatus.sending: _l("sending"),
        RecipientStatus.sent: _l("sent"),
        RecipientStatus.failed: _l("failed"),
        RecipientStatus.bounced: _l("bounced"),
        RecipientStatus.unsubscribed: _l("unsubscribed"),
    },
)
labels.define(
    "suppression_reason",
    {"unsubscribed": _l("unsubscribed"), "bounced": _l("bounced"), "complaint": _l("complaint")},
)
