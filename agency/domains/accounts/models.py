import enum
import hashlib
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import Boolean, Enum, ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from agency.kernel import clock, labels
from agency.kernel.columns import EncryptedText, UTCDateTime
from agency.kernel.database import db
from tenants import Agency, TenantMixin


class Role(enum.StrEnum):
    owner = "owner"
    manager = "manager"
    secretary = "secretary"
    client = "client"


class ClientAccess(enum.StrEnum):
    """What a client's person may see in the portal: everything (billing, the contract
    and the instructions included), or the day's work only (messages, calls, mail and
    the calendar)."""

    full = "full"
    limited = "limited"


labels.define(
    "client_access",
    {
        "full": _l("Full: everything, billing included"),
        "limited": _l("Limited: messages, calls, mail and calendar"),
    },
)

MANAGING_ROLES = frozenset({Role.owner, Role.manager})
INVITABLE_ROLES = (Role.manager, Role.secretary, Role.client)


class User(TenantMixin, UserMixin, db.Model):
    """Someone who signs in to an agency: owner, manager, secretary or client."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("agency_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255), info={"export": False})
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=16))
    locale: Mapped[str | None] = mapped_column(String(8))
    client_id: Mapped[int | None] = mapped_column(
        ForeignKey("clients.id", ondelete="SET NULL", use_alter=True)
    )
    totp_secret: Mapped[str | None] = mapped_column(EncryptedText, info={"export": False})
    totp_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # An owner or manager who also works the desk (a freelancer's agency of one): her
    # roles are her role and secretary, with one login.
    works_desk: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # A client's person: full or limited access to the portal (see ``ClientAccess``).
    client_access: Mapped[str] = mapped_column(
        String(8), default=ClientAccess.full.value, server_default=ClientAccess.full.value
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    agency: Mapped[Agency] = relationship(lazy="joined")

    def get_id(self) -> str:
        """The session's id: the agency, the user, and the password it was signed in with
        (a new password ends every other session)."""
        return f"{self.agency_id}:{self.id}:{self.password_stamp}"

    @property
    def password_stamp(self) -> str:
        """Changes with the password; reveals nothing of its hash."""
        return hashlib.sha256(self.password_hash.encode()).hexdigest()[:16]

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_manager(self) -> bool:
        return self.role in MANAGING_ROLES

    @property
    def roles(self) -> frozenset[Role]:
        """Every role the login holds: its own, and secretary when it works the desk."""
        return frozenset({self.role, Role.secretary} if self.works_desk else {self.role})

    @property
    def full_client(self) -> bool:
        """A client's person with full access to the portal."""
        return self.role == Role.client and self.client_access != ClientAccess.limited

    @property
    def at_desk(self) -> bool:
        """Whether the login works a secretary's desk."""
        return Role.secretary in self.roles

    @property
    def home_endpoint(self) -> str:
        return {
            Role.owner: "console.home",
            Role.manager: "console.home",
            Role.secretary: "desk.home",
            Role.client: "portal.home",
        }[self.role]


class Invitation(TenantMixin, db.Model):
    """An emailed, signed, expiring invitation to join an agency in a role."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=16))
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    client_access: Mapped[str] = mapped_column(
        String(8), default=ClientAccess.full.value, server_default=ClientAccess.full.value
    )
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_open(self) -> bool:
        return (
            self.accepted_at is None and self.revoked_at is None and self.expires_at > clock.now()
        )


class ApiToken(TenantMixin, db.Model):
    """A personal API token; only its SHA-256 is kept."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(24))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, info={"export": False})
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class PlatformAdmin(UserMixin, db.Model):
    """An operator of the platform itself, outside any agency."""

    __tablename__ = "platform_admins"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    role = "platform"
    home_endpoint = "platform.home"
    is_manager = False
    agency = None

    def get_id(self) -> str:
        return f"platform:{self.id}"
