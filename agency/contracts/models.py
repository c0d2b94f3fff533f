import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from agency import clock
from agency.columns import UTCDateTime
from agency.extensions import db
from tenants import TenantMixin


class ContractStatus(enum.StrEnum):
    draft = "draft"
    active = "active"
    paused = "paused"
    ended = "ended"


class Contract(TenantMixin, db.Model):
    """A client's terms; money in integer minor units of ``currency``."""

    __tablename__ = "contracts"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    plan_name: Mapped[str] = mapped_column(String(100))
    included_minutes: Mapped[int] = mapped_column(Integer)
    hourly_rate_minor: Mapped[int] = mapped_column(Integer)
    overage_rate_minor: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    rounding_minutes: Mapped[int] = mapped_column(Integer, default=6)
    minimum_minutes: Mapped[int] = mapped_column(Integer, default=0)
    approval_required: Mapped[bool] = mapped_column(Boolean, default=False)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    billing_day: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(16), default=ContractStatus.draft.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    client = relationship("Client", back_populates="contracts")

    @property
    def included_hours(self) -> Decimal:
        return Decimal(self.included_minutes) / 60
