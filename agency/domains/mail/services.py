"""Templates, drafts and dictation: writing in the client's name and sending once."""

import re
from datetime import date

from babel.dates import format_date
from flask_babel import gettext as _
from sqlalchemy import or_, select

from agency.domains.clients.models import Client, Contact
from agency.domains.mail import attachments
from agency.domains.mail import settings as mail_settings
from agency.domains.mail.access import client_for
from agency.domains.mail.models import (
    BouncedAddress,
    Dictation,
    Draft,
    DraftStatus,
    InboundEmail,
    MailTemplate,
)
from agency.domains.mail.schemas import (
    ApproveSchema,
    DictationSchema,
    DraftSchema,
    DraftUpdateSchema,
    RejectSchema,
    RulesSchema,
    TemplateSchema,
    TranscriptionSchema,
)
from agency.domains.notify.services import queue_email
from agency.domains.work.models import WorkItem
from agency.domains.work.services import create_item
from agency.domains.work.timeline import record
from agency.kernel import clock
from agency.kernel.database import db
from agency.kernel.errors import Conflict, NotFound, ValidationError
from agency.kernel.i18n import LANGUAGES
from agency.kernel.records import values_for

VARIABLE = re.compile(r"\{(\w+)\}")
AUDIO_TYPES = {
    # content type: does the file start like one
    "audio/mpeg": lambda head: head[:3] == b"ID3" or head[:2] in (b"\xff\xfb", b"\xff\xf3"),
    "audio/wav": lambda head: head[:4] == b"RIFF" and head[8:12] == b"WAVE",
    "audio/x-wav": lambda head: head[:4] == b"RIFF" and head[8:12] == b"WAVE",
    "audio/ogg": lambda head: head[:4] == b"OggS",
    "audio/webm": lambda head: head[:4] == b"\x1a\x45\xdf\xa3",
    "audio/mp4": lambda head: head[4:8] == b"ftyp",
    "audio/x-m4a": lambda head: head[4:8] == b"ftyp",
}


# --- the client's language, office and signature -------------------------------------


def client_language(client: Client) -> str:
    return next((code for code in client.languages or [] if code in LANGUAGES), "en")


def office_name(client: Client) -> str:
    return _("Office of %(name)s", name=client.name)


def signature_of(client: Client) -> str:
    rules = mail_settings.rules_for(client)
    return rules.signature or office_name(client)


def long_date(client: Client, day: date) -> str:
    return format_date(day, format="long", locale=client_language(client))


def fill(text: str, client: Client, contact_name: str | None = None) -> str:
    """A template's text with its variables filled; unknown ones are left as they are."""
    values = {
        "client_name": client.name,
        "contact_name": contact_name or _("Sir or Madam"),
        "today": long_date(client, clock.now().date()),
        "office": office_name(client),
    }
    return VARIABLE.sub(lambda m: values.get(m.group(1), m.group(0)), text or "")


def update_rules(client: Client, data: dict):
    values = values_for(RulesSchema(), data)
    rules = mail_settings.rules_for(client)
    rules.urgent_keywords = sorted({w.strip() for w in values["urgent_keywords"] if w.strip()})
    rules.forward_vip = values["forward_vip"]
    rules.signature = (values["signature"] or "").strip() or None
    db.session.commit()
    return rules


# --- templates -----------------------------------------------------------------------


def templates_for(kind: str, client_id: int | None = None) -> list[MailTemplate]:
    """The agency's templates of a kind, and the client's own when a client is given."""
    statement = select(MailTemplate).where(
        MailTemplate.kind == kind, MailTemplate.archived_at.is_(None)
    )
    owners = MailTemplate.client_id.is_(None)
    if client_id is not None:
        owners = or_(owners, MailTemplate.client_id == client_id)
    return db.session.scalars(statement.where(owners).order_by(MailTemplate.name)).all()


