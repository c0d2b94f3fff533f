"""A trip's documents: PDFs and images only, their type read from the bytes (never the
name or the type the sender claims), at most TRIP_DOCUMENT_MAX_BYTES each, read back only
by those who may see the trip's client."""

import filetype
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from agency.domains.mail.attachments import clean_filename
from agency.domains.travel.models import Trip, TripDocument
from agency.kernel.database import db
from agency.kernel.errors import NotFound, ValidationError

FIELD = "file"
KINDS = {
    "application/pdf": "pdf",
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/webp": "webp",
    "image/gif": "gif",
    "image/heic": "heic",
}


class TooLarge(ValidationError):
    status_code = 413

    def __init__(self, message: str):
        super().__init__(message, {FIELD: [message]}, code="too_large")


class NotAllowedType(ValidationError):
    status_code = 415

    def __init__(self, message: str):
        super().__init__(message, {FIELD: [message]}, code="unsupported_type")


def _megabytes(limit: int) -> str:
    return f"{limit / (1024 * 1024):g}"


def add(trip: Trip, filename: str, data: bytes, user=None) -> TripDocument:
    """Keep the file on the trip, or refuse it (413 too large, 415 not a PDF or image,
    422 empty) and keep nothing."""
    name = clean_filename(filename) if filename else ""
    if not name:
        raise ValidationError.on(FIELD, _("Choose a file to add."))
    limit = current_app.config["TRIP_DOCUMENT_MAX_BYTES"]
    if len(data) > limit:
        raise TooLarge(
            _("%(name)s is larger than %(mb)s MB.", name=name[:80], mb=_megabytes(limit))
        )
    if not data:
        raise ValidationError.on(FIELD, _("%(name)s is empty.", name=name[:80]))
    kind = filetype.guess_mime(data[:8192])
    if kind not in KINDS:
        raise NotAllowedType(
            _("%(name)s is not a PDF or an image (PNG, JPEG, WebP, GIF, HEIC).", name=name[:80])
        )
    document = TripDocument(
        trip_id=trip.id,
        filename=name,
        content_type=kind,
        size_bytes=len(data),
        data=data,
        uploaded_by_id=user.id if user else None,
    )
    db.session.add(document)
    db.session.commit()
    return document


def document_of(trip: Trip, document_id) -> TripDocument:
    found = db.session.scalar(
        select(TripDocument).where(TripDocument.id == document_id, TripDocument.trip_id == trip.id)
    )
    if found is None:
        raise NotFound()
    return found


def remove(document: TripDocument) -> None:
    db.session.delete(document)
    db.session.commit()


def view(document: TripDocument) -> dict:
    return {
        "id": document.id,
        "filename": document.filename,
        "content_type": document.content_type,
        "size_bytes": document.size_bytes,
        "created_at": document.created_at,
    }
