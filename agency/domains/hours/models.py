from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from agency.kernel import clock
from agency.kernel.columns import UTCDateTime
from agency.kernel.database import db
from tenants import TenantMixin


class TimeEntry(TenantMixin, db.Model):
    """Time against a client's contract: raw minutes, and billable minutes by its rounding."""

    __tablename__ = "time_entries"
    # An agency's entries by when they start: the hours at a period's edges (``totals``).
    __table_args__ = (Index("ix_time_entries_agency_id_started_at", "agency_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    contract_id: Mapped[int | None] = mapped_column(
        ForeignKey("contracts.id", ondelete="SET NULL"), index=True
    )
    secretary_id: Mapped[int | None] = mapped_column(
        ForeignKey("secretaries.id", ondelete="SET NULL"), index=True
    )
    item_id: Mapped[int | None] = mapped_column(ForeignKey("work_items.id", ondelete="SET NULL"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime] = mapped_column(UTCDateTime)
    raw_minutes: Mapped[int] = mapped_column(Integer)
    billable_minutes: Mapped[int] = mapped_column(Integer)
    billable: Mapped[bool] = mapped_column(Boolean, default=True)
    source: Mapped[str] = mapped_column(String(16), default="timer")
    # Worked while the client's available hours were used up and extra hours not approved
    # (an answered call is never refused, so it is recorded and flagged instead).
    unapproved_overage: Mapped[bool] = mapped_column(Boolean, default=False)
    # When the time was worked, if that was in a period already invoiced: the entry is then
    # booked (started_at, ended_at) on the first moment of the next open period instead.
    original_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    original_ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
