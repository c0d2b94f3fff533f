"""The tenant itself: an agency."""

import enum
from datetime import datetime

from sqlalchemy import Boolean, Enum, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from agency.kernel import clock
from agency.kernel.columns import UTCDateTime
from agency.kernel.database import db


class AgencyStatus(enum.StrEnum):
    active = "active"
    suspended = "suspended"


class Agency(db.Model):
    """A secretarial agency: the tenant every other record belongs to."""

    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    locale: Mapped[str] = mapped_column(String(8), default="en")
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    # Its postal address, as its invoices and letters show it (lines as typed).
    address: Mapped[str | None] = mapped_column(Text)
    status: Mapped[AgencyStatus] = mapped_column(
        Enum(AgencyStatus, native_enum=False, length=16), default=AgencyStatus.active
    )
    suspended_reason: Mapped[str | None] = mapped_column(String(500))
    # Suspended because its own subscription is unpaid or cancelled: the subscription
    # becoming active again resumes it. A suspension by the operator waits for them.
    suspended_for_billing: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    @property
    def is_suspended(self) -> bool:
        return self.status == AgencyStatus.suspended

    def __repr__(self) -> str:
        return f"<Agency {self.slug}>"
