"""Inbound mail: parse raw MIME, refuse what cannot be read, keep the rest once per
Message-ID for the reading job (``settle``), which threads and triages it."""

import hashlib
from email.errors import HeaderParseError, MessageDefect
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import EmailPolicy
from email.utils import getaddresses, parseaddr
from functools import lru_cache

import nh3
from flask_babel import gettext as _
from sqlalchemy import bindparam, insert, select
from sqlalchemy.exc import IntegrityError

from agency.domains.mail import settings as mail_settings
from agency.domains.mail.models import EmailAttachment, InboundEmail, Triage
from agency.kernel.database import db
from agency.kernel.errors import BadInput, ValidationError
from agency.kernel.queue import PENDING_SECONDS, enqueue_after_commit
from tenants import require_agency_id

MAX_ATTACHMENTS = 20
# How deep multiparts may nest: real mail nests a few levels; hostile mail thousands.
MAX_DEPTH = 20
# Defects found when a part is decoded: its content cannot be read back.
DECODING_DEFECTS = {
    "InvalidBase64PaddingDefect",
    "InvalidBase64CharactersDefect",
    "InvalidBase64LengthDefect",
}
# Defects that mean the message's structure cannot be trusted.
FATAL_DEFECTS = {
    "NoBoundaryInMultipartDefect",
    "StartBoundaryNotFoundDefect",
    "CloseBoundaryNotFoundDefect",
    "MultipartInvariantViolationDefect",
    "MissingHeaderBodySeparatorDefect",
    "InvalidMultipartContentTransferEncodingDefect",
}
RECIPIENT_HEADERS = ("Delivered-To", "X-Original-To", "To", "Cc")
# Messages kept and not yet read are read by one job at a time per agency, which holds
# this key while it works (``queue.drain_holding``).
PENDING_KEY = "secretariat:inbound:pending:{agency_id}"
READ_JOB = "workers.jobs.read_inbound"


def pending_key(agency_id: int) -> str:
    return PENDING_KEY.format(agency_id=agency_id)


def request_reading(agency_id: int) -> None:
    """After the commit, make sure a job that reads the agency's kept messages waits."""
    enqueue_after_commit(
        READ_JOB, agency_id, queue="mail", unless_pending=(pending_key(agency_id), PENDING_SECONDS)
    )


class _KeptHeaders(EmailPolicy):
    """The standard library's default policy, whose parsed header values are kept: a
    structured header costs a parse each time it is read, and reading one message reads
    its parts' Content-Type a dozen times. Parsed headers are immutable strings, so one
    may serve every message with the same value; long values are parsed each time."""

    def header_fetch_parse(self, name, value):
        if isinstance(value, str) and len(value) <= KEPT_HEADER_LENGTH:
            return _parsed_header(self, name, value)
        return super().header_fetch_parse(name, value)


KEPT_HEADER_LENGTH = 200


@lru_cache(maxsize=2048)
def _parsed_header(policy: EmailPolicy, name: str, value: str):
    return EmailPolicy.header_fetch_parse(policy, name, value)


POLICY = _KeptHeaders()


class TooLarge(ValidationError):
    status_code = 413

    def __init__(self, message: str):
        super().__init__(message, code="too_large")


def parse(raw: bytes) -> EmailMessage:
    """The message, or a clear 400 for bytes that are not an email (or nest too deep)."""
    if not raw or not raw.strip():
        raise BadInput(_("The message is empty."))
    try:
        message = BytesParser(policy=POLICY).parsebytes(raw)
        if _depth(message) > MAX_DEPTH:
            raise BadInput(_("The message's parts nest too deep."))
        defects = _defects(message)
        sender = parseaddr(str(message.get("From", "")))[1]
    except RecursionError as exc:  # the parser itself recurses once per level
        raise BadInput(_("The message's parts nest too deep.")) from exc
    except (HeaderParseError, ValueError, TypeError, IndexError, LookupError) as exc:
        raise BadInput(_("The message is not valid MIME.")) from exc
    if defects & FATAL_DEFECTS:
        raise BadInput(
            _("The message is not valid MIME: %(defects)s.", defects=", ".join(sorted(defects)))
        )
    if "@" not in sender:
        raise BadInput(_("The message has no valid From address."))
    return message


def reparse(raw: bytes) -> EmailMessage:
    """A message ``parse`` has accepted before, parsed again without its checks."""
    return BytesParser(policy=POLICY).parsebytes(raw)


def _depth(message: EmailMessage) -> int:
    """How deep the message's multiparts nest, counted without recursion."""
    deepest, stack = 0, [(message, 0)]
    while stack:
        part, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth <= MAX_DEPTH and part.is_multipart():
            stack.extend((child, depth + 1) for child in part.get_payload())
    return deepest


def _clean(text: str | None, limit: int | None = None) -> str | None:
    """Text as stored: without NUL characters (the database cannot hold them), cut to
    ``limit``."""
    if text is None:
        return None
    text = str(text).replace("\x00", "")
    return text[:limit] if limit is not None else text


