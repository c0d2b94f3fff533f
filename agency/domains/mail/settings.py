"""The agency's inbound secret and the clients' aliases, made on first use."""

import hmac
import re
import secrets
import unicodedata
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import bindparam, select

from agency.domains.clients.models import Client
from agency.domains.mail.models import ClientMailRules, MailSettings
from agency.domains.mail.schemas import MailSettingsSchema
from agency.kernel.database import db
from agency.kernel.records import values_for
from tenants import require_agency_id
from tenants.models import Agency


def agency_settings() -> MailSettings:
    """The current agency's mail settings, created with a fresh secret the first time."""
    found = db.session.scalar(select(MailSettings))
    if found is None:
        found = MailSettings(inbound_secret=_new_secret(), urgent_keywords=[])
        db.session.add(found)
        db.session.flush()
    return found


def save_settings(data: dict) -> MailSettings:
    """How many emails in clients' names the agency sends per minute (the rest wait), and
    for how many days a message to a finished conversation reopens its item."""

    values = values_for(MailSettingsSchema(), data)
    settings = agency_settings()
    settings.send_per_minute = values["send_per_minute"]
    if "reopen_days" in values:
        settings.reopen_days = values["reopen_days"]
    db.session.commit()
    return settings


def _new_secret() -> str:
    # The agency id leads, so the hook knows whose secret to check it against.
    return f"{require_agency_id()}.{secrets.token_urlsafe(32)}"


def rotate_secret() -> MailSettings:
    settings = agency_settings()
    settings.inbound_secret = _new_secret()
    db.session.commit()
    return settings


def agency_for_key(key: str) -> int | None:
    """The agency id a presented inbound key names; whether it matches is checked after."""
    head, _sep, rest = (key or "").partition(".")
    if not head.isdigit() or not rest or len(head) > 9:
        return None
    return int(head)


# The inbound hook's reads go through the session's connection, not the ORM (a fifth of
# each request's time), so they name the agency themselves instead of the ORM's tenant
# criteria doing it; row-level security fences them as any other read.
_KEY_STATUS = (
    select(Agency.status, MailSettings.inbound_secret)
    .join(MailSettings, MailSettings.agency_id == Agency.id)
    .where(Agency.id == bindparam("agency_id"))
)


def key_status(key: str) -> str | None:
    """The current agency's status if ``key`` is its inbound key, else None: the agency
    and its secret in one read."""
    found = db.session.connection().execute(_KEY_STATUS, {"agency_id": require_agency_id()}).first()
    if found is None or not hmac.compare_digest(found.inbound_secret.encode(), key.encode()):
        return None
    return found.status


def inbound_domain() -> str:
    configured = current_app.config.get("MAIL_INBOUND_DOMAIN")
    return configured or urlsplit(current_app.config["PUBLIC_URL"]).hostname or "localhost"


def rules_for(client: Client) -> ClientMailRules:
    """The client's mail rules, with an alias made from their name the first time."""
    rules = db.session.scalar(select(ClientMailRules).where(ClientMailRules.client_id == client.id))
    if rules is None:
        rules = ClientMailRules(
            client_id=client.id, alias=_alias_for(client), urgent_keywords=[], forward_vip=True
        )
        db.session.add(rules)
        db.session.flush()
    return rules


def _alias_for(client: Client) -> str:
    ascii_name = unicodedata.normalize("NFKD", client.name).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:40] or "client"
    return f"{base}-{client.id}"


def alias_address(rules: ClientMailRules) -> str:
    return f"{rules.alias}@{inbound_domain()}"


def client_for_alias(local_part: str):
    """The client whose alias ``local_part`` is, as a row of ``client_id`` and ``alias``
    (all a message needs), or None."""
    return (
        db.session.connection()
        .execute(_BY_ALIAS, {"alias": local_part.lower(), "agency_id": require_agency_id()})
        .first()
    )


_BY_ALIAS = select(ClientMailRules.client_id, ClientMailRules.alias).where(
    ClientMailRules.alias == bindparam("alias"),
    ClientMailRules.agency_id == bindparam("agency_id"),
)
