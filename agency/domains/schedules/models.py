import enum
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from agency.domains.schedules.recurrence import upcoming
from agency.kernel import clock
from agency.kernel.columns import UTCDateTime
from agency.kernel.database import db
from tenants import TenantMixin


class Frequency(enum.StrEnum):
    daily = "daily"
    weekly = "weekly"
    monthly = "monthly"
    rrule = "rrule"


class RecurringRule(TenantMixin, db.Model):
    """Work that comes back on a schedule, e.g. "update the website every Monday at 09:00".

    Occurrences are wall-clock times in ``timezone``; each one becomes one work item.
    """

    __tablename__ = "recurring_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str | None] = mapped_column(Text)
    priority: Mapped[str] = mapped_column(String(8), default="normal")
    frequency: Mapped[str] = mapped_column(String(8))
    # "HH:MM" local time for daily, weekly and monthly rules (and an RRULE's start).
    time_of_day: Mapped[str] = mapped_column(String(5), default="09:00")
    # ["mon", "thu"] for weekly rules.
    weekdays: Mapped[list] = mapped_column(JSON, default=list)
    # 1-31 for monthly rules; a day a month lacks falls on its last day.
    day_of_month: Mapped[int | None] = mapped_column(Integer)
    # An RFC 5545 RRULE (without DTSTART) when frequency is "rrule".
    rrule: Mapped[str | None] = mapped_column(String(500))
    timezone: Mapped[str] = mapped_column(String(64))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Occurrences before this moment are never materialised (set on creation, resume, edit).
    checked_until: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    client = relationship("Client")

    @property
    def next_occurrences(self) -> list[datetime]:
        """The next five occurrences from now, in UTC (none while paused)."""

        if not self.active:
            return []
        return upcoming(self, max(clock.now(), self.checked_until), 5)
