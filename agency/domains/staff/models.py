import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from agency.kernel import clock, labels
from agency.kernel.columns import UTCDateTime
from agency.kernel.database import db
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
    # {"typing_wpm": 70, "customer_service": 4, ...}: words per minute, else a 1-5 level.
    skills: Mapped[dict] = mapped_column(JSON, default=dict)
    # [{"code": "medical", "training": "Medical terminology, 2019"}, ...]
    specialities: Mapped[list] = mapped_column(JSON, default=list)
    # [{"name": "Secretarial school diploma", "kind": "diploma", "year": 2015}, ...]
    training: Mapped[list] = mapped_column(JSON, default=list)
    # {"mon": [["09:00", "13:00"], ["14:00", "18:00"]], ...} in the secretary's own zone.
    schedule: Mapped[dict] = mapped_column(JSON, default=dict)
    capacity_clients: Mapped[int] = mapped_column(Integer, default=5)
    capacity_items: Mapped[int] = mapped_column(Integer, default=10)
    cost_rate_minor: Mapped[int] = mapped_column(Integer, default=0)
    team_lead_id: Mapped[int | None] = mapped_column(
        ForeignKey("secretaries.id", ondelete="SET NULL")
    )
    # The secretary's own word on whether they take work now (routing's first check),
    # and since when.
    shift_status: Mapped[str] = mapped_column(String(16), default=ShiftStatus.off.value)
    shift_status_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    user = relationship("User")
    team_lead = relationship("Secretary", remote_side=[id])
    absences = relationship(
        "Absence", back_populates="secretary", order_by="Absence.starts_on", cascade="all"
    )
    shift_overrides = relationship(
        "ShiftOverride", back_populates="secretary", order_by="ShiftOverride.day", cascade="all"
    )

    @property
    def language_codes(self) -> list[str]:
        return [entry["code"] for entry in self.languages]

    @property
    def speciality_codes(self) -> list[str]:
        return [entry["code"] for entry in self.specialities]


class AbsenceKind(enum.StrEnum):
    leave = "leave"
    sick = "sick"
    training = "training"
    other = "other"


class Absence(TenantMixin, db.Model):
    """A day range a secretary is away (leave, sick days): an exception to the schedule."""

    __tablename__ = "absences"

    id: Mapped[int] = mapped_column(primary_key=True)
    secretary_id: Mapped[int] = mapped_column(
        ForeignKey("secretaries.id", ondelete="CASCADE"), index=True
    )
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16), default=AbsenceKind.leave.value)
    note: Mapped[str | None] = mapped_column(String(300))

    secretary = relationship("Secretary", back_populates="absences")


class ShiftOverride(TenantMixin, db.Model):
    """One day's own hours for a secretary, instead of their weekly ones: an extra shift on
    a Saturday, other hours one day, or (no spans) a day off. It also gives hours on an
    agency holiday; an absence still wins."""

    __tablename__ = "shift_overrides"
    __table_args__ = (UniqueConstraint("agency_id", "secretary_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    secretary_id: Mapped[int] = mapped_column(
        ForeignKey("secretaries.id", ondelete="CASCADE"), index=True
    )
    day: Mapped[date] = mapped_column(Date)
    # [["10:00", "14:00"], ...] in the secretary's own zone; [] for a day off.
    spans: Mapped[list] = mapped_column(JSON, default=list)
    note: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    secretary = relationship("Secretary", back_populates="shift_overrides")


labels.define(
    "skill",
    {
        "typing_wpm": _l("typing speed, words a minute"),
        "customer_service": _l("customer service, 1 to 5"),
        "bookkeeping": _l("bookkeeping, 1 to 5"),
        "event_planning": _l("event planning, 1 to 5"),
        "travel_planning": _l("travel planning, 1 to 5"),
        "website_editing": _l("website editing, 1 to 5"),
    },
)
