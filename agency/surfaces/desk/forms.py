"""The desk's form for the meeting or journey a secretary arranges on an item."""

from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField

from agency.surfaces.web.forms import LOCAL_FORMAT, wall_clock


class EventForm(FlaskForm):
    starts_at = StringField(_l("Starts (YYYY-MM-DD HH:MM, the client's time)"))
    ends_at = StringField(_l("Ends (YYYY-MM-DD HH:MM, the client's time)"))
    location = StringField(_l("Where"))
    attendees = TextAreaField(_l("With whom: a person per line"))
    event_notes = TextAreaField(_l("Notes for the client's calendar"))


def event_data(form: EventForm) -> dict:
    """The form in the API's shape (every field: an empty one clears it)."""
    return {
        "starts_at": wall_clock(form.starts_at.data, "starts_at"),
        "ends_at": wall_clock(form.ends_at.data, "ends_at"),
        "location": (form.location.data or "").strip() or None,
        "attendees": [p.strip() for p in (form.attendees.data or "").splitlines() if p.strip()],
        "event_notes": (form.event_notes.data or "").strip() or None,
    }


def fill_event_form(form: EventForm, item, zone: str) -> None:
    """Show the item's event on the client's wall clock."""
    tz = ZoneInfo(zone)

    def local(moment):
        return moment.astimezone(tz).strftime(LOCAL_FORMAT) if moment else ""

    form.starts_at.data, form.ends_at.data = local(item.starts_at), local(item.ends_at)
    form.location.data = item.location or ""
    form.attendees.data = "\n".join(item.attendees or [])
    form.event_notes.data = item.event_notes or ""