def _template_values(data: dict, partial: bool = False) -> dict:
    values = values_for(TemplateSchema(), data, partial=partial)
    if values.get("client_id") is not None and db.session.get(Client, values["client_id"]) is None:
        raise ValidationError.on("client_id", _("Choose a client of this agency."))
    return values


def create_template(data: dict) -> MailTemplate:
    template = MailTemplate(**_template_values(data))
    db.session.add(template)
    db.session.commit()
    return template


def update_template(template: MailTemplate, data: dict) -> MailTemplate:
    for key, value in _template_values(data, partial=True).items():
        setattr(template, key, value)
    db.session.commit()
    return template


def template_for(client: Client, template_id, kind: str) -> MailTemplate:
    """A template this client may use, or a clear error on the field."""
    template = db.session.get(MailTemplate, template_id) if template_id else None
    if (
        template is None
        or template.kind != kind
        or template.archived_at is not None
        or template.client_id not in (None, client.id)
    ):
        raise ValidationError.on("template_id", _("Choose one of this client's templates."))
    return template


# --- drafts --------------------------------------------------------------------------


def approval_required(client: Client) -> bool:
    contract = client.active_contract
    return bool(contract and contract.approval_required)


def _contact_name(client: Client, address: str) -> str | None:
    return db.session.scalar(
        select(Contact.name).where(Contact.client_id == client.id, Contact.email == address)
    )


def compose(client: Client, reply_to: InboundEmail | None, template: MailTemplate | None) -> dict:
    """The composer's starting point: to, subject and body with the signature."""
    to_address = reply_to.from_address if reply_to else ""
    contact = (reply_to.from_name if reply_to else None) or _contact_name(client, to_address)
    subject = ""
    if reply_to is not None:
        subject = reply_to.subject
        if not subject.lower().startswith("re:"):
            subject = f"Re: {subject}"
    body = ""
    if template is not None:
        subject = fill(template.subject, client, contact) or subject
        body = fill(template.body, client, contact)
    return {
        "to_address": to_address,
        "subject": subject[:300],
        "body": f"{body}\n\n-- \n{signature_of(client)}",
    }


def _linked(model, record_id, client: Client, field: str):
    if record_id is None:
        return None
    found = db.session.get(model, record_id)
    if found is None or found.client_id != client.id:
        raise ValidationError.on(field, _("Choose one of this client's records."))
    return found


def _files(values: dict) -> list[tuple[str, str, bytes]]:
    """(name, type, bytes) of the attachments given as base64 JSON."""
    files = []
    for given in values.pop("attachments", None) or []:
        name = attachments.clean_filename(given["filename"])
        kind = attachments.clean_content_type(given.get("content_type"), name)
        files.append((name, kind, given["content_base64"]))
    return files


def _attach(draft: Draft, values: dict, uploads) -> None:
    files = [*_files(values), *(uploads or [])]
    files += attachments.forwarded(draft, values.pop("forward_attachment_ids", None) or [])
    attachments.remove(draft, values.pop("remove_attachment_ids", None) or [])
    if files:
        attachments.add(draft, files)


def create_draft(data: dict, user, uploads=None) -> Draft:
    """A draft for a client; with submit it is sent, or waits for the client's approval.
    ``uploads`` are files from a form, as (name, type, bytes)."""

    values = values_for(DraftSchema(), data)
    submit = values.pop("submit")
    files = _files(values)
    forward_ids = values.pop("forward_attachment_ids")
    client = client_for(user, values["client_id"])
    refuse_bounced(values["to_address"])
    _linked(InboundEmail, values["reply_to_email_id"], client, "reply_to_email_id")
    _linked(WorkItem, values["work_item_id"], client, "work_item_id")
    _linked(Dictation, values["dictation_id"], client, "dictation_id")
    draft = Draft(**values, status=DraftStatus.draft.value, created_by_id=user.id)
    db.session.add(draft)
    _attach(draft, {"forward_attachment_ids": forward_ids}, [*files, *(uploads or [])])
    db.session.flush()
    _note_on_item(draft.work_item_id, "draft_written", user.id, draft_id=draft.id)
    if submit:
        return submit_draft(draft, user)
    db.session.commit()
    return draft


