"""The client's day, kept: the meetings and travel of their calendar, the bills due or
overdue, and the calls to return. The same agenda is on the portal's home page and, when
the client asks for it, in an email at the hour they choose (once a day)."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from marshmallow import Schema, fields, validate
from sqlalchemy import select, update

from agency.domains.agenda.models import AgendaSettings
from agency.domains.calendar import events
from agency.domains.calls.models import Message
from agency.domains.clients.models import Client
from agency.domains.notify.language import queue_email_to
from agency.domains.paperwork.models import Bill, BillStatus
from agency.kernel import clock
from agency.kernel.database import db
from agency.kernel.i18n import format_in_zone, money
from agency.kernel.records import values_for

OPEN_BILLS = (BillStatus.received.value, BillStatus.approved.value, BillStatus.scheduled.value)


class SettingsSchema(Schema):
    enabled = fields.Boolean(load_default=False)
    hour = fields.Integer(load_default=7, validate=validate.Range(0, 23))


def settings_of(client: Client) -> AgendaSettings | None:
    return db.session.scalar(select(AgendaSettings).where(AgendaSettings.client_id == client.id))


def settings_view(client: Client) -> dict:
    found = settings_of(client)
    return {"enabled": bool(found and found.enabled), "hour": found.hour if found else 7}


def save_settings(client: Client, data: dict) -> AgendaSettings:
    values = values_for(SettingsSchema(), data)
    found = settings_of(client) or AgendaSettings(client_id=client.id)
    found.enabled, found.hour = values["enabled"], values["hour"]
    db.session.add(found)
    db.session.commit()
    return found


def agenda(client: Client, day: date) -> dict:
    """The client's ``day`` (on their clock): events, bills due that day or before and
    not settled, and the calls waiting to be returned."""
    zone = ZoneInfo(client.timezone)
    starts = datetime.combine(day, time(0), tzinfo=zone)
    ends = starts + timedelta(days=1)
    happening = [e for e in events.between(client, starts, ends) if e.cancelled_at is None]
    bills = db.session.scalars(
        select(Bill)
        .where(Bill.client_id == client.id, Bill.status.in_(OPEN_BILLS), Bill.due_on <= day)
        .order_by(Bill.due_on, Bill.id)
    ).all()
    calls = db.session.scalars(
        select(Message)
        .where(
            Message.client_id == client.id,
            Message.callback_wanted.is_(True),
            Message.handled_at.is_(None),
        )
        .order_by(Message.created_at)
        .limit(50)
    ).all()
    return {"day": day, "events": happening, "bills": bills, "calls": calls}


def today_of(client: Client, now: datetime | None = None) -> date:
    return (now or clock.now()).astimezone(ZoneInfo(client.timezone)).date()


def text(client: Client, found: dict) -> str:
    """The agenda as an email's text, in the current language."""
    lines = [_("Your day, %(day)s", day=found["day"].isoformat()), ""]
    lines.append(_("In your calendar:"))
    for event in found["events"] or []:
        lines.append(f"- {format_in_zone(event.starts_at, client.timezone)}  {event.title}")
    if not found["events"]:
        lines.append("- " + _("nothing"))
    if found["bills"]:
        lines += ["", _("Bills to pay:")]
        for bill in found["bills"]:
            late = _(" (overdue)") if bill.due_on < found["day"] else ""
            lines.append(f"- {bill.supplier}: {money(bill.amount_minor, bill.currency)}{late}")
    if found["calls"]:
        lines += ["", _("Calls to return:")]
        for call in found["calls"]:
            who = call.caller_name or call.number or _("Unknown caller")
            lines.append(
                f"- {who}" + (f" ({call.number})" if call.number else "") + f": {call.reason}"
            )
    return "\n".join(lines)


def send_due(now: datetime) -> int:
    """Email each client who asked for it their day's agenda, from their hour on, once a
    day (the day is claimed by one conditional update, so a second job sends nothing)."""
    chosen = db.session.scalars(
        select(AgendaSettings).where(AgendaSettings.enabled.is_(True))
    ).all()
    sent = 0
    for settings in chosen:
        client = db.session.get(Client, settings.client_id)
        if client is None or not client.email:
            continue
        local = now.astimezone(ZoneInfo(client.timezone))
        if local.hour < settings.hour or settings.last_sent_on == local.date():
            continue
        claimed = db.session.execute(
            update(AgendaSettings)
            .where(
                AgendaSettings.id == settings.id,
                (AgendaSettings.last_sent_on.is_(None))
                | (AgendaSettings.last_sent_on != local.date()),
            )
            .values(last_sent_on=local.date())
        ).rowcount
        if not claimed:
            db.session.rollback()
            continue
        found = agenda(client, local.date())

        def compose(found=found, client=client) -> tuple[str, str]:
            return _("Your day: %(day)s", day=found["day"].isoformat()), text(client, found)

        queue_email_to(client.email, compose, "daily_agenda")
        db.session.commit()
        sent += 1
    return sent
