"""The client's vault. Secrets are written (by the office, or by the client, who can
replace one but reads it back only where the agency's policy allows) and kept encrypted
with the key ring; no list, answer, log or email carries one. Reading a secret takes a
reason, is allowed to the client's current primary and backup secretaries and the
managers (and the client's people, by that policy), and is audited (who, when, which,
why, from where, shown or refused) for the client and the managers; a burst of readings
by one person alerts the managers."""

import logging
from datetime import timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from marshmallow import Schema, fields, validate
from sqlalchemy import func, select

from agency.domains.accounts.models import MANAGING_ROLES, Role, User
from agency.domains.calendar.schemas import http_url
from agency.domains.clients.access import may_read_secrets
from agency.domains.clients.models import Client
from agency.domains.notify.language import queue_email_to
from agency.domains.vault.models import VaultEntry, VaultPolicy, VaultReveal
from agency.kernel import clock, validation
from agency.kernel.database import db
from agency.kernel.errors import NotAllowed, NotFound, ValidationError
from agency.kernel.records import values_for

log = logging.getLogger(__name__)

# This many readings by one person within the window alert the managers.
BURST, WINDOW = 5, timedelta(minutes=10)
# How long before an entry expires the client and their primary secretary are told.
EXPIRY_NOTICE = timedelta(days=14)


class EntrySchema(Schema):
    label = fields.String(required=True, validate=validate.Length(min=1, max=200))
    url = validation.Checked(
        http_url, load_default=None, allow_none=True, validate=validate.Length(max=500)
    )
    username = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    secret = fields.String(
        load_default=None, allow_none=True, load_only=True, validate=validate.Length(max=2000)
    )
    notes = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))
    expires_on = fields.Date(load_default=None, allow_none=True)


class PolicySchema(Schema):
    clients_read_back = fields.Boolean(required=True)


def policy() -> VaultPolicy:
    """The agency's vault policy (clients replace their passwords but do not read them
    back, until a manager says they may)."""
    found = db.session.scalar(select(VaultPolicy))
    return found if found is not None else VaultPolicy(clients_read_back=False)


def set_policy(data: dict) -> VaultPolicy:
    values = values_for(PolicySchema(), data)
    found = db.session.scalar(select(VaultPolicy))
    if found is None:
        found = VaultPolicy()
        db.session.add(found)
    found.clients_read_back = values["clients_read_back"]
    db.session.commit()
    return found


def may_read(user: User, client: Client) -> bool:
    """The client's own secretaries and the managers; and the client's people with full
    access when the agency's policy lets clients read back their own passwords."""
    if may_read_secrets(user, client):
        return True
    own = user.role == Role.client and user.client_id == client.id and user.full_client
    return own and policy().clients_read_back


class VaultRevealRequestSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=300))


def _tidy(value):
    return (value.strip() or None) if isinstance(value, str) else value


def create(client: Client, data: dict) -> VaultEntry:
    values = values_for(EntrySchema(), data)
    entry = VaultEntry(client_id=client.id, **{k: _tidy(v) for k, v in values.items()})
    if not entry.label:
        raise ValidationError.on("label", _("Give the entry a name."))
    db.session.add(entry)
    db.session.commit()
    return entry


def update(entry: VaultEntry, data: dict) -> VaultEntry:
    """Change what is given; a ``secret`` given replaces the one kept."""
    values = values_for(EntrySchema(), data, partial=True)
    for name, value in values.items():
        if name == "secret" and value in (None, ""):
            continue  # an empty secret keeps the one kept
        setattr(entry, name, _tidy(value))
    if not entry.label:
        raise ValidationError.on("label", _("Give the entry a name."))
    entry.updated_at = clock.now()
    db.session.commit()
    return entry


def entries_of(client: Client) -> list[VaultEntry]:
    return db.session.scalars(
        select(VaultEntry).where(VaultEntry.client_id == client.id).order_by(VaultEntry.label)
    ).all()


def entry_of(client: Client, entry_id) -> VaultEntry:
    found = db.session.scalar(
        select(VaultEntry).where(VaultEntry.id == entry_id, VaultEntry.client_id == client.id)
    )
    if found is None:
        raise NotFound()
    return found


def view(entry: VaultEntry) -> dict:
    """The entry without its secret: only whether one is kept."""
    return {
        "id": entry.id,
        "client_id": entry.client_id,
        "label": entry.label,
        "url": entry.url,
        "username": entry.username,
        "has_secret": bool(entry.secret),
        "notes": entry.notes,
        "expires_on": entry.expires_on,
        "updated_at": entry.updated_at,
    }