def update_draft(draft: Draft, data: dict, user, uploads=None) -> Draft:
    if draft.status not in (DraftStatus.draft, DraftStatus.pending_approval, DraftStatus.rejected):
        raise Conflict(_("This draft is %(status)s; it cannot be changed.", status=draft.status))
    values = values_for(DraftUpdateSchema(), data, partial=True)
    _attach(draft, values, uploads)
    for key, value in values.items():
        setattr(draft, key, value)
    if draft.status == DraftStatus.rejected:
        draft.status = DraftStatus.draft.value
    db.session.commit()
    return draft


def submit_draft(draft: Draft, user) -> Draft:
    """Send the draft, or put it before the client when the contract asks for approval."""
    if draft.status not in (DraftStatus.draft, DraftStatus.rejected):
        raise Conflict(_("This draft is %(status)s; it cannot be sent.", status=draft.status))
    if approval_required(draft.client):
        draft.status = DraftStatus.pending_approval.value
        draft.review_note = None
        _note_on_item(draft.work_item_id, "draft_awaits_approval", user.id, draft_id=draft.id)
        db.session.commit()
        return draft
    return _send(draft, user)


def approve_draft(draft: Draft, data: dict, user) -> Draft:
    """The client approves (perhaps with an edit); the draft is sent."""
    values = values_for(ApproveSchema(), data)
    if draft.status != DraftStatus.pending_approval:
        raise Conflict(_("This draft is not waiting for approval."))
    if values.get("body"):
        draft.body = values["body"]
    draft.status = DraftStatus.approved.value
    draft.decided_at = clock.now()
    _note_on_item(draft.work_item_id, "draft_approved", user.id, draft_id=draft.id)
    return _send(draft, user)


def reject_draft(draft: Draft, data: dict, user) -> Draft:
    values = values_for(RejectSchema(), data)
    if draft.status != DraftStatus.pending_approval:
        raise Conflict(_("This draft is not waiting for approval."))
    draft.status = DraftStatus.rejected.value
    draft.review_note = values["note"]
    draft.decided_at = clock.now()
    _note_on_item(
        draft.work_item_id, "draft_rejected", user.id, draft_id=draft.id, note=values["note"]
    )
    db.session.commit()
    return draft


def send_draft(draft: Draft, user) -> Draft:
    """Send an approved draft, or submit a new one (the API's 'send')."""
    if draft.status == DraftStatus.approved:
        return _send(draft, user)
    return submit_draft(draft, user)


def _send(draft: Draft, user) -> Draft:
    """Queue the email in the client's name, threaded; the row lock makes it once."""

    db.session.flush()
    locked = db.session.get(Draft, draft.id, with_for_update=True, populate_existing=True)
    if locked.status == DraftStatus.sent:
        raise Conflict(_("This draft was already sent."))
    client = locked.client
    rules = mail_settings.rules_for(client)
    headers = {
        "From-Name": office_name(client),
        "Reply-To": mail_settings.alias_address(rules),
    }
    original = locked.reply_to_email
    if original is not None:
        headers["In-Reply-To"] = original.message_id
        headers["References"] = " ".join(
            part for part in ((original.references or ""), original.message_id) if part
        ).strip()
    refuse_bounced(locked.to_address)
    email = queue_email(locked.to_address, locked.subject, locked.body, "mail_reply", headers)
    attachments.queue_with(locked, email.id)
    locked.outbound_email_id = email.id
    locked.status = DraftStatus.sent.value
    locked.sent_at = clock.now()
    _note_on_item(locked.work_item_id, "email_sent", user.id if user else None, draft_id=draft.id)
    db.session.commit()
    return locked


def bounced(address: str) -> BouncedAddress | None:
    return db.session.scalar(
        select(BouncedAddress).where(BouncedAddress.address == (address or "").lower())
    )


