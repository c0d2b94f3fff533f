"""The client's paperwork: supplier invoices to pay (bills), with the instruction
sheet's rules for them (which suppliers and amounts are approved in advance, and how
long before the due date the client is reminded)."""

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column

from agency.kernel import clock, labels
from agency.kernel.columns import UTCDateTime
from agency.kernel.database import db
from tenants import TenantMixin


class BillStatus(enum.StrEnum):
    received = "received"
    approved = "approved"
    scheduled = "scheduled"
    paid = "paid"
    disputed = "disputed"


class Bill(TenantMixin, db.Model):
    """A supplier's invoice the client has to pay: received, approved (by the client, or
    in advance by their rules), scheduled for payment, paid; or disputed."""

    __tablename__ = "bills"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    supplier: Mapped[str] = mapped_column(String(200))
    number: Mapped[str | None] = mapped_column(String(100))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    issued_on: Mapped[date | None] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default=BillStatus.received.value)
    notes: Mapped[str | None] = mapped_column(Text)
    # The invoice itself (a PDF or an image), its type read from its bytes.
    document_name: Mapped[str | None] = mapped_column(String(255))
    document_type: Mapped[str | None] = mapped_column(String(100))
    document: Mapped[bytes | None] = deferred(mapped_column(LargeBinary, info={"export": False}))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # "client" (approved by the client's people) or "rules" (approved in advance).
    approved_by: Mapped[str | None] = mapped_column(String(16))
    scheduled_for: Mapped[date | None] = mapped_column(Date)
    paid_on: Mapped[date | None] = mapped_column(Date)
    dispute_reason: Mapped[str | None] = mapped_column(String(500))
    # The day the client was reminded that it falls due.
    reminded_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class BillRules(TenantMixin, db.Model):
    """The bills part of the instruction sheet."""

    __tablename__ = "bill_rules"
    __table_args__ = (UniqueConstraint("agency_id", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    # [{"supplier": "EDP", "up_to_minor": 20000, "currency": "EUR"}]
    pre_approved: Mapped[list] = mapped_column(JSON, default=list)
    remind_days_before: Mapped[int] = mapped_column(Integer, default=3)


class ReceivableStatus(enum.StrEnum):
    open = "open"
    paid = "paid"
    disputed = "disputed"


class Receivable(TenantMixin, db.Model):
    """An invoice the client issued to a customer of theirs, chased in the client's name
    on the schedule they chose until it is paid or disputed."""

    __tablename__ = "receivables"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    customer_name: Mapped[str] = mapped_column(String(200))
    customer_email: Mapped[str] = mapped_column(String(254))
    number: Mapped[str] = mapped_column(String(100))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    issued_on: Mapped[date | None] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default=ReceivableStatus.open.value)
    # The first chase this many days after the due date, then one every so many days, at
    # most ``chase_limit`` in all; ``template_id`` is the canned response they are written
    # from (a default text without one).
    first_after_days: Mapped[int] = mapped_column(Integer, default=3)
    every_days: Mapped[int] = mapped_column(Integer, default=7)
    chase_limit: Mapped[int] = mapped_column(Integer, default=4)
    template_id: Mapped[int | None] = mapped_column(
        ForeignKey("mail_templates.id", ondelete="SET NULL")
    )
    paid_on: Mapped[date | None] = mapped_column(Date)
    dispute_reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class Chase(TenantMixin, db.Model):
    """One reminder sent for a receivable: the ``number``-th, once (the unique key makes a
    second sending of the same chase impossible, however many jobs try)."""

    __tablename__ = "receivable_chases"
    __table_args__ = (UniqueConstraint("receivable_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    receivable_id: Mapped[int] = mapped_column(
        ForeignKey("receivables.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    due_on: Mapped[date] = mapped_column(Date)
    draft_id: Mapped[int | None] = mapped_column(ForeignKey("mail_drafts.id", ondelete="SET NULL"))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


labels.define(
    "receivable_status",
    {
        ReceivableStatus.open: _l("waiting for payment"),
        ReceivableStatus.paid: _l("paid"),
        ReceivableStatus.disputed: _l("disputed"),
    },
)
labels.define(
    "bill_status",
    {
        BillStatus.received: _l("to approve"),
        BillStatus.approved: _l("approved"),
        BillStatus.scheduled: _l("payment scheduled"),
        BillStatus.paid: _l("paid"),
        BillStatus.disputed: _l("disputed"),
    },
)
labels.define(
    "paperwork_line",
    {
        "bill_paid": _l("bill paid"),
        "bill_due": _l("bill due"),
        "bill_overdue": _l("bill overdue"),
        "invoice_chased": _l("your invoice chased"),
        "invoice_paid": _l("your invoice paid"),
    },
)
