"""Numbers, call rules, the snapshot the decision reads, and the calls' records."""

import csv
import io
from datetime import UTC, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import String, cast, literal, select
from sqlalchemy.exc import IntegrityError

from agency.domains.calls import decision as rules_engine
from agency.domains.calls.models import CallRules, Message, PhoneNumber, VoiceSettings
from agency.domains.calls.schemas import (
    CallRulesSchema,
    PhoneNumberSchema,
    SimulationSchema,
    StatusSchema,
    VoiceSettingsSchema,
    number_or_pattern,
)
from agency.domains.calls.snapshot import line_from, planned_statuses
from agency.domains.clients.models import Assignment, Client, Contact
from agency.domains.staff import services as staff
from agency.domains.staff.models import Secretary
from agency.domains.work import services as work
from agency.domains.work.models import Status, WorkItem
from agency.kernel import clock
from agency.kernel.database import db
from agency.kernel.errors import Conflict, ValidationError
from agency.kernel.records import apply, values_for
from tenants import Agency

CLIENT_FIELDS = ("business_hours", "unavailable_windows")
MAX_CSV_BYTES = 512 * 1024


# --- the agency's telephony account -----------------------------------------------------


def voice_settings() -> VoiceSettings | None:
    return db.session.scalar(select(VoiceSettings))


def save_voice_settings(data: dict) -> VoiceSettings:
    """Save the account; an empty auth token or API key secret keeps the one stored."""
    values = values_for(VoiceSettingsSchema(), data)
    settings = voice_settings() or VoiceSettings()
    for secret in ("auth_token", "api_key_secret"):
        if not values.get(secret):
            values.pop(secret, None)
    apply(settings, values)
    settings.updated_at = clock.now()
    db.session.add(settings)
    db.session.commit()
    return settings


# --- the pool of numbers ------------------------------------------------------------------


def numbers() -> list[PhoneNumber]:
    return db.session.scalars(select(PhoneNumber).order_by(PhoneNumber.number)).all()


def _check_client(client_id: int | None) -> None:
    if client_id is None:
        return
    client = db.session.get(Client, client_id)
    if client is None:
        raise ValidationError.on("client_id", _("Choose a client of this agency."))
    if client.archived_at is not None:
        raise ValidationError.on("client_id", _("This client is archived."))


def _save_number(number: PhoneNumber) -> PhoneNumber:
    db.session.add(number)
    try:
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise Conflict(
            _("That number is already in a pool, or the client already has a number."),
            {"number": [_("Already taken.")]},
        ) from exc
    return number


def add_number(data: dict) -> PhoneNumber:
    values = values_for(PhoneNumberSchema(), data)
    _check_client(values["client_id"])
    return _save_number(PhoneNumber(**values))


def update_number(number: PhoneNumber, data: dict) -> PhoneNumber:
    """Give the number to a client (or take it back with ``client_id: null``), relabel it."""
    values = values_for(PhoneNumberSchema(), data, partial=True)
    values.pop("number", None)
    if "client_id" in values:
        _check_client(values["client_id"])
    apply(number, values)
    return _save_number(number)


def remove_number(number: PhoneNumber) -> None:
    db.session.delete(number)
    db.session.commit()


def number_of(client_id: int) -> PhoneNumber | None:
    return db.session.scalar(select(PhoneNumber).where(PhoneNumber.client_id == client_id))


# --- a client's rules ---------------------------------------------------------------------


def rules_for(client: Client) -> CallRules:
    """The client's rules; a client who has none yet gets the defaults (not saved)."""
    rules = db.session.scalar(select(CallRules).where(CallRules.client_id == client.id))
    if rules is None:
        schema_defaults = values_for(CallRulesSchema(), {})
        rules = CallRules(
            client_id=client.id,
            **{k: v for k, v in schema_defaults.items() if k not in CLIENT_FIELDS},
            last_digest_at=clock.now(),
        )
        rules.client = client
    number = number_of(client.id)
    rules.line_number = number.number if number else None
    return rules


def rules_view(client: Client) -> dict:
    """The rules with the client's own hours and windows, as the API and forms show them."""
    rules = rules_for(client)
    out = CallRulesSchema().dump(rules)
    out.update(client_id=client.id, **{name: getattr(client, name) for name in CLIENT_FIELDS})
    text, until = status_now(client, rules=rules)
    out["current_status"] = {"text": text, "until": until}
    return out


