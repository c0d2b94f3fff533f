"""Encryption of secrets at rest (TOTP seeds, provider keys) with rotating Fernet keys."""

import base64
import hashlib
from functools import cache

from cryptography.fernet import Fernet, MultiFernet
from flask import current_app


@cache
def _fernet_for(keys: str, secret_key: str) -> MultiFernet:
    if keys:
        return MultiFernet([Fernet(k.strip()) for k in keys.split(",") if k.strip()])
    derived = base64.urlsafe_b64encode(
        hashlib.sha256(b"secretariat-at-rest:" + secret_key.encode()).digest()
    )
    return MultiFernet([Fernet(derived)])


def fernet() -> MultiFernet:
    """The key ring: ENCRYPTION_KEYS when set, else a key derived from SECRET_KEY."""
    config = current_app.config
    return _fernet_for(config["ENCRYPTION_KEYS"], config["SECRET_KEY"])


def newest() -> Fernet:
    """The ring's first key: what rotation moves every secret onto."""
    config = current_app.config
    keys = [k.strip() for k in config["ENCRYPTION_KEYS"].split(",") if k.strip()]
    if keys:
        return Fernet(keys[0])
    derived = base64.urlsafe_b64encode(
        hashlib.sha256(b"secretariat-at-rest:" + config["SECRET_KEY"].encode()).digest()
    )
    return Fernet(derived)
