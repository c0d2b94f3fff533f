import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from agency.domains.staff.models import Secretary
from agency.kernel import clock, labels
from agency.kernel.columns import UTCDateTime
from agency.kernel.database import db
from tenants import TenantMixin


class Client(TenantMixin, db.Model):
    """A business or person the agency answers for, and the instructions to do it by."""

    __tablename__ = "clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))
    # Its postal address, as invoices and letters show it (lines as typed).
    address: Mapped[str | None] = mapped_column(Text)
    # Skills a secretary must have to serve it, at least at these levels
    # ({"customer_service": 4}); matching and routing both keep to them.
    required_skills: Mapped[dict] = mapped_column(JSON, default=dict)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # ISO 639-1 codes of the languages the client's callers speak.
    languages: Mapped[list] = mapped_column(JSON, default=list)
    industry: Mapped[str | None] = mapped_column(String(64))
    # Speciality codes a secretary must have to serve this client.
    required_specialities: Mapped[list] = mapped_column(JSON, default=list)
    greeting: Mapped[str | None] = mapped_column(String(500))
    instructions: Mapped[str | None] = mapped_column(Text)
    # What the secretaries say to the press ("never comment on X; refer to Y"), shown
    # when a press contact calls.
    press_instructions: Mapped[str | None] = mapped_column(Text)
    # {"mon": [["09:00", "17:00"]], ...} in the client's zone.
    business_hours: Mapped[dict] = mapped_column(JSON, default=dict)
    # [{"weekday": "tue", "start": "09:00", "end": "12:00", "label": "Meetings"}, ...]
    unavailable_windows: Mapped[list] = mapped_column(JSON, default=list)
    status_text: Mapped[str | None] = mapped_column(String(200))
    status_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the status now was set: where its busy block starts in the calendar feed.
    status_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    contracts = relationship("Contract", back_populates="client", order_by="Contract.id")
    contacts = relationship("Contact", back_populates="client", order_by="Contact.name")

    @property
    def active_contract(self):
        return next((c for c in self.contracts if c.status == "active"), None)

    @property
    def primary_secretary(self):
        return db.session.scalar(
            select(Secretary)
            .join(Assignment, Assignment.secretary_id == Secretary.id)
            .where(
                Assignment.client_id == self.id,
                Assignment.role == AssignmentRole.primary.value,
                Assignment.ended_at.is_(None),
            )
        )


class ContactKind(enum.StrEnum):
    partner = "partner"
    prospect = "prospect"
    customer = "customer"
    supplier = "supplier"
    press = "press"
    family = "family"
    other = "other"


class Contact(TenantMixin, db.Model):
    """Someone in a client's address book."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    company: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), default=ContactKind.other.value)
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(32))
    vip: Mapped[bool] = mapped_column(Boolean, default=False)
    marketing_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    # The client's own words for the contact ("vip-customer", "newsletter-2026") and the
    # language to write to them in: what a campaign's audience is chosen by.
    tags: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
    language: Mapped[str | None] = mapped_column(String(8))
    # A supplier's: what the client orders from them, and the client's account there.
    orders: Mapped[str | None] = mapped_column(Text)
    account_number: Mapped[str | None] = mapped_column(String(100))
    # A journalist's: the outlet and the subjects they cover.
    outlet: Mapped[str | None] = mapped_column(String(200))
    beat: Mapped[str | None] = mapped_column(String(200))
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    client = relationship("Client", back_populates="contacts")


class ContactNote(TenantMixin, db.Model):
    """A note on a contact, for the contact's log ("called back about the order")."""

    __tablename__ = "contact_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class AssignmentRole(enum.StrEnum):
    primary = "primary"
    backup = "backup"


class Assignment(TenantMixin, db.Model):
    """A secretary serving a client, as primary or backup; ended ones are the history."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    secretary_id: Mapped[int] = mapped_column(
        ForeignKey("secretaries.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    client = relationship("Client")
    secretary = relationship("Secretary")


labels.define(
    "contact_kind",
    {
        ContactKind.partner: _l("partner"),
        ContactKind.prospect: _l("prospect"),
        ContactKind.customer: _l("customer"),
        ContactKind.supplier: _l("supplier"),
        ContactKind.press: _l("press"),
        ContactKind.family: _l("family"),
        ContactKind.other: _l("other"),
    },
)
labels.define(
    "assignment_role", {AssignmentRole.primary: _l("primary"), AssignmentRole.backup: _l("backup")}
)
# Industries and specialities are typed as codes; these are the usual ones.
labels.define(
    "speciality",
    {
        "medical": _l("medical"),
        "dental": _l("dental"),
        "legal": _l("legal"),
        "real_estate": _l("real estate"),
        "finance": _l("finance"),
        "accounting": _l("accounting"),
        "insurance": _l("insurance"),
        "hospitality": _l("hospitality"),
        "construction": _l("construction"),
        "technology": _l("technology"),
        "retail": _l("retail"),
        "education": _l("education"),
    },
)
