"""Column types shared by every domain."""

from datetime import UTC, datetime

from cryptography.fernet import InvalidToken
from sqlalchemy import DateTime, Text
from sqlalchemy.types import TypeDecorator

from agency.kernel.secrets import fernet


class UTCDateTime(TypeDecorator):
    """Stores aware datetimes as UTC and always returns them aware (SQLite forgets zones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class EncryptedText(TypeDecorator):
    """A secret kept encrypted at rest with the application's Fernet keys."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect):
        if value is None:
            return None

        return fernet().encrypt(value.encode()).decode()

    def process_result_value(self, value: str | None, dialect):
        if value is None:
            return None

        try:
            return fernet().decrypt(value.encode()).decode()
        except InvalidToken as exc:
            raise ValueError(
                "a stored secret cannot be decrypted with the configured keys"
            ) from exc
