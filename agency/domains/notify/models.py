import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Enum, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from agency.kernel import clock, labels
from agency.kernel.columns import UTCDateTime
from agency.kernel.database import db
from tenants import TenantMixin


class EmailStatus(enum.StrEnum):
    queued = "queued"
    # Handed to the SMTP server by a worker that has not recorded the outcome yet.
    sending = "sending"
    sent = "sent"
    failed = "failed"


class OutboundEmail(TenantMixin, db.Model):
    """One email the product sends; its status makes delivery idempotent."""

    __tablename__ = "outbound_emails"

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text, info={"export": False})
    purpose: Mapped[str] = mapped_column(String(40))
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    # Threading and sender headers of mail sent in a client's name: From-Name,
    # Reply-To, In-Reply-To, References.
    headers: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")
    status: Mapped[EmailStatus] = mapped_column(
        Enum(EmailStatus, native_enum=False, length=16), default=EmailStatus.queued
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # The attempt that marked it "sending": only that attempt records the outcome.
    claim_token: Mapped[str | None] = mapped_column(String(32))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


labels.define(
    "email_status",
    {
        EmailStatus.queued: _l("waiting to be sent"),
        EmailStatus.sending: _l("sending"),
        EmailStatus.sent: _l("sent"),
        EmailStatus.failed: _l("failed"),
    },
)
