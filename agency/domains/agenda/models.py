"""The daily agenda part of a client's instruction sheet: whether the client gets the
day's agenda by email, at which hour of their clock, and the last day it went."""

from datetime import date

from sqlalchemy import Boolean, Date, ForeignKey, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from agency.kernel.database import db
from tenants import TenantMixin


class AgendaSettings(TenantMixin, db.Model):
    __tablename__ = "agenda_settings"
    __table_args__ = (UniqueConstraint("agency_id", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    hour: Mapped[int] = mapped_column(Integer, default=7)
    last_sent_on: Mapped[date | None] = mapped_column(Date)
