"""Reminders before each meeting of the client's calendar, by the client's channels
(email, and a text when the client asked for texts), as long before as the client's
meeting rules say: once per meeting, and again when it moves."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from agency.domains.calendar.ics import client_locale
from agency.domains.calendar.models import CalendarEvent, EventKind, MeetingRules
from agency.domains.calls import messages as call_messages
from agency.domains.calls.models import Channel
from agency.domains.calls.services import rules_for
from agency.domains.mail import settings as mail_settings
from agency.domains.mail.writing import office_name
from agency.domains.notify.language import queue_email_to
from agency.domains.notify.services import queue_email
from agency.kernel.database import db

# The furthest ahead a reminder can be (the rules allow up to a week).
HORIZON = timedelta(days=7)


def send_due(now: datetime) -> int:
    """Remind the current agency's clients of the meetings now within their reminder
    time; how many meetings."""
    rules = {
        client_id: (lead, everyone)
        for client_id, lead, everyone in db.session.execute(
            select(
                MeetingRules.client_id,
                MeetingRules.reminder_minutes,
                MeetingRules.remind_participants,
            )
        )
    }
    coming = db.session.scalars(
        select(CalendarEvent)
        .where(
            CalendarEvent.kind == EventKind.meeting.value,
            CalendarEvent.cancelled_at.is_(None),
            CalendarEvent.reminded_at.is_(None),
            CalendarEvent.starts_at > now,
            CalendarEvent.starts_at <= now + HORIZON,
        )
        .order_by(CalendarEvent.starts_at)
        .limit(500)
    ).all()
    sent = 0
    for event in coming:
        lead, everyone = rules.get(event.client_id, (60, False))
        if lead and event.starts_at - now <= timedelta(minutes=lead):
            _remind(event, now, everyone)
            sent += 1
    return sent


def _remind(event: CalendarEvent, now: datetime, everyone: bool) -> None:
    client = event.client
    channels = rules_for(client).channels or [Channel.email.value]
    event.reminded_at = now
    when = event.starts_at.astimezone(ZoneInfo(client.timezone))

    def words() -> tuple[str, str]:
        subject = _("Reminder: %(title)s at %(time)s", title=event.title, time=f"{when:%H:%M}")
        body = _(
            "%(title)s starts at %(time)s (%(zone)s).",
            title=event.title,
            time=f"{when:%Y-%m-%d %H:%M}",
            zone=client.timezone,
        )
        if event.location:
            body += "\n" + _("Where: %(place)s", place=event.location)
        if event.video_url:
            body += "\n" + event.video_url
        people = [p.get("name") or p["email"] for p in event.attendees or []]
        if people:
            body += "\n" + _("With: %(people)s", people=", ".join(people))
        return subject, body

    if Channel.email.value in channels and client.email:
        queue_email_to(client.email, words, "meeting_reminder")
    if everyone:  # in the client's name and language, from their office
        mail_rules = mail_settings.rules_for(client)
        headers = {
            "From-Name": office_name(client),
            "Reply-To": mail_settings.alias_address(mail_rules),
        }
        with force_locale(client_locale(client)):
            subject, text = words()
        for person in event.attendees or []:
            queue_email(person["email"], subject, text, "meeting_reminder", headers)
    db.session.commit()  # reminded: a text that fails is not sent twice
    if Channel.sms.value in channels:
        call_messages.send_text(client, lambda: "\n".join(words()))
