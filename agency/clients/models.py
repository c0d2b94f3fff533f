from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from agency import clock
from agency.columns import UTCDateTime
from agency.extensions import db
from tenants import TenantMixin


class Client(TenantMixin, db.Model):
    """A business or person the agency answers for."""

    __tablename__ = "clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    languages: Mapped[list] = mapped_column(JSON, default=list)
    industry: Mapped[str | None] = mapped_column(String(64))
    greeting: Mapped[str | None] = mapped_column(String(500))
    instructions: Mapped[str | None] = mapped_column(Text)
    status_text: Mapped[str | None] = mapped_column(String(200))
    status_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    primary_secretary_id: Mapped[int | None] = mapped_column(
        ForeignKey("secretaries.id", ondelete="SET NULL")
    )
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    primary_secretary = relationship("Secretary")
    contracts = relationship("Contract", back_populates="client", order_by="Contract.id")

    @property
    def active_contract(self):
        return next((c for c in self.contracts if c.status == "active"), None)
