"""A client's vault: the logins the secretaries use on the client's behalf (site admin,
CMS application passwords, social accounts, supplier portals), each secret encrypted at
rest; and every reading of one, audited."""

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from agency.kernel import clock
from agency.kernel.columns import EncryptedText, UTCDateTime
from agency.kernel.database import db
from tenants import TenantMixin


class VaultEntry(TenantMixin, db.Model):
    __tablename__ = "vault_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(500))
    username: Mapped[str | None] = mapped_column(String(200))
    secret: Mapped[str | None] = mapped_column(EncryptedText, info={"export": False})
    notes: Mapped[str | None] = mapped_column(Text)
    expires_on: Mapped[date | None] = mapped_column(Date)
    # The day the client and the primary secretary were told it expires soon.
    reminded_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class VaultReveal(TenantMixin, db.Model):
    """Someone read a vault entry's secret, or was refused: who, when, which, why, from
    where."""

    __tablename__ = "vault_reveals"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("vault_entries.id", ondelete="SET NULL"), index=True
    )
    label: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(String(300))
    # "shown"; "refused": the person was not allowed, or gave no reason; "used": the
    # software sent it on the person's behalf (publishing to the site in ``reason``).
    outcome: Mapped[str] = mapped_column(String(8), default="shown", server_default="shown")
    address: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)

    user = relationship("User")


class VaultPolicy(TenantMixin, db.Model):
    """The agency's rule for its clients' vaults: whether a client's people may read back
    the passwords they keep there (with a reason, audited), or only replace them."""

    __tablename__ = "vault_policies"
    __table_args__ = (UniqueConstraint("agency_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clients_read_back: Mapped[bool] = mapped_column(Boolean, default=False)
