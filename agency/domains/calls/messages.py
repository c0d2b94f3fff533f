"""Messages taken for a client: from the desk, the API or a voicemail; how they reach them."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from agency.domains.calls import services
from agency.domains.calls.history import recorded
from agency.domains.calls.models import URGENCY_ORDER, Call, CallRules, Channel, Message, Urgency
from agency.domains.calls.provider import can_call_out, rest_client
from agency.domains.calls.schemas import MessageSchema
from agency.domains.clients.models import Client
from agency.domains.notify.language import queue_email_to, speaking_to
from agency.domains.work.creation import create_item
from agency.domains.work.models import Kind, Source
from agency.domains.work.services import follow_priority
from agency.kernel import clock, labels, links
from agency.kernel.database import db
from agency.kernel.errors import ValidationError
from agency.kernel.queue import enqueue_after_commit
from agency.kernel.records import values_for
from tenants import directory

PRIORITY_OF = {"urgent": "urgent", "high": "high", "normal": "normal", "low": "low", "spam": "low"}


def _client(client_id: int) -> Client:
    client = db.session.get(Client, client_id)
    if client is None:
        raise ValidationError.on("client_id", _("Choose a client of this agency."))
    return client


def take_message(data: dict, taken_by_id: int | None = None, source: str = "desk") -> Message:
    """Save a message; a callback wanted becomes a callback item, urgent ones go out now.
    With no urgency chosen, the client's urgent keywords decide."""
    values = values_for(MessageSchema(), data)
    client = _client(values["client_id"])
    values["urgency"] = values["urgency"] or _urgency_by_keywords(values["reason"], client)
    if values["call_id"] is not None:
        call = db.session.get(Call, values["call_id"])
        if call is None or call.client_id != client.id:
            raise ValidationError.on("call_id", _("Choose a call of this client."))
    message = Message(**values, source=source, taken_by_id=taken_by_id, created_at=clock.now())
    db.session.add(message)
    db.session.flush()
    _notify_if_urgent(message)
    if message.callback_wanted:
        _callback_item(message)
    db.session.commit()
    return message


def _callback_item(message: Message) -> None:
    who = message.caller_name or message.number or _("the caller")
    create_item(
        {
            "client_id": message.client_id,
            "kind": Kind.call.value,
            "title": _("Call back %(who)s", who=who)[:300],
            "body": f"{message.number or ''}\n{message.reason}".strip(),
            "priority": PRIORITY_OF[message.urgency],
            "source": Source.voice.value,
            "source_key": f"callback:{message.id}",
            "links": {"message_id": message.id},
        }
    )


def _notify_if_urgent(message: Message) -> None:
    if message.urgency == Urgency.urgent and message.notified_at is None:
        enqueue_after_commit(
            "workers.jobs.notify_message", message.agency_id, message.id, queue="realtime"
        )


def _is_urgent(text: str, keywords: list[str]) -> bool:
    lowered = text.lower()
    return any(k.strip().lower() in lowered for k in keywords if k.strip())


def _urgency_by_keywords(reason: str, client: Client) -> str:
    keywords = services.rules_for(client).urgent_keywords or []
    return Urgency.urgent.value if _is_urgent(reason, keywords) else Urgency.normal.value


