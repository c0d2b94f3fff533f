from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from agency.kernel import clock
from agency.kernel.columns import UTCDateTime
from agency.kernel.database import db
from tenants import TenantMixin


def _unique_where(name: str, condition: str, *columns: str) -> Index:
    """A unique index over the rows ``condition`` selects: NULLs never compare equal in a
    plain unique constraint, so each NULL/non-NULL case gets its own index."""
    return Index(
        name,
        *columns,
        unique=True,
        postgresql_where=text(condition),
        sqlite_where=text(condition),
    )


class SlaTarget(TenantMixin, db.Model):
    """How soon work of a kind and priority must be started: the agency's own target
    (no contract) or a contract's override; no kind means every kind."""

    __tablename__ = "sla_targets"
    __table_args__ = (
        _unique_where(
            "uq_sla_targets_agency_kind",
            "contract_id IS NULL AND kind IS NOT NULL",
            "agency_id",
            "kind",
            "priority",
        ),
        _unique_where(
            "uq_sla_targets_agency_any_kind",
            "contract_id IS NULL AND kind IS NULL",
            "agency_id",
            "priority",
        ),
        _unique_where(
            "uq_sla_targets_contract_kind",
            "contract_id IS NOT NULL AND kind IS NOT NULL",
            "agency_id",
            "contract_id",
            "kind",
            "priority",
        ),
        _unique_where(
            "uq_sla_targets_contract_any_kind",
            "contract_id IS NOT NULL AND kind IS NULL",
            "agency_id",
            "contract_id",
            "priority",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int | None] = mapped_column(
        ForeignKey("contracts.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str | None] = mapped_column(String(24))
    priority: Mapped[str] = mapped_column(String(8))
    minutes: Mapped[int] = mapped_column(Integer)
    # True: only the client's business hours count; False: wall-clock minutes.
    business_hours_only: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    contract = relationship("Contract")


class Holiday(TenantMixin, db.Model):
    """A day nothing is open: for every client of the agency, or for one client only."""

    __tablename__ = "holidays"
    __table_args__ = (
        _unique_where("uq_holidays_agency_day", "client_id IS NULL", "agency_id", "day"),
        _unique_where(
            "uq_holidays_client_day", "client_id IS NOT NULL", "agency_id", "client_id", "day"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int | None] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), index=True
    )
    day: Mapped[date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    client = relationship("Client")
