import enum
from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, text, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from agency.kernel import clock, labels
from agency.kernel.columns import UTCDateTime
from agency.kernel.database import db
from tenants import TenantMixin


class ContractStatus(enum.StrEnum):
    draft = "draft"
    active = "active"
    paused = "paused"
    ended = "ended"


class Terms:
    """The billing terms a plan template and a contract share; money in minor units."""

    included_minutes: Mapped[int] = mapped_column(Integer)
    hourly_rate_minor: Mapped[int] = mapped_column(Integer)
    overage_rate_minor: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    rounding_minutes: Mapped[int] = mapped_column(Integer, default=6)
    minimum_minutes: Mapped[int] = mapped_column(Integer, default=0)
    # Outgoing mail waits for the client's approval (nothing to do with hours).
    approval_required: Mapped[bool] = mapped_column(Boolean, default=False)
    # How many following periods may use a period's unused included minutes (0: none).
    rollover_periods: Mapped[int] = mapped_column(Integer, default=0)
    # Once the available hours are used up, more work waits for the client's approval.
    overage_needs_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    # Whether its invoices list the time entries behind the hours.
    itemise_time: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    @property
    def included_hours(self) -> Decimal:
        return Decimal(self.included_minutes) / 60


class Plan(Terms, TenantMixin, db.Model):
    """A plan template ("Starter: 10 h/month") that contracts and the signup page start from."""

    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(String(500))
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class Contract(Terms, TenantMixin, db.Model):
    """A client's terms. At most one contract per client is active at a time."""

    __tablename__ = "contracts"
    __table_args__ = (
        Index(
            "uq_contracts_one_active_per_client",
            "client_id",
            unique=True,
            postgresql_where=text("status = 'active'"),
            sqlite_where=text("status = 'active'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id", ondelete="SET NULL"))
    plan_name: Mapped[str] = mapped_column(String(100))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    billing_day: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(16), default=ContractStatus.draft.value)
    # The agency's terms the client accepted at signup: their version, and when.
    terms_version: Mapped[int | None] = mapped_column(Integer)
    terms_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    client = relationship("Client", back_populates="contracts")
    revisions = relationship("ContractRevision", order_by="ContractRevision.id")


class ContractRevision(TenantMixin, db.Model):
    """One change to a contract: who, when, the fields before and after."""

    __tablename__ = "contract_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(
        ForeignKey("contracts.id", ondelete="CASCADE"), index=True
    )
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    before: Mapped[dict] = mapped_column(JSON, default=dict)
    after: Mapped[dict] = mapped_column(JSON, default=dict)


labels.define(
    "contract_status",
    {
        ContractStatus.draft: _l("draft"),
        ContractStatus.active: _l("active"),
        ContractStatus.paused: _l("paused"),
        ContractStatus.ended: _l("ended"),
    },
)

# The contract's fields as a change history names them.
labels.define(
    "contract_field",
    {
        "included_minutes": _l("Included minutes"),
        "hourly_rate_minor": _l("Hourly rate (cents)"),
        "overage_rate_minor": _l("Overage rate (cents)"),
        "currency": _l("Currency"),
        "rounding_minutes": _l("Rounded up to (minutes)"),
        "minimum_minutes": _l("Minimum per entry (minutes)"),
        "approval_required": _l("Client approves drafts"),
        "rollover_periods": _l("Unused hours roll over for (periods)"),
        "overage_needs_approval": _l("Extra hours need the client's approval"),
        "itemise_time": _l("Invoices list the time entries"),
        "client_id": _l("Client"),
        "plan_id": _l("Plan template"),
        "plan_name": _l("Plan name"),
        "starts_on": _l("Starts on"),
        "ends_on": _l("Ends on"),
        "billing_day": _l("Billing day"),
        "status": _l("Status"),
        "terms_version": _l("Terms version"),
        "terms_accepted_at": _l("Terms accepted"),
    },
)
