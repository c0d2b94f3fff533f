"""Files on outgoing mail: uploaded in the desk, sent as base64 over the API, or
forwarded from a received email; kept with the draft like inbound attachments are."""

import mimetypes
import re

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from agency.domains.mail.models import Draft, DraftAttachment, EmailAttachment, InboundEmail
from agency.kernel import uploads
from agency.kernel.database import db
from agency.kernel.errors import ValidationError

CONTENT_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,40}/[a-z0-9][a-z0-9!#$&^_.+-]{0,58}$")
# Types a mail part cannot carry as plain bytes: sent as a generic file instead.
CONTAINER_TYPES = ("multipart/", "message/")
FIELD = "attachments"


class TooLarge(ValidationError):
    status_code = 413

    def __init__(self, message: str):
        super().__init__(message, {FIELD: [message]}, code="too_large")


def _megabytes(limit: int) -> str:
    return f"{limit / (1024 * 1024):g}"


def clean_filename(name: str) -> str:
    return uploads.clean_filename(name, FIELD)


def clean_content_type(content_type: str | None, filename: str) -> str:
    value = (content_type or "").split(";")[0].strip().lower()
    if not value or value == "application/octet-stream":
        value = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    if not CONTENT_TYPE.match(value):
        raise ValidationError.on(
            FIELD, _("“%(type)s” is not a content type such as application/pdf.", type=value[:60])
        )
    if value.startswith(CONTAINER_TYPES):
        value = "application/octet-stream"
    return value


def read_upload(upload) -> tuple[str, str, bytes] | None:
    """(name, type, bytes) of a file uploaded in a form; None for an empty file field."""
    if upload is None or not getattr(upload, "filename", ""):
        return None
    limit = current_app.config["MAIL_ATTACHMENT_MAX_BYTES"]
    data = upload.stream.read(limit + 1)
    name = clean_filename(upload.filename)
    return name, clean_content_type(upload.mimetype, name), data


def _check_one(name: str, data: bytes) -> None:
    limit = current_app.config["MAIL_ATTACHMENT_MAX_BYTES"]
    if len(data) > limit:
        raise TooLarge(
            _("%(name)s is larger than %(mb)s MB.", name=name[:80], mb=_megabytes(limit))
        )


def forwarded(draft: Draft, attachment_ids: list[int]) -> list[tuple[str, str, bytes]]:
    """Copies of attachments of email the draft's client received."""
    files = []
    for attachment_id in dict.fromkeys(attachment_ids or []):
        found = db.session.scalar(
            select(EmailAttachment)
            .join(InboundEmail, InboundEmail.id == EmailAttachment.email_id)
            .where(EmailAttachment.id == attachment_id, InboundEmail.client_id == draft.client_id)
        )
        if found is None:
            raise ValidationError.on(
                "forward_attachment_ids", _("Choose attachments of this client's email.")
            )
        name = clean_filename(found.filename)
        files.append((name, clean_content_type(found.content_type, name), found.data))
    return files


def add(draft: Draft, files: list[tuple[str, str, bytes]]) -> list[DraftAttachment]:
    """Keep ``files`` with the draft, within the count and size limits; nothing is
    written (the caller rolls back) when one is refused."""
    config = current_app.config
    existing = list(draft.attachments)
    most = config["MAIL_ATTACHMENTS_MAX_COUNT"]
    if len(existing) + len(files) > most:
        raise ValidationError.on(FIELD, _("An email carries at most %(count)s files.", count=most))
    for name, _type, data in files:
        _check_one(name, data)
    total = sum(a.size_bytes for a in existing) + sum(len(data) for _n, _t, data in files)
    if total > config["MAIL_ATTACHMENTS_MAX_BYTES"]:
        raise TooLarge(
            _(
                "The files of one email may add up to %(mb)s MB.",
                mb=_megabytes(config["MAIL_ATTACHMENTS_MAX_BYTES"]),
            )
        )
    added = [
        DraftAttachment(filename=name, content_type=kind, size_bytes=len(data), data=data)
        for name, kind, data in files
    ]
    draft.attachments.extend(added)
    return added


def remove(draft: Draft, attachment_ids: list[int]) -> None:
    mine = {a.id: a for a in draft.attachments}
    for attachment_id in attachment_ids or []:
        if attachment_id not in mine:
            raise ValidationError.on(
                "remove_attachment_ids", _("Choose attachments of this draft.")
            )
        draft.attachments.remove(mine[attachment_id])


def queue_with(draft: Draft, outbound_email_id: int) -> None:
    """The draft's files go with the email that was queued for it."""
    for attachment in draft.attachments:
        attachment.outbound_email_id = outbound_email_id