def voicemail(
    call_sid: str, caller: str, client_id: int, recording_url: str | None, transcription: str | None
) -> Message:
    """A voicemail (and, when the provider sends it, its transcription) as a message and a
    message item; the Record's action, the recording's callback and the transcription may
    come in any order, and make one message and one item. The item's priority follows the
    message's urgency."""

    key = f"voicemail:{call_sid}"
    client = _client(client_id)
    message = db.session.scalar(select(Message).where(Message.source_key == key))
    if message is None:
        call = recorded(call_sid)
        caller = caller or (call.from_number if call else "")
        message = Message(
            client_id=client.id,
            call_id=call.id if call else None,
            number=caller or None,
            reason=_("Voicemail"),
            source="voicemail",
            source_key=key,
            created_at=clock.now(),
        )
        db.session.add(message)
        try:
            db.session.flush()
        except IntegrityError:
            db.session.rollback()
            message = db.session.scalar(select(Message).where(Message.source_key == key))
    if recording_url:
        message.recording_url = recording_url[:500]
    if transcription and transcription not in message.reason:
        message.reason = transcription[:5000]
        if _is_urgent(transcription, services.rules_for(client).urgent_keywords or []):
            message.urgency = Urgency.urgent.value
    db.session.flush()
    _notify_if_urgent(message)
    caller = caller or message.number
    item, _new = create_item(
        {
            "client_id": client.id,
            "kind": Kind.message.value,
            "title": _("Voicemail from %(caller)s", caller=caller or _("an unknown number")),
            "body": recording_url or "",
            "priority": PRIORITY_OF[message.urgency],
            "source": Source.voice.value,
            "source_key": key,
            "links": {"message_id": message.id, "call_sid": call_sid},
        }
    )
    if recording_url and not item.body:
        item.body = recording_url[:500]
    follow_priority(item, PRIORITY_OF[message.urgency])
    db.session.commit()
    return message


def _body(messages: list[Message], block_links: bool = False) -> str:
    lines = []
    for m in messages:
        who = " · ".join(x for x in (m.caller_name, m.company, m.number) if x) or _("Unknown")
        lines.append(f"[{labels.label('urgency', m.urgency)}] {who}")
        if m.call_type:
            lines.append(f"  {m.call_type}")
        lines.append(f"  {m.reason}")
        lines.extend(f"  {a['question']}: {a['answer']}" for a in m.answers or [])
        if m.callback_wanted:
            lines.append("  " + _("Wants a call back."))
        if m.recording_url:
            lines.append(f"  {m.recording_url}")
        if block_links and m.number:
            lines.append("  " + _("Block this caller: %(link)s", link=block_link(m)))
        lines.append("")
    return "\n".join(lines)


def notify(message_id: int) -> bool:
    """Send an urgent message to the client by their channels, once."""

    message = db.session.get(Message, message_id, with_for_update=True)
    if message is None or message.notified_at is not None:
        db.session.rollback()
        return False
    client = message.client
    channels = services.rules_for(client).channels or []
    if Channel.email in channels and client.email:
        queue_email_to(
            client.email,
            lambda: (
                _("Urgent message: %(who)s", who=message.caller_name or message.number or "?"),
                _body([message]),
            ),
            "urgent_message",
        )
    message.notified_at = clock.now()
    db.session.commit()
    if Channel.sms in channels:
        _send_sms(client, message)
    return True


def _send_sms(client: Client, message: Message) -> None:
    if send_text(client, lambda: _body([message])):
        current_app.logger.info("urgent message %s sent by SMS", message.id)


def send_text(client: Client, compose) -> bool:
    """A text to the client (``compose`` writes it in their language) through the
    provider's REST API, when the agency has set a sending number; whether it went."""
    settings = services.voice_settings()
    to = services.rules_for(client).client_phone or client.phone
    if not (can_call_out(settings) and settings.sms_from and to):
        return False
    with speaking_to(client.email or ""):
        body = compose()[:1500]
    rest_client(settings).messages.create(to=to, from_=settings.sms_from, body=body)
    return True


def _last_slot(rules: CallRules, zone: str, now: datetime) -> datetime | None:
    """The latest digest time at or before ``now`` (today or yesterday, client's zone)."""
    tz = ZoneInfo(zone)
    today = now.astimezone(tz).date()
    slots = [
        datetime.combine(day, time.fromisoformat(t), tz)
        for day in (today - timedelta(days=1), today)
        for t in rules.digest_times or []
    ]
    past = [s for s in slots if s <= now]
    return max(past) if past else None


def _waiting_for_digest(now: datetime) -> tuple:
    """Messages a digest carries: not urgent (those went out at once), not sent, and not
    already handled by the client."""
    return (
        Message.notified_at.is_(None),
        Message.handled_at.is_(None),
        Message.urgency != Urgency.urgent.value,
        Message.created_at <= now,
    )


