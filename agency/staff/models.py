import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from agency import clock
from agency.columns import UTCDateTime
from agency.extensions import db
from tenants import TenantMixin


class ShiftStatus(enum.StrEnum):
    on_shift = "on_shift"
    on_break = "on_break"
    off = "off"


class Secretary(TenantMixin, db.Model):
    """A secretary's profile: languages, skills and capacity the agency matches on."""

    __tablename__ = "secretaries"
    __table_args__ = (UniqueConstraint("agency_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # [{"code": "pt", "level": "C2"}, ...]: ISO 639-1 code and CEFR level or "native".
    languages: Mapped[list] = mapped_column(JSON, default=list)
    # {"typing_wpm": 70, "customer_service": 4, ...}
    skills: Mapped[dict] = mapped_column(JSON, default=dict)
    specialities: Mapped[list] = mapped_column(JSON, default=list)
    capacity_clients: Mapped[int] = mapped_column(Integer, default=5)
    capacity_items: Mapped[int] = mapped_column(Integer, default=10)
    shift_status: Mapped[str] = mapped_column(String(16), default=ShiftStatus.off.value)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    user = relationship("User")

    @property
    def language_codes(self) -> list[str]:
        return [entry["code"] for entry in self.languages]