def save_rules(client: Client, data: dict, partial: bool = False) -> CallRules:
    """Save the rules, and the client's hours and windows when given; ``partial`` changes
    only what ``data`` holds. All checked before anything is written."""
    values = values_for(CallRulesSchema(), data, partial=partial)
    rules = rules_for(client)
    blocked_before = set(rules.block_numbers or ())
    for name in CLIENT_FIELDS:
        if name in values:
            setattr(client, name, values.pop(name))
    apply(rules, values)
    rules.updated_at = clock.now()
    db.session.add(rules)
    _close_blocked_callbacks(
        client, [p for p in rules.block_numbers or () if p not in blocked_before]
    )
    db.session.commit()
    return rules


def _close_blocked_callbacks(client: Client, blocked: list[str]) -> None:
    """A caller just blocked is not called back: their open callback items are called off."""
    if not blocked:
        return
    open_callbacks = db.session.execute(
        select(WorkItem, Message.number)
        .join(Message, WorkItem.source_key == literal("callback:").concat(cast(Message.id, String)))
        .where(
            WorkItem.client_id == client.id,
            WorkItem.source_key.like("callback:%"),
            WorkItem.status.not_in((Status.done.value, Status.cancelled.value)),
            Message.client_id == client.id,
        )
    ).all()
    for item, number in open_callbacks:
        if number and any(rules_engine.matches(number, pattern) for pattern in blocked):
            work.call_off(item, _("The caller's number was blocked."))


def numbers_from_csv(raw: bytes, field: str) -> list[str]:
    """The numbers (or patterns) in the first column of an uploaded CSV; a header is skipped."""
    if len(raw) > MAX_CSV_BYTES:
        raise ValidationError.on(field, _("The file is too large (512 KB at most)."))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError.on(field, _("Upload a CSV file in UTF-8.")) from exc
    found = []
    for line_no, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        cell = (row[0] if row else "").strip()
        if not cell or (line_no == 1 and not cell.lstrip("+").replace(" ", "")[:1].isdigit()):
            continue
        try:
            found.append(number_or_pattern(cell))
        except Exception as exc:  # marshmallow's error: reported with the line
            raise ValidationError.on(
                field,
                _("Line %(line)d: %(value)s is not a phone number.", line=line_no, value=cell),
            ) from exc
    return found


def set_status(client: Client, data: dict) -> Client:
    """The client's status now ("in a meeting until 15:00"); empty text clears it."""
    values = values_for(StatusSchema(), data)
    text = (values["status_text"] or "").strip() or None
    until = values["status_until"]
    if until is not None and until <= clock.now():
        raise ValidationError.on("status_until", _("Choose a time in the future."))
    if (text, until) != (client.status_text, client.status_until):
        client.status_since = clock.now() if text else None
    client.status_text, client.status_until = text, until if text else None
    db.session.commit()
    return client


# --- the snapshot the decision reads ------------------------------------------------------


def _desks(client_id: int, at: datetime) -> tuple:
    """The client's secretaries, primary first, each with their phone (or none: her
    desk in the browser rings), shift status and working calendar for the days around
    ``at``."""
    rows = db.session.execute(
        select(
            Secretary.id,
            Secretary.name,
            Secretary.phone,
            Assignment.role,
            Secretary.shift_status,
            Secretary.timezone,
            Secretary.schedule,
        )
        .join(Assignment, Assignment.secretary_id == Secretary.id)
        .where(
            Assignment.client_id == client_id,
            Assignment.ended_at.is_(None),
            Secretary.archived_at.is_(None),
        )
        .order_by(Assignment.role.desc(), Secretary.id)
    ).all()
    day = at.astimezone(UTC).date()  # every zone's day is within a day of UTC's
    calendars = staff.calendars(rows, day - timedelta(days=1), day + timedelta(days=1))
    return tuple(
        rules_engine.Desk(r.name, r.phone, r.role, calendars[r.id], r.shift_status, id=r.id)
        for r in rows
    )


def _is_vip(vip: bool, phone: str | None, patterns) -> bool:
    """A contact marked VIP, or whose phone is on the call rules' VIP numbers."""
    return vip or bool(phone) and any(rules_engine.matches(phone, p) for p in patterns or ())


