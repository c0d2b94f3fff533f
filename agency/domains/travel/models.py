"""A client's trips: who travels, and the journey's segments in order (flights, trains,
hotels, car hire and free-form ones), each kept in UTC with the zone of each end and
shown in the client's calendar as a travel event."""

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from agency.kernel import clock, labels
from agency.kernel.columns import EncryptedText, UTCDateTime
from agency.kernel.database import db
from tenants import TenantMixin


class SegmentKind(enum.StrEnum):
    flight = "flight"
    train = "train"
    hotel = "hotel"
    car = "car"
    other = "other"


class TripStatus(enum.StrEnum):
    planned = "planned"
    cancelled = "cancelled"


class Trip(TenantMixin, db.Model):
    __tablename__ = "trips"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    # Who travels: names (the client, or their contacts).
    travellers: Mapped[list] = mapped_column(JSON, default=list)
    notes: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=TripStatus.planned.value)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    client = relationship("Client")
    segments = relationship(
        "TripSegment", order_by="(TripSegment.starts_at, TripSegment.id)", back_populates="trip"
    )
    documents = relationship("TripDocument", order_by="TripDocument.id", back_populates="trip")


class TripSegment(TenantMixin, db.Model):
    """One leg or stay of a trip. ``origin`` and ``destination`` are airports (their IATA
    codes), stations or places; a hotel has its ``name`` and ``address`` and runs from
    check-in to check-out on the hotel's clock."""

    __tablename__ = "trip_segments"
    __table_args__ = (Index("ix_trip_segments_trip_starts", "trip_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trip_id: Mapped[int] = mapped_column(ForeignKey("trips.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    start_zone: Mapped[str] = mapped_column(String(64))
    end_zone: Mapped[str] = mapped_column(String(64))
    origin: Mapped[str | None] = mapped_column(String(200))
    destination: Mapped[str | None] = mapped_column(String(200))
    # The airline, railway or car hire company, and the flight's or train's number.
    carrier: Mapped[str | None] = mapped_column(String(100))
    number: Mapped[str | None] = mapped_column(String(20))
    seat: Mapped[str | None] = mapped_column(String(20))
    # The booking reference or confirmation number.
    reference: Mapped[str | None] = mapped_column(String(100))
    name: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(300))
    notes: Mapped[str | None] = mapped_column(Text)
    # The reminders sent for it ("checkin", "leave", "hotel"), each once.
    reminded: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
    # The travel event of the client's calendar that shows it.
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("calendar_events.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    trip = relationship("Trip", back_populates="segments")
    event = relationship("CalendarEvent")


class TripDocument(TenantMixin, db.Model):
    """A file of a trip (a booking confirmation, an e-ticket, a boarding pass): a PDF or
    an image, its type read from its bytes."""

    __tablename__ = "trip_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    trip_id: Mapped[int] = mapped_column(ForeignKey("trips.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary, info={"export": False}))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    trip = relationship("Trip", back_populates="documents")


class ProposedSegment(TenantMixin, db.Model):
    """A segment read from a booking confirmation the client forwarded (schema.org
    reservation data in the mail), waiting for the secretary to add it to a trip or set
    it aside. ``segment`` holds it as a segment is given to a trip; ``problem`` says why
    a reservation found in the mail could not be read."""

    __tablename__ = "proposed_segments"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    email_id: Mapped[int] = mapped_column(
        ForeignKey("inbound_emails.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    segment: Mapped[dict] = mapped_column(JSON, default=dict)
    problem: Mapped[str | None] = mapped_column(String(300))
    # "proposed", "added" (to a trip) or "dismissed".
    status: Mapped[str] = mapped_column(String(16), default="proposed")
    segment_id: Mapped[int | None] = mapped_column(
        ForeignKey("trip_segments.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TravelPreferences(TenantMixin, db.Model):
    """The travel part of a client's instruction sheet: how they like to travel, and
    their loyalty numbers and passport, encrypted at rest (JSON inside), read only by
    their assigned secretaries and the managers, each reading audited."""

    __tablename__ = "travel_preferences"
    __table_args__ = (UniqueConstraint("agency_id", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    seat: Mapped[str | None] = mapped_column(String(16))
    cabin: Mapped[str | None] = mapped_column(String(16))
    airlines: Mapped[list] = mapped_column(JSON, default=list)
    hotel_chains: Mapped[list] = mapped_column(JSON, default=list)
    notes: Mapped[str | None] = mapped_column(Text)
    # When to remind the client: online check-in opening (hours before a flight), leaving
    # for the airport (minutes before it), and a hotel's check-in (hours before); 0: never.
    checkin_hours: Mapped[int] = mapped_column(Integer, default=24, server_default="24")
    leave_minutes: Mapped[int] = mapped_column(Integer, default=180, server_default="180")
    hotel_hours: Mapped[int] = mapped_column(Integer, default=3, server_default="3")
    loyalty: Mapped[str | None] = mapped_column(EncryptedText, info={"export": False})
    passport: Mapped[str | None] = mapped_column(EncryptedText, info={"export": False})
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class TravelReveal(TenantMixin, db.Model):
    """Someone read a client's loyalty numbers or passport: who, when, which, why, and
    from which address."""

    __tablename__ = "travel_reveals"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    what: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(300))
    address: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    user = relationship("User")


labels.define(
    "segment_kind",
    {
        SegmentKind.flight: _l("Flight"),
        SegmentKind.train: _l("Train"),
        SegmentKind.hotel: _l("Hotel"),
        SegmentKind.car: _l("Car hire"),
        SegmentKind.other: _l("Other"),
    },
)
labels.define(
    "trip_status",
    {TripStatus.planned: _l("planned"), TripStatus.cancelled: _l("cancelled")},
)
labels.define(
    "proposal_status",
    {
        "proposed": _l("waiting"),
        "added": _l("added to a trip"),
        "dismissed": _l("set aside"),
        "unreadable": _l("could not be read"),
    },
)
labels.define(
    "seat_preference",
    {"window": _l("window"), "aisle": _l("aisle"), "any": _l("no preference")},
)
labels.define(
    "cabin",
    {
        "economy": _l("economy"),
        "premium_economy": _l("premium economy"),
        "business": _l("business"),
        "first": _l("first"),
    },
)
labels.define(
    "travel_secret",
    {"passport": _l("passport details"), "loyalty": _l("loyalty numbers")},
)
