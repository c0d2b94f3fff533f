"""The call-rules, status, simulator and message forms the console, portal and desk share,
and the plain-text shapes people type lists in."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from agency.domains.calls.models import Channel, RingMode, TransferMode, Urgency
from agency.kernel.errors import ValidationError
from agency.kernel.plaintext import show_weekly_hours, weekly_hours

WINDOW_RE = re.compile(
    r"^(mon|tue|wed|thu|fri|sat|sun)\s+(\d\d:\d\d)\s*-\s*(\d\d:\d\d)\s*(.*)$", re.IGNORECASE
)


class CallRulesForm(FlaskForm):
    client_phone = StringField(_l("Your phone for calls put through (international form)"))
    vip_numbers = TextAreaField(_l("VIP callers: a number or pattern (+4420*) per line"))
    vip_csv = FileField(_l("…or upload a CSV of VIP numbers (first column)"))
    forward_numbers = TextAreaField(_l("Always put through: a number or pattern per line"))
    block_numbers = TextAreaField(_l("Blocked callers: a number or pattern per line"))
    block_csv = FileField(_l("…or upload a CSV of blocked numbers (first column)"))
    transfer_mode = SelectField(
        _l("Putting calls through"),
        choices=[
            SelectChoice(TransferMode.warm.value, _l("Warm: you hear who is calling first")),
            SelectChoice(TransferMode.cold.value, _l("Cold: straight through")),
        ],
    )
    ring_mode = SelectField(
        _l("Ringing your secretaries"),
        choices=[
            SelectChoice(RingMode.sequential.value, _l("Primary first, then backups")),
            SelectChoice(RingMode.simultaneous.value, _l("All at once")),
        ],
    )
    ring_seconds = StringField(_l("Seconds to ring before voicemail"), default="20")
    urgent_keywords = StringField(_l("Urgent keywords, comma separated"))
    channels = SelectMultipleField(
        _l("How messages reach you"),
        choices=[
            SelectChoice(Channel.email.value, _l("Email")),
            SelectChoice(Channel.sms.value, _l("Text message")),
            SelectChoice(Channel.portal.value, _l("Portal only")),
        ],
    )
    digest_times = StringField(_l("Digest times, comma separated (08:00, 17:00)"))
    business_hours = TextAreaField(
        _l("Business hours, a line per day or range (mon-fri 09:00-17:00)")
    )
    unavailable_windows = TextAreaField(
        _l("Every week unavailable, a line each (tue 09:00-12:00 Meetings)")
    )
    scheduled_statuses = TextAreaField(
        _l("Planned statuses, a line each (2026-05-03 09:00 | 2026-05-10 18:00 | On holiday)")
    )
    status_templates = TextAreaField(_l("Status templates, a line each"))
    call_types = TextAreaField(
        _l("Call types with intake questions (New customer: How did you hear of us? | Budget?)")
    )


class StatusForm(FlaskForm):
    status_text = StringField(_l("Status (empty: available)"))
    status_until = StringField(_l("Until (YYYY-MM-DD HH:MM, your time; empty: until changed)"))


class SimulateForm(FlaskForm):
    class Meta:
        csrf = False

    caller = StringField(_l("Caller's number"), validators=[InputRequired()])
    at = StringField(_l("When (YYYY-MM-DD HH:MM, the client's time)"), validators=[InputRequired()])


class MessageForm(FlaskForm):
    caller_name = StringField(_l("Caller's name"))
    company = StringField(_l("Company"))
    number = StringField(_l("Number to call back (international form)"))
    reason = TextAreaField(_l("Message"), validators=[InputRequired()])
    urgency = SelectField(
        _l("Urgency"),
        choices=[SelectChoice("", _l("By the client's urgent keywords"))]
        + [SelectChoice(u.value, u.value) for u in Urgency],
    )
    callback_wanted = BooleanField(_l("Wants a call back"))
    call_type = SelectField(_l("Call type"), validate_choice=False)


def status_data(form: StatusForm, zone: str) -> dict:
    """The status form in the service's shape; "until" is typed in the client's zone."""
    until = (form.status_until.data or "").strip()
    moment = local_moment(until, zone, "status_until") if until else None
    return {
        "status_text": form.status_text.data or None,
        "status_until": moment.isoformat() if moment else None,
    }


def fill_status_form(form: StatusForm, client) -> None:
    """The client's status as set now, "until" in their zone."""
    form.status_text.data = client.status_text or ""
    until = client.status_until
    form.status_until.data = (
        until.astimezone(ZoneInfo(client.timezone)).strftime("%Y-%m-%d %H:%M")
        if client.status_text and until
        else ""
    )


def lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def commas(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def local_moment(text: str, zone: str, field: str) -> datetime:
    """A "YYYY-MM-DD HH:MM" typed in ``zone``, as an aware moment."""
    try:
        naive = datetime.strptime(text.strip(), "%Y-%m-%d %H:%M")
    except ValueError as exc:
        raise ValidationError.on(field, _("Write the time as YYYY-MM-DD HH:MM.")) from exc
    return naive.replace(tzinfo=ZoneInfo(zone))


def _windows(text: str) -> list[dict]:
    windows = []
    for line in lines(text):
        match = WINDOW_RE.match(line)
        if not match:
            raise ValidationError.on(
                "unavailable_windows",
                _("Write each line as: tue 09:00-12:00 Meetings (%(line)s)", line=line),
            )
        day, start, end, label = match.groups()
        windows.append({"weekday": day.lower(), "start": start, "end": end, "label": label.strip()})
    return windows


def _planned(text: str, zone: str) -> list[dict]:
    planned = []
    for line in lines(text):
        parts = [p.strip() for p in line.split("|")]
        if len(parts) != 3:
            raise ValidationError.on(
                "scheduled_statuses",
                _("Write each line as: start | end | status (%(line)s)", line=line),
            )
        starts = local_moment(parts[0], zone, "scheduled_statuses")
        ends = local_moment(parts[1], zone, "scheduled_statuses")
        planned.append(
            {"starts_at": starts.isoformat(), "ends_at": ends.isoformat(), "text": parts[2]}
        )
    return planned


def _call_types(text: str) -> list[dict]:
    types = []
    for line in lines(text):
        name, _sep, questions = line.partition(":")
        types.append(
            {
                "name": name.strip(),
                "questions": [q.strip() for q in questions.split("|") if q.strip()],
            }
        )
    return types


# A multiple choice with nothing chosen is not sent at all: it is always read.
ALWAYS_READ = {"channels"}


def _ring_seconds(text: str | None) -> int:
    ring = (text or "").strip()
    if not ring.isdigit():
        raise ValidationError.on("ring_seconds", _("Enter a whole number of seconds."))
    return int(ring)


def rules_data(form: CallRulesForm, zone: str, extra: dict) -> dict:
    """The form in the API's shape, for a partial save: only the fields the post carried
    (a field left out changes nothing); ``extra`` holds numbers read from uploaded CSVs."""
    readers = {
        "client_phone": lambda text: (text or "").strip() or None,
        "vip_numbers": lambda text: lines(text) + extra.get("vip_numbers", []),
        "forward_numbers": lines,
        "block_numbers": lambda text: lines(text) + extra.get("block_numbers", []),
        "transfer_mode": lambda value: value,
        "ring_mode": lambda value: value,
        "ring_seconds": _ring_seconds,
        "urgent_keywords": commas,
        "channels": lambda chosen: chosen or [],
        "digest_times": commas,
        "business_hours": lambda text: weekly_hours(text, "business_hours"),
        "unavailable_windows": _windows,
        "scheduled_statuses": lambda text: _planned(text, zone),
        "status_templates": lines,
        "call_types": _call_types,
    }
    carried = {name for name in readers if name in ALWAYS_READ or form[name].raw_data}
    return {name: readers[name](form[name].data) for name in carried | set(extra)}


def fill_rules_form(form: CallRulesForm, view: dict, zone: str) -> None:
    """Show the saved rules in the form's plain-text shapes."""
    tz = ZoneInfo(zone)
    form.client_phone.data = view["client_phone"] or ""
    form.vip_numbers.data = "\n".join(view["vip_numbers"])
    form.forward_numbers.data = "\n".join(view["forward_numbers"])
    form.block_numbers.data = "\n".join(view["block_numbers"])
    form.transfer_mode.data, form.ring_mode.data = view["transfer_mode"], view["ring_mode"]
    form.ring_seconds.data = str(view["ring_seconds"])
    form.urgent_keywords.data = ", ".join(view["urgent_keywords"])
    form.channels.data = view["channels"]
    form.digest_times.data = ", ".join(view["digest_times"])
    form.business_hours.data = show_weekly_hours(view["business_hours"] or {})
    form.unavailable_windows.data = "\n".join(
        f"{w['weekday']} {w['start']}-{w['end']} {w.get('label', '')}".strip()
        for w in view["unavailable_windows"]
    )
    form.scheduled_statuses.data = "\n".join(
        " | ".join(
            (
                datetime.fromisoformat(p["starts_at"]).astimezone(tz).strftime("%Y-%m-%d %H:%M"),
                datetime.fromisoformat(p["ends_at"]).astimezone(tz).strftime("%Y-%m-%d %H:%M"),
                p["text"],
            )
        )
        for p in view["scheduled_statuses"]
    )
    form.status_templates.data = "\n".join(view["status_templates"])
    form.call_types.data = "\n".join(
        f"{t['name']}: {' | '.join(t['questions'])}" for t in view["call_types"]
    )
