"""Secrets at rest moved onto a new key without downtime: with the new key put first in
ENCRYPTION_KEYS and the old one after it, everything still reads; `flask secrets rotate`
re-encrypts every encrypted column (the vault, the passport, the agency's own secrets)
with the new key, after which the old key can go."""

import base64
import hashlib

from cryptography.fernet import Fernet
from sqlalchemy import text

from agency.domains.vault.models import VaultEntry
from agency.kernel.database import db
from tenants import use_agency
from tests.billing_seed import api_as
from tests.conftest import rows


def derived_key(secret_key: str) -> str:
    """The key a ring without ENCRYPTION_KEYS uses, derived from SECRET_KEY."""
    digest = hashlib.sha256(b"secretariat-at-rest:" + secret_key.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


def stored_token(agency_id: int) -> bytes:
    with use_agency(agency_id):
        token = db.session.execute(text("SELECT secret FROM vault_entries")).scalar_one()
    db.session.remove()
    return token.encode()


def test_rotation_moves_every_secret_onto_the_newest_key(app, client, agency):
    api_as(client, agency.manager)(
        "POST", f"/api/v1/clients/{agency.client.id}/vault",
        {"label": "Site", "secret": "s3cret-value"},
    )  # fmt: skip
    old = derived_key(app.config["SECRET_KEY"])
    new = Fernet.generate_key().decode()
    assert Fernet(old).decrypt(stored_token(agency.agency.id)) == b"s3cret-value"
    kept = app.config["ENCRYPTION_KEYS"]
    try:
        app.config["ENCRYPTION_KEYS"] = f"{new},{old}"
        assert [e.secret for e in rows(VaultEntry, agency.agency.id)] == ["s3cret-value"]
        result = app.test_cli_runner().invoke(args=["secrets", "rotate"])
        assert result.exit_code == 0, result.output
        assert "secrets now on the newest key" in result.output
        assert Fernet(new).decrypt(stored_token(agency.agency.id)) == b"s3cret-value"
        app.config["ENCRYPTION_KEYS"] = new  # the old key gone, everything still reads
        assert [e.secret for e in rows(VaultEntry, agency.agency.id)] == ["s3cret-value"]
        again = app.test_cli_runner().invoke(args=["secrets", "rotate"])
        assert again.exit_code == 0 and again.output.startswith("0 secrets")
    finally:
        app.config["ENCRYPTION_KEYS"] = kept
