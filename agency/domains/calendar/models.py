from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from agency.kernel import clock
from agency.kernel.columns import EncryptedText, UTCDateTime
from agency.kernel.database import db
from tenants import TenantMixin


class CalendarFeed(TenantMixin, db.Model):
    """A client's subscribable calendar: the secret in its address, kept twice: hashed to
    find the feed, encrypted to show the address again in the portal."""

    __tablename__ = "calendar_feeds"
    __table_args__ = (
        UniqueConstraint("agency_id", "client_id"),
        UniqueConstraint("token_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), info={"export": False})
    token: Mapped[str] = mapped_column(EncryptedText, info={"export": False})
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # The first fetch by a calendar app since the address was made: the client subscribed.
    first_fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    client = relationship("Client")
