"""Invitations that calendar apps understand (iTIP, RFC 5546, sent by email as iMIP,
RFC 6047): a meeting of the client's calendar as METHOD:REQUEST (a new meeting, or a
change with a higher SEQUENCE) or METHOD:CANCEL, organised by the client's office."""

from icalendar import Calendar, vCalAddress

from agency.domains.calendar.ics import calendar_event
from agency.domains.calendar.models import CalendarEvent

REQUEST, CANCEL = "REQUEST", "CANCEL"


def invitation(event: CalendarEvent, method: str, organiser: tuple[str, str]) -> bytes:
    """The event as an iTIP message; ``organiser`` is (name, address)."""
    cal = Calendar()
    cal.add("prodid", "-//Secretariat//Meetings//EN")
    cal.add("version", "2.0")
    cal.add("method", method)
    vevent = calendar_event(event)
    name, address = organiser
    organizer = vCalAddress(f"mailto:{address}")
    organizer.params["CN"] = name
    vevent.add("organizer", organizer)
    if method == CANCEL:
        vevent["STATUS"] = "CANCELLED"
    cal.add_component(vevent)
    return cal.to_ical()
