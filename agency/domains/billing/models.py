"""Billing records: the agency's Stripe account, ledger edits, expenses, invoices, events."""

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from agency.domains.billing.rollover import Carry
from agency.kernel import clock, labels
from agency.kernel.columns import EncryptedText, UTCDateTime
from agency.kernel.database import db
from tenants import TenantMixin


class BillingAccount(TenantMixin, db.Model):
    """An agency's billing settings: its own Stripe keys (encrypted) and its tax rate."""

    __tablename__ = "billing_accounts"
    __table_args__ = (UniqueConstraint("agency_id", name="uq_billing_accounts_agency"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    stripe_secret_key: Mapped[str | None] = mapped_column(EncryptedText, info={"export": False})
    stripe_webhook_secret: Mapped[str | None] = mapped_column(EncryptedText, info={"export": False})
    stripe_publishable_key: Mapped[str | None] = mapped_column(String(255))
    # Tax in basis points of the subtotal: 2300 is 23.00 %.
    tax_basis_points: Mapped[int] = mapped_column(Integer, default=0)
    # The terms new clients accept at signup, shown at /a/<agency>/terms; each change of
    # the text is a new version, and a contract keeps the version its client accepted.
    terms_text: Mapped[str | None] = mapped_column(Text)
    terms_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    terms_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Days a client has to pay an issued invoice.
    payment_terms_days: Mapped[int] = mapped_column(Integer, default=14, server_default="14")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    @property
    def stripe_enabled(self) -> bool:
        return bool(self.stripe_secret_key)


class TimeEntryEdit(TenantMixin, db.Model):
    """One change to the hours ledger: who, when, the entry before and after, and why."""

    __tablename__ = "time_entry_edits"

    id: Mapped[int] = mapped_column(primary_key=True)
    time_entry_id: Mapped[int] = mapped_column(
        ForeignKey("time_entries.id", ondelete="CASCADE"), index=True
    )
    edited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    edited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict] = mapped_column(JSON, default=dict)
    reason: Mapped[str] = mapped_column(String(500))


class Expense(TenantMixin, db.Model):
    """A billable cost laid out for a client (postage, fees), in minor units."""

    __tablename__ = "expenses"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    description: Mapped[str] = mapped_column(String(200))
    amount_minor: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    incurred_on: Mapped[date] = mapped_column(Date)
    # The day it was incurred, if that was in a period already invoiced (``incurred_on``
    # is then the first open day after it).
    original_incurred_on: Mapped[date | None] = mapped_column(Date)
    billable: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class InvoiceStatus(enum.StrEnum):
    draft = "draft"  # the period is closed (billed lock); the manager reviews it
    open = "open"  # issued: in Stripe, awaiting payment
    paid = "paid"
    uncollectible = "uncollectible"
    void = "void"


labels.define(
    "invoice_status",
    {
        InvoiceStatus.draft: _l("draft, to review"),
        InvoiceStatus.open: _l("issued, awaiting payment"),
        InvoiceStatus.paid: _l("paid"),
        InvoiceStatus.uncollectible: _l("uncollectible"),
        InvoiceStatus.void: _l("void"),
    },
)


# How far along an invoice is: a webhook never moves it to a lower rank.
STATUS_RANK = {
    InvoiceStatus.draft: 0,
    InvoiceStatus.open: 1,
    InvoiceStatus.uncollectible: 2,
    InvoiceStatus.paid: 3,
    InvoiceStatus.void: 3,
}


class Invoice(TenantMixin, db.Model):
    """A client's bill for one billing period, in the contract's currency and minor units.

    One standing invoice per client and period: a voided one no longer counts, so its
    period can be invoiced again. It exists only under its client, whose key removes it
    with the agency; it keeps an index on the agency, as the console lists them all."""

    __tablename__ = "invoices"
    agency_from_parent = True
    __table_args__ = (
        Index("ix_invoices_agency_id", "agency_id"),
        Index(
            "uq_invoices_period",
            "agency_id",
            "client_id",
            "period_start",
            unique=True,
            postgresql_where=text("status <> 'void'"),
            sqlite_where=text("status <> 'void'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contracts.id", ondelete="SET NULL"))
    number: Mapped[str] = mapped_column(String(40))
    # The period's local days, start inclusive, end exclusive, and the same bounds in UTC.
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    currency: Mapped[str] = mapped_column(String(3))
    included_minutes: Mapped[int] = mapped_column(Integer)
    used_minutes: Mapped[int] = mapped_column(Integer)
    overage_minutes: Mapped[int] = mapped_column(Integer)
    # Minutes carried over from earlier periods that this period used, and the carry it
    # hands on ([{"earned_in", "minutes", "expires_on"}]): fixed once invoiced.
    rollover_minutes: Mapped[int] = mapped_column(Integer, default=0)
    carry_out: Mapped[list] = mapped_column(JSON, default=list)
    subtotal_minor: Mapped[int] = mapped_column(Integer)
    tax_basis_points: Mapped[int] = mapped_column(Integer)
    tax_minor: Mapped[int] = mapped_column(Integer)
    total_minor: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=InvoiceStatus.draft.value)
    # Stripe's last attempt to collect failed (the invoice stays open; Stripe retries).
    payment_failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    stripe_invoice_id: Mapped[str | None] = mapped_column(String(100))
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The day it must be paid by: its issue day and the agency's payment terms.
    due_on: Mapped[date | None] = mapped_column(Date)
    # Why its last push to Stripe failed, in words; cleared when one succeeds.
    stripe_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    client = relationship("Client")
    lines = relationship(
        "InvoiceLine", order_by="InvoiceLine.position", cascade="all, delete-orphan"
    )

    @property
    def carries(self) -> list[Carry]:
        """The carry it hands on, its days read back as dates (JSON keeps them as ISO)."""
        return [Carry.from_json(carried) for carried in self.carry_out or []]


class InvoiceAction(enum.StrEnum):
    issued = "issued"
    discarded = "discarded"  # a draft thrown away: its period is open again
    voided = "voided"  # an issued invoice cancelled: its period can be invoiced again
    paid_before_void = "paid_before_void"  # Stripe had it paid: the void did not happen


class InvoiceEvent(TenantMixin, db.Model):
    """What was done to a client's invoice of a period, by whom and why; kept after a
    discarded draft is gone. ``held_until``: the scheduled run leaves the reopened period
    to the manager until then."""

    __tablename__ = "invoice_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    invoice_id: Mapped[int | None] = mapped_column(
        ForeignKey("invoices.id", ondelete="SET NULL"), index=True
    )
    number: Mapped[str] = mapped_column(String(40))
    period_start: Mapped[date] = mapped_column(Date)
    action: Mapped[str] = mapped_column(String(24))
    reason: Mapped[str | None] = mapped_column(String(500))
    total_minor: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    held_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    actor = relationship("User")