def refuse_bounced(address: str) -> None:
    found = bounced(address)
    if found is not None:
        raise ValidationError.on(
            "to_address",
            _(
                "Mail to this address bounced (%(status)s); check it with the client.",
                status=found.status,
            ),
        )


def _note_on_item(item_id: int | None, action: str, actor_user_id: int | None, **detail) -> None:
    if item_id is None:
        return

    record(item_id, action, actor_user_id, **detail)


# --- dictation -----------------------------------------------------------------------


def _audio(upload, limit: int) -> tuple[str, str, bytes] | None:
    """(name, type, bytes) of an uploaded audio file, checked by type, content and size."""
    if upload is None or not getattr(upload, "filename", ""):
        return None
    content_type = (upload.mimetype or "").lower()
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        raise ValidationError.on(
            "audio", _("The audio file is larger than %(mb)s MB.", mb=limit // (1024 * 1024))
        )
    check = AUDIO_TYPES.get(content_type)
    if check is None or not check(data[:16]):
        raise ValidationError.on("audio", _("Upload an MP3, WAV, OGG, WebM or M4A audio file."))
    return upload.filename[:255], content_type, data


def create_dictation(data: dict, user, upload=None, audio_limit: int = 0) -> Dictation:
    """Typed text or an audio file becomes a dictation item for the secretary."""

    values = values_for(DictationSchema(), data)
    client = client_for(user, values["client_id"])
    text = (values["text"] or "").strip() or None
    audio = _audio(upload, audio_limit)
    if text is None and audio is None:
        raise ValidationError.on("text", _("Type the dictation or upload an audio file."))
    dictation = Dictation(client_id=client.id, text=text, created_by_id=user.id)
    if audio is not None:
        dictation.audio_name, dictation.audio_type, dictation.audio = audio
        dictation.audio_size = len(audio[2])
    db.session.add(dictation)
    db.session.flush()
    summary = (text or _("Audio: %(name)s", name=dictation.audio_name)).splitlines()[0]
    item, _new = create_item(
        {
            "client_id": client.id,
            "kind": "dictation",
            "title": _("Dictation: %(summary)s", summary=summary)[:300],
            "body": text,
            "source": "portal",
            "source_key": f"dictation:{dictation.id}",
            "links": {"dictation_id": dictation.id},
        },
        user.id,
    )
    dictation.work_item_id = item.id
    db.session.commit()
    return dictation


TIMELINE_EXCERPT = 500


def transcribe(dictation: Dictation, data: dict, user) -> Dictation:
    """Attach what an audio dictation says, typed; a later one replaces it. The work
    item's timeline keeps each, so the secretary sees what was written and when."""
    values = values_for(TranscriptionSchema(), data)
    if not dictation.audio_name:
        raise Conflict(_("Only an audio dictation takes a transcription."))
    text = values["text"].strip()
    if not text:
        raise ValidationError.on("text", _("Type what the audio says."))
    dictation.transcription = text
    dictation.transcribed_at = clock.now()
    excerpt = text if len(text) <= TIMELINE_EXCERPT else text[: TIMELINE_EXCERPT - 1] + "…"
    _note_on_item(
        dictation.work_item_id,
        "transcription_added",
        user.id,
        dictation_id=dictation.id,
        note=excerpt,
    )
    db.session.commit()
    return dictation


def for_item(item: WorkItem) -> tuple[InboundEmail | None, Dictation | None]:
    """The inbound email or dictation an item was made from."""
    links = item.links or {}
    email = (
        db.session.get(InboundEmail, links["inbound_email_id"])
        if links.get("inbound_email_id")
        else None
    )
    dictation = (
        db.session.get(Dictation, links["dictation_id"]) if links.get("dictation_id") else None
    )
    return email, dictation


def draft_or_404(draft_id: int) -> Draft:
    draft = db.session.get(Draft, draft_id)
    if draft is None:
        raise NotFound()
    return draft
