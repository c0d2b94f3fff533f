"""The client's public booking page: the client's contacts book a meeting of one of its
types ("30-minute intro call") at a free time by the client's meeting rules, without
signing in. A booking is a meeting like any other: confirmed in the calendar, the
invitation sent to the one who booked, a meeting item on the desk. The page shows only
free times: busy is just busy. While the client is away, it says so and offers times
after their return."""

import re
import secrets
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from agency.domains.calendar import meetings, slots
from agency.domains.calendar.models import BookingPage, MeetingInvitee, MeetingRequest
from agency.domains.clients.models import Client
from agency.domains.work.creation import create_item
from agency.kernel import clock, links, validation
from agency.kernel.database import db
from agency.kernel.errors import BadInput, Conflict, NotFound, ValidationError
from agency.kernel.records import values_for
from tenants import directory

ADDRESS = re.compile(r"([1-9][0-9]{0,8})-[A-Za-z0-9_-]{16}", re.ASCII)
# How far ahead the page offers times, and how many a day at most (spread over it).
DAYS_AHEAD = 14
PER_DAY = 6


class TypeSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    minutes = fields.Integer(required=True, validate=validate.Range(5, 480))
    location = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=300))


class BookingPageSchema(Schema):
    """The client's booking page: on or off, its meeting types, and an away period."""

    enabled = fields.Boolean(load_default=False)
    types = fields.List(
        fields.Nested(TypeSchema), load_default=list, validate=validate.Length(max=10)
    )
    away_from = fields.Date(load_default=None, allow_none=True)
    away_to = fields.Date(load_default=None, allow_none=True)
    away_message = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=500)
    )
    url = fields.String(dump_only=True, allow_none=True)


class BookSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    email = validation.Checked(validation.email, required=True)


def page_of(client: Client) -> BookingPage | None:
    return db.session.scalar(select(BookingPage).where(BookingPage.client_id == client.id))


def save(client: Client, data: dict) -> BookingPage:
    values = values_for(BookingPageSchema(), data)
    if values["enabled"] and not values["types"]:
        raise ValidationError.on("types", _("Give at least one kind of meeting to book."))
    away_from, away_to = values.get("away_from"), values.get("away_to")
    if (away_from is None) != (away_to is None):
        raise ValidationError.on("away_to", _("Give both the first and the last day away."))
    if away_from and away_to < away_from:
        raise ValidationError.on("away_to", _("The last day comes before the first."))
    page = page_of(client)
    if page is None:
        page = BookingPage(client_id=client.id, address=_new_address(client.agency_id))
        db.session.add(page)
    page.enabled, page.types = values["enabled"], values["types"]
    page.away_from, page.away_to = away_from, away_to
    page.away_message = (values.get("away_message") or "").strip() or None
    page.updated_at = clock.now()
    db.session.commit()
    return page


def _new_address(agency_id: int) -> str:
    return f"{agency_id}-{secrets.token_urlsafe(12)}"


def view(page: BookingPage | None) -> dict:
    if page is None:
        return {"enabled": False, "types": [], "away_from": None, "away_to": None,
                "away_message": None, "url": None}  # fmt: skip
    return {
        "enabled": page.enabled,
        "types": page.types,
        "away_from": page.away_from,
        "away_to": page.away_to,
        "away_message": page.away_message,
        "url": links.external_url("public.book", address=page.address),
    }


def agency_of(address: str) -> int:
    shape = ADDRESS.fullmatch(address or "")
    agency = directory.agency(int(shape.group(1))) if shape else None
    if agency is None:
        raise NotFound()
    return agency.id


def find(address: str) -> BookingPage:
    """The live page at ``address`` in the current agency, or 404."""
    page = db.session.scalar(
        select(BookingPage)
        .join(Client, Client.id == BookingPage.client_id)
        .where(
            BookingPage.address == address,
            BookingPage.enabled.is_(True),
            Client.archived_at.is_(None),
        )
    )
    if page is None:
        raise NotFound()
    return page


def kind_of(page: BookingPage, index) -> dict:
    try:
        return page.types[int(index)]
    except (TypeError, ValueError, IndexError) as exc:
        raise BadInput(_("Choose one of the kinds of meeting.")) from exc


def away(page: BookingPage, today: date) -> bool:
    return bool(page.away_from and page.away_from <= today <= page.away_to)


def times(page: BookingPage, kind: dict) -> list[dict]:
    """Free times for ``kind`` over the next DAYS_AHEAD days (after the away period)."""
    client = page.client
    today = clock.now().astimezone(ZoneInfo(client.timezone)).date()
    first = page.away_to + timedelta(days=1) if away(page, today) else today
    last = first + timedelta(DAYS_AHEAD - 1)
    found = slots.free_slots(client, kind["minutes"], first, last, most=DAYS_AHEAD * 96)
    zone = ZoneInfo(client.timezone)
    if page.away_from and page.away_to:
        found = [
            s for s in found
            if not page.away_from <= s["starts_at"].astimezone(zone).date() <= page.away_to
        ]  # fmt: skip
    return _spread(found, zone)


def _spread(found: list[dict], zone) -> list[dict]:
    """At most PER_DAY times a day, evenly over the day's free times (a phone shows a
    short list); each with its day on the client's clock."""
    by_day: dict = {}
    for slot in found:
        by_day.setdefault(slot["starts_at"].astimezone(zone).date(), []).append(slot)
    chosen = []
    for day, day_slots in by_day.items():
        if len(day_slots) > PER_DAY:
            step = (len(day_slots) - 1) / (PER_DAY - 1)
            day_slots = [day_slots[round(n * step)] for n in range(PER_DAY)]
        chosen += [{**slot, "day": day} for slot in day_slots]
    return chosen


def book(page: BookingPage, index, start_text: str, data: dict) -> MeetingRequest:
    """Book ``start`` for the person in ``data``: a confirmed meeting, or 409 when the
    time has just gone."""
    person = values_for(BookSchema(), data)
    kind = kind_of(page, index)
    try:
        start = datetime.fromisoformat(start_text)
    except (TypeError, ValueError) as exc:
        raise BadInput(_("Choose one of the times offered.")) from exc
    db.session.get(BookingPage, page.id, with_for_update=True)  # one booking at a time
    if start not in [s["starts_at"] for s in times(page, kind)]:
        raise Conflict(_("That time has just been taken: choose another."))
    client = page.client
    request = MeetingRequest(
        client_id=client.id,
        title=_("%(kind)s with %(name)s", kind=kind["name"], name=person["name"])[:300],
        minutes=kind["minutes"],
        location=kind.get("location"),
        offered=[start.isoformat()],
        status="open",
    )
    db.session.add(request)
    db.session.flush()
    invitee = MeetingInvitee(request_id=request.id, email=person["email"], name=person["name"])
    db.session.add(invitee)
    db.session.flush()
    meetings.pick(invitee, start)
    item, _made = create_item(
        {
            "client_id": client.id,
            "kind": "meeting",
            "title": _("Booked: %(title)s", title=request.title)[:300],
            "source": "portal",
            "source_key": f"booking-{request.id}",
        },
        commit=False,
    )
    request.item_id = item.id
    db.session.commit()
    return request
