"""A client's websites: the site and the vault login that opens it, its update schedule
and standing checklist, the updates the client asks for (with their files and the proof
they were done), and what the office publishes to it."""

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, Date, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from agency.kernel import clock, labels
from agency.kernel.columns import UTCDateTime
from agency.kernel.database import db
from tenants import TenantMixin


class Platform(enum.StrEnum):
    wordpress = "wordpress"
    shopify = "shopify"
    squarespace = "squarespace"
    wix = "wix"
    other = "other"


class UpdateStatus(enum.StrEnum):
    requested = "requested"
    done = "done"
    cancelled = "cancelled"


class PublicationState(enum.StrEnum):
    draft = "draft"
    awaiting_approval = "awaiting_approval"
    approved = "approved"
    declined = "declined"
    published = "published"
    failed = "failed"


class Website(TenantMixin, db.Model):
    __tablename__ = "websites"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(500))
    platform: Mapped[str] = mapped_column(String(16), default=Platform.other.value)
    # The vault entry that logs into the site (for WordPress: an application password).
    vault_entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("vault_entries.id", ondelete="SET NULL")
    )
    # What every scheduled update goes through ("check the contact form").
    checklist: Mapped[list] = mapped_column(JSON, default=list)
    # What the office publishes waits for the client's approval first.
    approve_before_publishing: Mapped[bool] = mapped_column(Boolean, default=False)
    # The recurring rule that makes the scheduled update items.
    recurring_rule_id: Mapped[int | None] = mapped_column(
        ForeignKey("recurring_rules.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    client = relationship("Client")
    vault_entry = relationship("VaultEntry")
    rule = relationship("RecurringRule")


class SiteUpdate(TenantMixin, db.Model):
    """An update the client asked for, its work item, and the proof it was done."""

    __tablename__ = "site_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    website_id: Mapped[int] = mapped_column(
        ForeignKey("websites.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[int | None] = mapped_column(
        ForeignKey("work_items.id", ondelete="SET NULL"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    wished_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default=UpdateStatus.requested.value)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    proof_url: Mapped[str | None] = mapped_column(String(500))
    proof_note: Mapped[str | None] = mapped_column(Text)

    website = relationship("Website")
    files = relationship("SiteFile", order_by="SiteFile.id", back_populates="update")


class SiteFile(TenantMixin, db.Model):
    """A file of an update: the client's (``request``) or the proof's screenshot."""

    __tablename__ = "site_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    update_id: Mapped[int | None] = mapped_column(
        ForeignKey("site_updates.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(16), default="request")
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column()
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary, info={"export": False}))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    update = relationship("SiteUpdate", back_populates="files")


class Publication(TenantMixin, db.Model):
    """A post or page the office writes for a site and publishes to it."""

    __tablename__ = "site_publications"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    website_id: Mapped[int] = mapped_column(
        ForeignKey("websites.id", ondelete="CASCADE"), index=True
    )
    update_id: Mapped[int | None] = mapped_column(
        ForeignKey("site_updates.id", ondelete="SET NULL")
    )
    item_id: Mapped[int | None] = mapped_column(ForeignKey("work_items.id", ondelete="SET NULL"))
    # "post" or "page"; published as "draft" or "publish" on the site.
    kind: Mapped[str] = mapped_column(String(8), default="post")
    publish_as: Mapped[str] = mapped_column(String(8), default="publish")
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    image_id: Mapped[int | None] = mapped_column(ForeignKey("site_files.id", ondelete="SET NULL"))
    # What made it, when something other than a person did ("campaign-post:<id>"): one
    # post for each, however often that is tried.
    source_key: Mapped[str | None] = mapped_column(String(100), unique=True)
    state: Mapped[str] = mapped_column(String(20), default=PublicationState.draft.value)
    review_note: Mapped[str | None] = mapped_column(Text)
    # Why the site refused it, in words, when it did.
    error: Mapped[str | None] = mapped_column(String(500))
    remote_id: Mapped[int | None] = mapped_column()
    remote_url: Mapped[str | None] = mapped_column(String(500))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    website = relationship("Website")
    image = relationship("SiteFile")


labels.define(
    "site_platform",
    {
        Platform.wordpress: _l("WordPress"),
        Platform.shopify: _l("Shopify"),
        Platform.squarespace: _l("Squarespace"),
        Platform.wix: _l("Wix"),
        Platform.other: _l("another platform"),
    },
)
labels.define(
    "site_update_status",
    {
        UpdateStatus.requested: _l("asked for"),
        UpdateStatus.done: _l("done"),
        UpdateStatus.cancelled: _l("cancelled"),
    },
)
labels.define(
    "publication_state",
    {
        PublicationState.draft: _l("not published yet"),
        PublicationState.awaiting_approval: _l("waiting for the client's approval"),
        PublicationState.approved: _l("approved"),
        PublicationState.declined: _l("sent back by the client"),
        PublicationState.published: _l("published"),
        PublicationState.failed: _l("the site refused it"),
    },
)
labels.define("publication_kind", {"post": _l("post"), "page": _l("page")})
labels.define("publish_as", {"publish": _l("published"), "draft": _l("draft")})
labels.define(
    "site_schedule",
    {
        "none": _l("only when asked"),
        "daily": _l("every day"),
        "weekly": _l("every week"),
        "monthly": _l("every month"),
    },
)
