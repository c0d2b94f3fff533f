"""The calendar's forms the portal and the desk share: the meeting rules of the
instruction sheet, an event, an .ics file, and a search for free times."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, Optional

from agency.domains.calendar.models import EventKind
from agency.kernel.plaintext import show_weekly_hours, weekly_hours


class MeetingRulesForm(FlaskForm):
    working_hours = TextAreaField(
        _l("Meeting hours, a line per day or range (mon-fri 09:00-17:00)")
    )
    buffer_before_minutes = IntegerField(
        _l("Minutes kept free before a meeting"), default=0, validators=[Optional()]
    )
    buffer_after_minutes = IntegerField(
        _l("Minutes kept free after a meeting"), default=0, validators=[Optional()]
    )
    daily_cap = IntegerField(_l("Most meetings a day (empty: no limit)"), validators=[Optional()])
    min_notice_hours = IntegerField(
        _l("Hours of notice a meeting needs"), default=0, validators=[Optional()]
    )
    reminder_minutes = IntegerField(
        _l("Remind the client this many minutes before a meeting (0: never)"),
        default=60,
        validators=[Optional()],
    )
    remind_participants = BooleanField(_l("Remind the participants too"))


def fill_rules_form(form: MeetingRulesForm, view: dict) -> None:
    form.working_hours.data = show_weekly_hours(view["working_hours"] or {})
    form.buffer_before_minutes.data = view["buffer_before_minutes"]
    form.buffer_after_minutes.data = view["buffer_after_minutes"]
    form.daily_cap.data = view["daily_cap"]
    form.min_notice_hours.data = view["min_notice_minutes"] // 60
    form.reminder_minutes.data = view["reminder_minutes"]
    form.remind_participants.data = view["remind_participants"]


def rules_data(form: MeetingRulesForm) -> dict:
    text = (form.working_hours.data or "").strip()
    return {
        "working_hours": weekly_hours(text, "working_hours") if text else None,
        "buffer_before_minutes": form.buffer_before_minutes.data or 0,
        "buffer_after_minutes": form.buffer_after_minutes.data or 0,
        "daily_cap": form.daily_cap.data,
        "min_notice_minutes": (form.min_notice_hours.data or 0) * 60,
        "reminder_minutes": form.reminder_minutes.data
        if form.reminder_minutes.data is not None
        else 60,
    }


class EventForm(FlaskForm):
    kind = SelectField(
        _l("What"),
        choices=[
            SelectChoice(EventKind.busy.value, _l("Busy")),
            SelectChoice(EventKind.meeting.value, _l("Meeting")),
            SelectChoice(EventKind.travel.value, _l("Travel")),
        ],
    )
    title = StringField(_l("Title"), validators=[InputRequired()])
    starts_at = StringField(_l("Starts (YYYY-MM-DD HH:MM)"), validators=[InputRequired()])
    ends_at = StringField(_l("Ends (YYYY-MM-DD HH:MM)"), validators=[InputRequired()])
    location = StringField(_l("Where"))
    video_url = StringField(_l("Video link"))
    attendees = StringField(_l("Who else, addresses separated by commas"))


class ImportForm(FlaskForm):
    file = FileField(_l("An .ics file from your calendar app"), validators=[FileRequired()])


class SlotsForm(FlaskForm):
    class Meta:
        csrf = False  # a search, sent as a GET

    minutes = IntegerField(
        _l("Length in minutes"), default=60, validators=[InputRequired(), NumberRange(5, 720)]
    )
    on_or_after = DateField(_l("From"), validators=[InputRequired()])
    on_or_before = DateField(_l("To"), validators=[InputRequired()])


class ArrangeForm(FlaskForm):
    title = StringField(_l("What the meeting is about"), validators=[InputRequired()])
    minutes = IntegerField(_l("Length in minutes"), default=60, validators=[InputRequired()])
    on_or_after = DateField(_l("From"), validators=[InputRequired()])
    on_or_before = DateField(_l("To"), validators=[InputRequired()])
    contacts = SelectMultipleField(_l("The client's contacts"), coerce=int, choices=[])
    participants = TextAreaField(
        _l("Participants, one per line: name and address (Ana Lima ana@example.com)")
    )
    location = StringField(_l("Where"))
    video_url = StringField(_l("Video link"))
    item_id = HiddenField()


def participants_of(text: str | None) -> list[dict]:
    """Lines "Ana Lima ana@example.com" (or just the address) as participants."""
    found = []
    for line in (text or "").splitlines():
        words = line.replace(",", " ").split()
        if not words:
            continue
        address = next((w.strip("<>") for w in reversed(words) if "@" in w), words[-1])
        name = " ".join(w for w in words if w.strip("<>") != address)
        found.append({"email": address, "name": name})
    return found


class ConnectionForm(FlaskForm):
    url = StringField(_l("The calendar's CalDAV address"), validators=[InputRequired()])
    username = StringField(_l("User name"), validators=[InputRequired()])
    password = PasswordField(_l("App password (empty: keep the saved one)"))


class BookingForm(FlaskForm):
    enabled = BooleanField(_l("The booking page is open"))
    types = TextAreaField(
        _l("Kinds of meeting, one per line: minutes, then the name (30 Intro call)")
    )
    away_from = DateField(_l("Away from"), validators=[Optional()])
    away_to = DateField(_l("Away until"), validators=[Optional()])
    away_message = StringField(_l("What the page says while you are away"))


def fill_booking_form(form: BookingForm, view: dict) -> None:
    form.enabled.data = view["enabled"]
    form.types.data = "\n".join(f"{t['minutes']} {t['name']}" for t in view["types"])
    form.away_from.data, form.away_to.data = view["away_from"], view["away_to"]
    form.away_message.data = view["away_message"]


def booking_data(form: BookingForm) -> dict:
    types = []
    for line in (form.types.data or "").splitlines():
        minutes, _sep, name = line.strip().partition(" ")
        if minutes:
            types.append({"minutes": minutes if not minutes.isdigit() else int(minutes),
                          "name": name.strip()})  # fmt: skip
    return {
        "enabled": bool(form.enabled.data),
        "types": types,
        "away_from": form.away_from.data.isoformat() if form.away_from.data else None,
        "away_to": form.away_to.data.isoformat() if form.away_to.data else None,
        "away_message": form.away_message.data or None,
    }