def vip_contacts(client_id: int) -> list[Contact]:
    """The client's one VIP list: the contacts marked VIP and those whose phone is on the
    call rules' VIP numbers; each is a VIP on the phone and by email alike."""
    patterns = db.session.scalar(
        select(CallRules.vip_numbers).where(CallRules.client_id == client_id)
    )
    contacts = db.session.scalars(
        select(Contact)
        .where(
            Contact.client_id == client_id,
            Contact.archived_at.is_(None),
            Contact.vip.is_(True) | Contact.phone.is_not(None),
        )
        .order_by(Contact.name)
    ).all()
    return [c for c in contacts if _is_vip(c.vip, c.phone, patterns)]


def vip_addresses(client_ids: set[int]) -> dict[int, frozenset[str]]:
    """The email addresses (in lower case) of each client's one VIP list."""
    patterns = dict(
        db.session.execute(
            select(CallRules.client_id, CallRules.vip_numbers).where(
                CallRules.client_id.in_(client_ids)
            )
        ).all()
    )
    rows = db.session.execute(
        select(Contact.client_id, Contact.email, Contact.vip, Contact.phone).where(
            Contact.client_id.in_(client_ids),
            Contact.archived_at.is_(None),
            Contact.email.is_not(None),
            Contact.vip.is_(True) | Contact.phone.is_not(None),
        )
    ).all()
    found: dict[int, set[str]] = {client_id: set() for client_id in client_ids}
    for client_id, email, vip, phone in rows:
        if _is_vip(vip, phone, patterns.get(client_id)):
            found[client_id].add(email.lower())
    return {client_id: frozenset(emails) for client_id, emails in found.items()}


def _vip_contacts(client_id: int) -> list[str]:
    return db.session.scalars(
        select(Contact.phone).where(
            Contact.client_id == client_id,
            Contact.vip.is_(True),
            Contact.archived_at.is_(None),
            Contact.phone.is_not(None),
        )
    ).all()


CLIENT_LINE_FIELDS = (
    "id", "name", "timezone", "greeting", "phone", "business_hours", "unavailable_windows",
    "status_text", "status_until",
)  # fmt: skip
RULE_LINE_FIELDS = (
    "vip_numbers", "forward_numbers", "block_numbers", "client_phone", "transfer_mode",
    "ring_mode", "ring_seconds", "scheduled_statuses",
)  # fmt: skip


def line_for(client: Client, at: datetime) -> rules_engine.Line:
    """The decision's snapshot of the client's line for a call at ``at``, read through
    the ORM now (the desks' shift statuses hold for a call about now only)."""

    rules = rules_for(client)
    return line_from(
        {
            **{name: getattr(client, name) for name in CLIENT_LINE_FIELDS},
            "language": spoken_language(client),
        },
        {name: getattr(rules, name) for name in RULE_LINE_FIELDS},
        _vip_contacts(client.id),
        _desks(client.id, at),
        clock.now(),
    )


def spoken_language(client: Client) -> str:
    """The language the client's line speaks: the first of its callers' languages, else
    the agency's."""
    return (client.languages or [None])[0] or db.session.get(Agency, client.agency_id).locale


def client_of_line(number: str) -> Client | None:
    """The live client whose pool number this is, in the current agency."""
    client = db.session.scalar(
        select(Client)
        .join(PhoneNumber, PhoneNumber.client_id == Client.id)
        .where(PhoneNumber.number == number, Client.archived_at.is_(None))
    )
    return client


def simulate(client: Client, data: dict) -> rules_engine.Decision:
    """What would happen if ``caller`` rang at ``at``: the live call's own decision."""
    values = values_for(SimulationSchema(), data)
    return rules_engine.decide(line_for(client, values["at"]), values["caller"], values["at"])


def status_now(
    client: Client, at: datetime | None = None, rules: CallRules | None = None
) -> tuple[str, datetime | None]:
    """The status the desk and the portal show, with when it ends (None: until changed):
    set now, planned for this moment, or the weekly window this moment is in ("Meetings"
    every Tuesday 09:00-12:00). ("", None) when the client is available. A set status
    whose end has passed is over, as it is for a ringing phone."""

    at = at or clock.now()
    if client.status_text and (client.status_until is None or at < client.status_until):
        return client.status_text, client.status_until
    for planned in planned_statuses((rules or rules_for(client)).scheduled_statuses):
        if planned["starts_at"] <= at < planned["ends_at"]:
            return planned["text"], planned["ends_at"]
    window = rules_engine.window_at(client.unavailable_windows or (), client.timezone, at)
    if window is not None:
        label = (window.get("label") or "").strip() or _("Unavailable")
        return label, rules_engine.window_end(window, client.timezone, at)
    return "", None


def current_status(client: Client, at: datetime | None = None) -> str:
    return status_now(client, at)[0]
