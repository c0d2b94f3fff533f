"""Replies to the meetings' invitations that participants' calendar apps send back by
email (iMIP, RFC 6047: a text/calendar part with METHOD:REPLY), read by the inbound
mail path: each updates the participant's answer on the client's event. A reply to an
older version of the meeting (a lower SEQUENCE) is outdated and changes nothing."""

from email.message import EmailMessage

from icalendar import Calendar
from sqlalchemy import select

from agency.domains.calendar.events import answered
from agency.domains.calendar.models import CalendarEvent
from agency.kernel.database import db

ANSWERS = {"ACCEPTED": "accepted", "DECLINED": "declined", "TENTATIVE": "tentative"}
READ_ERRORS = (ValueError, KeyError, IndexError, TypeError, AttributeError)


def _replies(message: EmailMessage) -> list:
    found = []
    for part in message.walk():
        if part.get_content_type() != "text/calendar":
            continue
        try:
            calendar = Calendar.from_ical(part.get_payload(decode=True) or b"")
        except READ_ERRORS:
            continue
        if str(calendar.get("METHOD") or "").upper() == "REPLY":
            found += calendar.walk("VEVENT")
    return found


def _attendees(vevent) -> list:
    value = vevent.get("ATTENDEE") or []
    return value if isinstance(value, list) else [value]


def apply(message: EmailMessage, client_id: int) -> bool:
    """Whether the message is a calendar reply (then applied, if it is current)."""
    replies = _replies(message)
    for vevent in replies:
        event = db.session.scalar(
            select(CalendarEvent).where(
                CalendarEvent.client_id == client_id,
                CalendarEvent.uid == str(vevent.get("UID") or ""),
            )
        )
        if event is None or int(vevent.get("SEQUENCE") or 0) < event.sequence:
            continue
        answers = {
            str(a).lower().removeprefix("mailto:"): ANSWERS.get(
                str(a.params.get("PARTSTAT", "")).upper()
            )
            for a in _attendees(vevent)
        }
        answered(event, {email: status for email, status in answers.items() if status})
    return bool(replies)
