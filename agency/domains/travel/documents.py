"""A trip's documents: PDFs and images only, their type read from the bytes (never the
name or the type the sender claims), at most TRIP_DOCUMENT_MAX_BYTES each, read back only
by those who may see the trip's client."""

from flask import current_app
from sqlalchemy import select

from agency.domains.travel.models import Trip, TripDocument
from agency.kernel.database import db
from agency.kernel.errors import NotFound
from agency.kernel.uploads import pdf_or_image

FIELD = "file"


def add(trip: Trip, filename: str, data: bytes, user=None) -> TripDocument:
    """Keep the file on the trip, or refuse it (413 too large, 415 not a PDF or image,
    422 empty) and keep nothing."""
    limit = current_app.config["TRIP_DOCUMENT_MAX_BYTES"]
    name, kind = pdf_or_image(filename, data, limit, FIELD)
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