def send_digest(rules: CallRules, now: datetime) -> int:
    """One email of the client's messages not sent yet, high first; returns how many."""

    client = rules.client
    pending = db.session.scalars(
        select(Message).where(Message.client_id == client.id, *_waiting_for_digest(now))
    ).all()
    pending.sort(key=lambda m: (URGENCY_ORDER[m.urgency], m.created_at))
    rules.last_digest_at = now
    if pending and Channel.email in (rules.channels or []) and client.email:
        queue_email_to(
            client.email,
            lambda: (
                _("Your messages: %(count)d", count=len(pending)),
                _body(pending, block_links=True),
            ),
            "message_digest",
        )
    for message in pending:
        message.notified_at = now
    db.session.commit()
    return len(pending)


def send_due_digests(now: datetime | None = None) -> int:
    """Every client with a message that has waited past one of their digest times (their
    own, or the defaults for a client who never saved rules); returns messages sent."""
    now = now or clock.now()
    waiting = db.session.execute(
        select(Message.client_id, func.min(Message.created_at))
        .where(*_waiting_for_digest(now))
        .group_by(Message.client_id)
        .order_by(Message.client_id)
    ).all()
    sent = 0
    for client_id, oldest in waiting:
        client = db.session.get(Client, client_id)
        if client is None or client.archived_at is not None:
            continue
        rules = services.rules_for(client)
        slot = _last_slot(rules, client.timezone, now)
        if slot is not None and slot > oldest:
            sent += send_digest(rules, now)
    return sent


def messages(client_id: int | None = None, open_only: bool = False, limit: int = 200):
    statement = select(Message).order_by(Message.created_at.desc(), Message.id.desc())
    if client_id is not None:
        statement = statement.where(Message.client_id == client_id)
    if open_only:
        statement = statement.where(Message.handled_at.is_(None))
    return db.session.scalars(statement.limit(limit)).all()


def mark_read(items: list[Message]) -> None:
    now = clock.now()
    changed = False
    for message in items:
        if message.read_at is None:
            message.read_at, changed = now, True
    if changed:
        db.session.commit()


def mark_handled(message: Message) -> Message:
    if message.handled_at is None:
        message.handled_at = clock.now()
        message.read_at = message.read_at or message.handled_at
    db.session.commit()
    return message


def block_caller(message: Message) -> CallRules:
    """Add the message's number to the client's block list (and mark it handled)."""
    if not message.number:
        raise ValidationError.on("number", _("This message has no number to block."))
    rules = services.rules_for(message.client)
    if message.number not in (rules.block_numbers or []):
        rules.block_numbers = [*(rules.block_numbers or []), message.number]
    message.urgency = Urgency.spam.value
    db.session.add(rules)
    return mark_handled(message)


# --- "block this caller" from the digest ----------------------------------------------------

BLOCK_LINK = "block-caller"


def block_link(message: Message) -> str:
    """The digest's one-click link to block a message's caller (after a confirmation)."""
    token = links.sign(BLOCK_LINK, {"a": message.agency_id, "m": message.id})
    return links.external_url("public.block_caller", token=token)


def read_block_link(token: str) -> tuple[int, int]:
    """The agency and the message a block link stands for: the link names both, and nobody
    but this app can make one. The page then works as that agency (``use_agency``)."""
    invalid = _("This link is not valid. Block the caller from your portal instead.")
    try:
        payload = links.unsign(BLOCK_LINK, token, current_app.config["BLOCK_LINK_MAX_AGE_SECONDS"])
    except SignatureExpired as exc:
        raise ValidationError(
            _("This link has expired. Block the caller from your portal instead."), code="expired"
        ) from exc
    except BadSignature as exc:
        raise ValidationError(invalid, code="bad_token") from exc
    agency = directory.agency(payload["a"])
    if agency is None or agency.is_suspended:
        raise ValidationError(invalid, code="bad_token")
    return agency.id, payload["m"]


def message_to_block(message_id: int) -> Message:
    """The current agency's message of a block link, if it still has a caller to block."""
    message = db.session.get(Message, message_id)
    if message is None or not message.number:
        raise ValidationError(
            _("This link is not valid. Block the caller from your portal instead."),
            code="bad_token",
        )
    return message
