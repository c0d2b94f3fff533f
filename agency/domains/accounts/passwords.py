"""argon2id password hashes.

Production hashes with the library's recommended parameters (RFC 9106, low memory). An
app under ``TESTING`` hashes with the cheapest parameters the library offers unless
``ARGON2_PROFILE`` names another of ``argon2.profiles``. A check reads the parameters
from the hash itself, so a password hashed either way verifies either way.
"""

from functools import cache

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context

PRODUCTION_PROFILE = "RFC_9106_LOW_MEMORY"
TESTING_PROFILE = "CHEAPEST"


def profile_name() -> str:
    """The ``argon2.profiles`` name this app hashes with."""
    if not has_app_context():
        return PRODUCTION_PROFILE
    config = current_app.config
    return config.get("ARGON2_PROFILE") or (
        TESTING_PROFILE if config.get("TESTING") else PRODUCTION_PROFILE
    )


@cache
def _hasher(name: str) -> PasswordHasher:
    return PasswordHasher.from_parameters(getattr(profiles, name))


@cache
def _dummy_hash(name: str) -> str:
    """A hash to check against when no user matched, so timing does not reveal logins."""
    return _hasher(name).hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _hasher(profile_name()).hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    name = profile_name()
    try:
        return (
            _hasher(name).verify(password_hash or _dummy_hash(name), password)
            and password_hash is not None
        )
    except (VerificationError, InvalidHashError):
        return False