def reveal(client: Client, entry: VaultEntry, data: dict, user: User, address: str | None):
    """The entry's secret, for a reason, audited. Without a reason (422) or for anyone but
    the client's own secretaries and the managers (403) it is refused, and the refusal is
    audited too."""
    try:
        reason = values_for(VaultRevealRequestSchema(), data)["reason"].strip()
        if not reason:
            raise ValidationError.on("reason", _("Say why you need to see it."))
        if not may_read(user, client):
            raise NotAllowed(_("Only the client's own secretaries and the managers may see this."))
    except ValidationError as refusal:
        _audit(client, entry, user, data, address, "refused")
        db.session.commit()
        log.warning(
            "vault reading refused: user %s, entry %s of client %s (%s)",
            user.id, entry.id, client.id, refusal.code,
        )  # fmt: skip
        raise
    _audit(client, entry, user, data, address, "shown")
    db.session.flush()
    _alert_on_burst(client, user)
    db.session.commit()
    return entry.secret


def _audit(client, entry, user, data, address, outcome: str) -> None:
    reason = data.get("reason") if isinstance(data, dict) else None
    db.session.add(
        VaultReveal(
            client_id=client.id, entry_id=entry.id, label=entry.label, user_id=user.id,
            reason=(reason.strip() if isinstance(reason, str) else "")[:300],
            address=(address or "")[:64] or None, outcome=outcome,
        )
    )  # fmt: skip


def record_use(entry: VaultEntry, user: User | None, where: str) -> None:
    """The office's software sent the entry's secret to ``where`` on ``user``'s behalf (a
    post published to the client's site): nobody saw it, and the client's audit says so.
    Written with the caller's transaction."""
    db.session.add(
        VaultReveal(
            client_id=entry.client_id, entry_id=entry.id, label=entry.label,
            user_id=user.id if user is not None else None, reason=where[:300],
            outcome="used",
        )
    )  # fmt: skip


def refused_elsewhere(user: User, client_id, entry_id, address: str | None) -> None:
    """A reading asked for of a client or entry the person does not see (another
    agency's, or not theirs): nothing of it can be written there, so it is logged."""
    log.warning(
        "vault reading refused: user %s asked for entry %s of client %s, not theirs, from %s",
        user.id, entry_id, client_id, address,
    )  # fmt: skip


def _alert_on_burst(client: Client, user: User) -> None:
    """The managers hear of it when one person reads BURST secrets within WINDOW (once,
    as the count reaches it)."""
    recent = db.session.scalar(
        select(func.count(VaultReveal.id)).where(
            VaultReveal.user_id == user.id,
            VaultReveal.outcome == "shown",
            VaultReveal.at >= clock.now() - WINDOW,
        )
    )
    if recent != BURST:
        return
    managers = db.session.scalars(
        select(User).where(User.role.in_([r.value for r in MANAGING_ROLES]), User.active.is_(True))
    ).all()
    for manager in managers:

        def compose() -> tuple[str, str]:
            return (
                _("%(name)s read %(count)s secrets in ten minutes", name=user.name, count=BURST),
                _("%(name)s has read %(count)s secrets of the clients' vaults in the last ten "
                  "minutes, the last of %(client)s. Each reading and its reason is in the "
                  "client's vault audit.", name=user.name, count=BURST, client=client.name),
            )  # fmt: skip

        queue_email_to(manager.email, compose, "vault_burst")


def reveals_of(client: Client) -> list[VaultReveal]:
    return db.session.scalars(
        select(VaultReveal)
        .where(VaultReveal.client_id == client.id)
        .order_by(VaultReveal.at.desc(), VaultReveal.id.desc())
        .limit(200)
    ).all()


def reveal_view(found: VaultReveal) -> dict:
    return {
        "id": found.id,
        "entry_id": found.entry_id,
        "label": found.label,
        "user": found.user.name if found.user else None,
        "reason": found.reason,
        "outcome": found.outcome,
        "address": found.address,
        "at": found.at,
    }


def send_expiry_reminders(now) -> int:
    """Tell the client and their primary secretary, once, of each entry expiring within
    EXPIRY_NOTICE (on the client's clock); how many entries."""
    waiting = db.session.scalars(
        select(VaultEntry).where(
            VaultEntry.expires_on.is_not(None), VaultEntry.reminded_on.is_(None)
        )
    ).all()
    told = 0
    for entry in waiting:
        client = db.session.get(Client, entry.client_id)
        today = now.astimezone(ZoneInfo(client.timezone)).date()
        if entry.expires_on - today > EXPIRY_NOTICE:
            continue
        entry.reminded_on = today

        def compose(entry=entry, client=client) -> tuple[str, str]:
            day = entry.expires_on.isoformat()
            return (
                _("%(label)s expires on %(day)s", label=entry.label, day=day),
                _("The login %(label)s of %(client)s in the vault expires on %(day)s: "
                  "renew it and put the new one in the vault.",
                  label=entry.label, client=client.name, day=day),
            )  # fmt: skip

        secretary = client.primary_secretary
        for address in dict.fromkeys(a for a in (client.email, secretary and secretary.email) if a):
            queue_email_to(address, compose, "vault_expiry")
        told += 1
    db.session.commit()
    return told