def _refuse_undecodable(message: EmailMessage) -> None:
    """After the parts were decoded: a part whose content could not be decoded (broken
    base64) makes the message unreadable."""
    for part in message.walk():
        if any(type(d).__name__ in DECODING_DEFECTS for d in part.defects):
            raise BadInput(_("A part of the message cannot be decoded."))


def _defects(message: EmailMessage) -> set[str]:
    found = set()
    for part in message.walk():
        found.update(type(d).__name__ for d in part.defects if isinstance(d, MessageDefect))
    return found


def _recipients(message: EmailMessage) -> list[str]:
    values = [_clean(v) for name in RECIPIENT_HEADERS for v in message.get_all(name, [])]
    return [address.lower() for _name, address in getaddresses(values) if "@" in address]


def _message_ids(value) -> list[str]:
    return [part for part in _clean(value or "").split() if part.startswith("<")]


def _read_bodies(message: EmailMessage) -> tuple[str, str | None]:
    """The plain text and the HTML of the message, as sent: a 400 when they cannot be
    decoded."""
    try:
        plain = message.get_body(preferencelist=("plain",))
        html = message.get_body(preferencelist=("html",))
        text = plain.get_content() if plain is not None else ""
        html_text = html.get_content() if html is not None else None
    except (LookupError, ValueError, KeyError, AttributeError) as exc:
        raise BadInput(_("The message's body cannot be decoded.")) from exc
    return text, html_text


def bodies(message: EmailMessage) -> tuple[str, str | None]:
    """The plain text and the sanitised HTML of the message."""
    text, html_text = _read_bodies(message)
    safe_html = nh3.clean(html_text) if html_text else None
    if not text and html_text:
        text = nh3.clean(html_text, tags=set()).strip()
    return _clean(text), _clean(safe_html)


def attachments(message: EmailMessage) -> list[EmailAttachment]:
    found = []
    for part in message.iter_attachments():
        if len(found) >= MAX_ATTACHMENTS:
            raise BadInput(_("The message has too many attachments."))
        try:
            data = part.get_payload(decode=True) or b""
        except (ValueError, TypeError) as exc:
            raise BadInput(_("An attachment cannot be decoded.")) from exc
        found.append(
            EmailAttachment(
                filename=_clean(part.get_filename(), 255) or "attachment",
                content_type=_clean(part.get_content_type(), 100),
                size_bytes=len(data),
                data=data,
            )
        )
    return found


def _client_rules(message: EmailMessage):
    """The rules of the client a recipient alias names."""
    aliases = (a.split("@")[0].split("+")[0] for a in _recipients(message))
    rules = next(filter(None, map(mail_settings.client_for_alias, aliases)), None)
    if rules is None:
        raise ValidationError.on("to", _("No client of this agency has that address."))
    return rules


def accept(raw: bytes, rules=None) -> tuple[int, str, bool]:
    """Keep one inbound message for the current agency, to be read by the mail job
    (``agency.domains.mail.settle``): its id, its triage and whether it is new. The same
    Message-ID twice returns the first with False. Everything that can refuse a message
    is checked here, so bad input is refused at once and writes nothing.

    ``rules`` names the client when it is known (their own mailbox); otherwise the
    recipient alias does."""
    message = parse(raw)
    message_id = _clean(str(message.get("Message-ID") or "").strip(), 255)
    if not message_id.startswith("<"):
        message_id = f"<{hashlib.sha256(raw).hexdigest()}@inbound.invalid>"
    rules = rules or _client_rules(message)
    _read_bodies(message)
    attachments(message)
    _refuse_undecodable(message)
    name, sender = parseaddr(_clean(message["From"]))
    in_reply_to = (_message_ids(message.get("In-Reply-To")) or [None])[0]
    row = {
        "client_id": rules.client_id,
        "message_id": message_id,
        "thread_key": message_id,  # until the reading job has found its conversation
        "in_reply_to": _clean(in_reply_to, 255),
        "references": _clean(" ".join(_message_ids(message.get("References")))) or None,
        "from_address": _clean(sender.lower(), 254),
        "from_name": _clean(name, 200) or None,
        "to_address": mail_settings.alias_address(rules),
        "subject": _clean(message.get("Subject") or "", 300),
        "size_bytes": len(raw),
        "triage": Triage.pending.value,
        "triage_reason": "",
        "raw": raw,
    }
    try:  # one statement on the connection, without the ORM: nothing else is written here
        email_id = db.session.connection().execute(_KEEP, row).scalar_one()
    except IntegrityError:  # the same message, kept before
        db.session.rollback()
        existing = db.session.execute(_KEPT, {"message_id": message_id}).first()
        if existing is None:
            raise
        return existing.id, existing.triage, False
    request_reading(require_agency_id())
    db.session.commit()
    return email_id, Triage.pending.value, True


_KEEP = insert(InboundEmail).returning(InboundEmail.id)
_KEPT = select(InboundEmail.id, InboundEmail.triage).where(
    InboundEmail.message_id == bindparam("message_id")
)