class LineKind(enum.StrEnum):
    included = "included"
    overage = "overage"
    expense = "expense"
    tax = "tax"


class InvoiceLine(TenantMixin, db.Model):
    """One line of an invoice; hours lines are quantities of minutes at an hourly rate."""

    __tablename__ = "invoice_lines"
    agency_from_parent = True

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(
        ForeignKey("invoices.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(String(300))
    minutes: Mapped[int | None] = mapped_column(Integer)
    rate_minor: Mapped[int | None] = mapped_column(Integer)
    amount_minor: Mapped[int] = mapped_column(Integer)
    expense_id: Mapped[int | None] = mapped_column(ForeignKey("expenses.id", ondelete="SET NULL"))
    stripe_item_id: Mapped[str | None] = mapped_column(String(100))


class StripeCustomer(TenantMixin, db.Model):
    """The client's customer in the agency's Stripe account."""

    __tablename__ = "stripe_customers"
    __table_args__ = (
        UniqueConstraint("agency_id", "client_id", name="uq_stripe_customers_client"),
        UniqueConstraint("agency_id", "setup_intent_id", name="uq_stripe_customers_setup"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    stripe_customer_id: Mapped[str] = mapped_column(String(100))
    # The SetupIntent the card was saved with at signup: one signup per saved card.
    setup_intent_id: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class StripeEvent(TenantMixin, db.Model):
    """A webhook event from the agency's Stripe account, kept so it is processed once."""

    __tablename__ = "stripe_events"
    __table_args__ = (UniqueConstraint("agency_id", "event_id", name="uq_stripe_events_event"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(100))
    type: Mapped[str] = mapped_column(String(100))
    outcome: Mapped[str] = mapped_column(String(100))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class HoursAlert(TenantMixin, db.Model):
    """An 80 % or 100 % of included hours email, sent once per client and period."""

    __tablename__ = "hours_alerts"
    __table_args__ = (
        UniqueConstraint(
            "agency_id", "client_id", "period_start", "threshold", name="uq_hours_alerts_once"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    period_start: Mapped[date] = mapped_column(Date)
    threshold: Mapped[int] = mapped_column(Integer)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class SeatSubscription(TenantMixin, db.Model):
    """The agency's own subscription to the platform: one seat per active secretary."""

    __tablename__ = "seat_subscriptions"
    __table_args__ = (UniqueConstraint("agency_id", name="uq_seat_subscriptions_agency"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    stripe_customer_id: Mapped[str] = mapped_column(String(100))
    stripe_subscription_id: Mapped[str] = mapped_column(String(100))
    stripe_item_id: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(24), default="trialing")
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    trial_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The Stripe creation time of the last event applied: older events change nothing.
    last_event_created: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class OverageApproval(TenantMixin, db.Model):
    """The client's approval of extra hours in one period, up to a cap (None: no cap).

    Rows are only added: the latest of a period applies, the earlier ones are its history.
    """

    __tablename__ = "overage_approvals"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    cap_minutes: Mapped[int | None] = mapped_column(Integer)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    approved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    approved_by = relationship("User")


labels.define(
    "invoice_action",
    {
        InvoiceAction.issued: _l("issued"),
        InvoiceAction.discarded: _l("draft discarded"),
        InvoiceAction.voided: _l("voided"),
        InvoiceAction.paid_before_void: _l("paid before the void"),
    },
)
labels.define(
    "entry_source",
    {
        "timer": _l("timer"),
        "manual": _l("by hand"),
        "call": _l("call"),
    },
)
