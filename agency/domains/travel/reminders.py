"""Reminders before the client's travel, by the client's channels (email, and a text
when they asked for texts), at the times their travel preferences set: when a flight's
online check-in opens, when to leave for the airport, and before a hotel's check-in.
Each is sent once per segment, however often the minute tick runs."""

from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from agency.domains.calls import messages as call_messages
from agency.domains.calls.models import Channel
from agency.domains.calls.services import rules_for
from agency.domains.notify.language import queue_email_to
from agency.domains.travel import trips
from agency.domains.travel.models import (
    SegmentKind,
    TravelPreferences,
    Trip,
    TripSegment,
    TripStatus,
)
from agency.domains.travel.preferences import REMINDER_DEFAULTS
from agency.kernel.database import db
from agency.kernel.i18n import format_in_zone

# The furthest ahead a reminder can be (check-in opening: at most three days).
HORIZON = timedelta(days=3)


def _leads(settings: TravelPreferences | None) -> dict[str, timedelta]:
    """How long before a segment each reminder goes; none when set to 0."""
    chosen = {k: getattr(settings, k) if settings else v for k, v in REMINDER_DEFAULTS.items()}
    return {
        key: lead
        for key, lead in (
            ("checkin", timedelta(hours=chosen["checkin_hours"])),
            ("leave", timedelta(minutes=chosen["leave_minutes"])),
            ("hotel", timedelta(hours=chosen["hotel_hours"])),
        )
        if lead
    }


KINDS = {"checkin": SegmentKind.flight, "leave": SegmentKind.flight, "hotel": SegmentKind.hotel}


def due(segment: TripSegment, leads: dict[str, timedelta], now: datetime) -> list[str]:
    """The reminders of ``segment`` due at ``now`` and not sent yet."""
    return [
        key
        for key, lead in leads.items()
        if KINDS[key] == segment.kind
        and key not in (segment.reminded or [])
        and segment.starts_at - lead <= now < segment.starts_at
    ]


def send_due(now: datetime) -> int:
    """Send the current agency's travel reminders due now; how many."""
    coming = db.session.scalars(
        select(TripSegment)
        .join(Trip, Trip.id == TripSegment.trip_id)
        .where(
            Trip.status == TripStatus.planned.value,
            TripSegment.kind.in_([SegmentKind.flight.value, SegmentKind.hotel.value]),
            TripSegment.starts_at > now,
            TripSegment.starts_at <= now + HORIZON,
        )
        .order_by(TripSegment.starts_at)
        .limit(500)
    ).all()
    settings = {
        p.client_id: p
        for p in db.session.scalars(
            select(TravelPreferences).where(
                TravelPreferences.client_id.in_({s.trip.client_id for s in coming})
            )
        )
    }
    sent = 0
    for segment in coming:
        for key in due(segment, _leads(settings.get(segment.trip.client_id)), now):
            _remind(segment, key)
            sent += 1
    return sent


def _words(segment: TripSegment, key: str):
    def compose() -> tuple[str, str]:
        title = trips.segment_title(segment)
        when = format_in_zone(segment.starts_at, segment.start_zone)
        subject = {
            "checkin": _("Check-in is open: %(title)s", title=title),
            "leave": _("Time to leave for the airport: %(title)s", title=title),
            "hotel": _("Hotel check-in today: %(title)s", title=title),
        }[key]
        lines = [
            _("Leaves %(when)s", when=when)
            if key != "hotel"
            else _("Check-in %(when)s", when=when),
        ]
        if segment.origin and key != "hotel":
            lines.append(_("From: %(place)s", place=segment.origin))
        if segment.address:
            lines.append(segment.address)
        if segment.reference:
            lines.append(_("Reference: %(value)s", value=segment.reference))
        if segment.seat:
            lines.append(_("Seat: %(value)s", value=segment.seat))
        return subject, "\n".join(lines)

    return compose


def _remind(segment: TripSegment, key: str) -> None:
    client = segment.trip.client
    channels = rules_for(client).channels or [Channel.email.value]
    segment.reminded = [*(segment.reminded or []), key]  # a new list: the column sees it
    compose = _words(segment, key)
    if Channel.email.value in channels and client.email:
        queue_email_to(client.email, compose, "travel_reminder")
    db.session.commit()  # reminded: a text that fails is not sent twice
    if Channel.sms.value in channels:
        call_messages.send_text(client, lambda: "\n".join(compose()))
