"""A contact's log: every call, message, email, meeting, note and piece of work with
one of the client's contacts, in one timeline, newest first. Calls and messages are
matched by the contact's number, emails by their address, meetings by their address
among the attendees; notes and work name the contact."""

from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from agency.domains.calendar.models import CalendarEvent, EventKind
from agency.domains.calls.models import Call, Message
from agency.domains.clients.models import Client, Contact, ContactNote
from agency.domains.mail.models import Draft, DraftStatus, InboundEmail
from agency.domains.work.models import WorkItem
from agency.kernel import clock, labels
from agency.kernel.database import db
from agency.kernel.errors import NotFound, ValidationError
from agency.kernel.records import values_for

MOST = 200
# How far back meetings are looked for.
MEETINGS_BACK = timedelta(days=730)


class NoteSchema(Schema):
    text = fields.String(required=True, validate=validate.Length(min=1, max=5000))


def contact_of(client: Client, contact_id) -> Contact:
    found = db.session.scalar(
        select(Contact).where(Contact.id == contact_id, Contact.client_id == client.id)
    )
    if found is None:
        raise NotFound()
    return found


def add_note(contact: Contact, data: dict, user=None) -> ContactNote:
    text = values_for(NoteSchema(), data)["text"].strip()
    if not text:
        raise ValidationError.on("text", _("Write the note."))
    note = ContactNote(contact_id=contact.id, author_id=user.id if user else None, text=text)
    db.session.add(note)
    db.session.commit()
    return note


def _entry(at, kind: str, text: str, **extra) -> dict:
    return {"at": at, "kind": kind, "text": text, **extra}


def log(contact: Contact) -> list[dict]:
    """The contact's timeline, newest first: ``at``, ``kind`` (call, message, email_in,
    email_out, meeting, note, work) and a line of ``text``."""
    client_id = contact.client_id
    found = []
    if contact.phone:
        for call in db.session.scalars(
            select(Call)
            .where(Call.client_id == client_id, Call.from_number == contact.phone)
            .order_by(Call.started_at.desc())
            .limit(MOST)
        ):
            found.append(_entry(call.started_at, "call", labels.label("call_status", call.status)))
        for message in db.session.scalars(
            select(Message)
            .where(Message.client_id == client_id, Message.number == contact.phone)
            .order_by(Message.created_at.desc())
            .limit(MOST)
        ):
            found.append(_entry(message.created_at, "message", message.reason))
    if contact.email:
        address = contact.email.lower()
        for email in db.session.scalars(
            select(InboundEmail)
            .where(InboundEmail.client_id == client_id, InboundEmail.from_address == address)
            .order_by(InboundEmail.received_at.desc())
            .limit(MOST)
        ):
            found.append(_entry(email.received_at, "email_in", email.subject, email_id=email.id))
        for draft in db.session.scalars(
            select(Draft)
            .where(
                Draft.client_id == client_id,
                Draft.to_address == address,
                Draft.status == DraftStatus.sent.value,
            )
            .order_by(Draft.created_at.desc())
            .limit(MOST)
        ):
            found.append(_entry(draft.sent_at or draft.created_at, "email_out", draft.subject))
        for event in db.session.scalars(
            select(CalendarEvent)
            .where(
                CalendarEvent.client_id == client_id,
                CalendarEvent.kind == EventKind.meeting.value,
                CalendarEvent.starts_at >= clock.now() - MEETINGS_BACK,
            )
            .order_by(CalendarEvent.starts_at.desc())
            .limit(2000)
        ):
            if any((a.get("email") or "").lower() == address for a in event.attendees or []):
                found.append(_entry(event.starts_at, "meeting", event.title, event_id=event.id))
    for note in db.session.scalars(
        select(ContactNote)
        .where(ContactNote.contact_id == contact.id)
        .order_by(ContactNote.created_at.desc())
        .limit(MOST)
    ):
        found.append(_entry(note.created_at, "note", note.text))
    for item in db.session.scalars(
        select(WorkItem)
        .where(WorkItem.contact_id == contact.id)
        .order_by(WorkItem.created_at.desc())
        .limit(MOST)
    ):
        found.append(_entry(item.created_at, "work", item.title, item_id=item.id,
                            status=item.status))  # fmt: skip
    return sorted(found, key=lambda e: e["at"], reverse=True)[:MOST]


def by_number(client_id: int, number: str | None) -> Contact | None:
    """The client's contact with this phone number, if any (the screen pop's caller)."""
    if not number:
        return None
    return db.session.scalar(
        select(Contact).where(
            Contact.client_id == client_id,
            Contact.phone == number,
            Contact.archived_at.is_(None),
        )
    )


labels.define(
    "contact_log_entry",
    {
        "call": _l("call"),
        "message": _l("message"),
        "email_in": _l("email received"),
        "email_out": _l("email sent"),
        "meeting": _l("meeting"),
        "note": _l("note"),
        "work": _l("work"),
    },
)
