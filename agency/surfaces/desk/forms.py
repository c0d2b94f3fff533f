"""The desk's form for the meeting or journey a secretary arranges on an item."""

from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField

from agency.kernel.errors import ValidationError

LOCAL_FORMAT = "%Y-%m-%d %H:%M"


class EventForm(FlaskForm):
    starts_at = StringField(_l("Starts (YYYY-MM-DD HH:MM, the client's time)"))
    ends_at = StringField(_l("Ends (YYYY-MM-DD HH:MM, the client's time)"))
    location = StringField(_l("Where"))
    attendees = TextAreaField(_l("With whom: a person per line"))
    event_notes = TextAreaField(_l("Notes for the client's calendar"))


def _wall_clock(text: str | None, field: str) -> str | None:
    """A time typed on the client's wall clock, as ISO 8601 without an offset: the
    service reads it in the client's zone."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        return datetime.strptime(text, LOCAL_FORMAT).isoformat()
    except ValueError as exc:
        raise ValidationError.on(field, _("Write the time as YYYY-MM-DD HH:MM.")) from exc


def event_data(form: EventForm) -> dict:
    """The form in the API's shape (every field: an empty one clears it)."""
    return {
        "starts_at": _wall_clock(form.starts_at.data, "starts_at"),
        "ends_at": _wall_clock(form.ends_at.data, "ends_at"),
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
