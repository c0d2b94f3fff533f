"""Booking confirmations forwarded to the client's address become proposed trip segments:
airlines, hotels, railways and car hire firms put schema.org reservation data in their
mails (JSON-LD or microdata: ``FlightReservation``, ``LodgingReservation``,
``TrainReservation``, ``RentalCarReservation``). The mail reading job finds them
(``extruct``) and keeps each as a segment the secretary adds to a trip or sets aside on
the desk. A mail without such data stays ordinary mail; data that cannot be read is
noted on the mail, never half-kept, and the mail still becomes its item."""

import json

from flask_babel import gettext as _
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from agency.domains.clients.models import Client
from agency.domains.mail.models import InboundEmail
from agency.domains.travel import trips
from agency.domains.travel.models import (
    ProposedSegment,
    SegmentKind,
    Trip,
    TripSegment,
    TripStatus,
)
from agency.kernel import clock
from agency.kernel.database import db
from agency.kernel.errors import Conflict, NotFound, ValidationError
from agency.kernel.records import values_for

MARK = "schema.org"
MOST = 10  # reservations kept from one mail
UNREADABLE = "unreadable"
READ_ERRORS = (ValueError, TypeError, KeyError, AttributeError, IndexError, json.JSONDecodeError)


def _first(value):
    return value[0] if isinstance(value, list) and value else value


def _text(value, most: int = 200) -> str | None:
    value = _first(value)
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value")
    return str(value).strip()[:most] or None if value not in (None, "") else None


def _types(entry: dict) -> list[str]:
    found = entry.get("@type") or []
    found = found if isinstance(found, list) else [found]
    return [str(t).rsplit("/", 1)[-1] for t in found]


def _address(value) -> str | None:
    value = _first(value)
    if isinstance(value, dict):
        parts = ("streetAddress", "addressLocality", "postalCode", "addressCountry")
        value = ", ".join(_text(value.get(p)) or "" for p in parts if value.get(p))
    return _text(value, 300)


def _seat(reservation: dict) -> str | None:
    ticket = _first(reservation.get("reservedTicket")) or {}
    seat = _first(ticket.get("ticketedSeat")) if isinstance(ticket, dict) else None
    return _text(seat.get("seatNumber"), 20) if isinstance(seat, dict) else None


def _flight(reservation: dict, leg: dict) -> dict:
    airline = _first(leg.get("airline")) or {}
    code = _text(airline.get("iataCode"), 3) if isinstance(airline, dict) else None
    number = _text(leg.get("flightNumber"), 20) or ""
    if code and not number.upper().startswith(code.upper()):
        number = f"{code} {number}"
    return {
        "kind": SegmentKind.flight.value,
        "from": _text((_first(leg.get("departureAirport")) or {}).get("iataCode"), 3),
        "to": _text((_first(leg.get("arrivalAirport")) or {}).get("iataCode"), 3),
        "number": number[:20] or None,
        "carrier": _text(airline, 100),
        "departs": _text(leg.get("departureTime"), 40),
        "arrives": _text(leg.get("arrivalTime"), 40),
    }


def _hotel(reservation: dict, place: dict) -> dict:
    return {
        "kind": SegmentKind.hotel.value,
        "name": _text(place.get("name")),
        "address": _address(place.get("address")),
        "check_in": (_text(reservation.get("checkinTime") or reservation.get("checkinDate"), 40)
                     or "")[:10] or None,
        "check_out": (_text(reservation.get("checkoutTime") or reservation.get("checkoutDate"),
                            40) or "")[:10] or None,
    }  # fmt: skip


def _train(reservation: dict, leg: dict) -> dict:
    return {
        "kind": SegmentKind.train.value,
        "from": _text(leg.get("departureStation")),
        "to": _text(leg.get("arrivalStation")),
        "number": _text(leg.get("trainNumber"), 20),
        "carrier": _text(leg.get("provider") or reservation.get("provider"), 100),
        "departs": _text(leg.get("departureTime"), 40),
        "arrives": _text(leg.get("arrivalTime"), 40),
    }


def _car(reservation: dict, car: dict) -> dict:
    return {
        "kind": SegmentKind.car.value,
        "from": _text(reservation.get("pickupLocation")),
        "to": _text(reservation.get("dropoffLocation")),
        "carrier": _text(reservation.get("provider") or car.get("brand"), 100),
        "departs": _text(reservation.get("pickupTime"), 40),
        "arrives": _text(reservation.get("dropoffTime"), 40),
    }


READERS = {
    "FlightReservation": _flight,
    "LodgingReservation": _hotel,
    "TrainReservation": _train,
    "RentalCarReservation": _car,
}


def _entries(data) -> list[dict]:
    """Every object of the extracted data, ``@graph`` lists opened."""
    found, pending = [], list(data if isinstance(data, list) else [data])
    while pending:
        entry = pending.pop(0)
        if isinstance(entry, list):
            pending += entry
        elif isinstance(entry, dict):
            found.append(entry)
            pending += entry.get("@graph") or []
    return found


def _html_parts(message):
    """The HTML of the message and of any message attached to it (a forward)."""
    for part in message.walk():
        if part.get_content_type() != "text/html":
            continue
        try:
            yield part.get_content()
        except READ_ERRORS + (LookupError,):
            continue


def _unreadable(problem: str) -> dict:
    return {"kind": UNREADABLE, "segment": {}, "problem": problem}


def read(message) -> list[dict]:
    """The reservations in the message: each ``{"kind", "segment", "problem"}``, the
    segment as a trip takes it; a block that cannot be read is one entry with only its
    problem."""
    found = []
    for html in _html_parts(message):
        if MARK not in html:
            continue
        import extruct  # heavy (rdflib): loaded by the first mail that needs it

        try:
            data = extruct.extract(
                html, syntaxes=["json-ld", "microdata"], uniform=True, errors="strict"
            )
        except Exception:  # noqa: BLE001 - any failure of a sender's markup is theirs
            found.append(_unreadable(_("The reservation data in this mail cannot be read.")))
            continue
        for entry in _entries(data.get("json-ld", []) + data.get("microdata", [])):
            reader = next((READERS[t] for t in _types(entry) if t in READERS), None)
            if reader is None:
                continue
            try:
                subject = _first(entry.get("reservationFor")) or {}
                segment = {k: v for k, v in reader(entry, subject).items() if v}
            except READ_ERRORS:
                found.append(_unreadable(_("A reservation in this mail cannot be read.")))
                continue
            reference = _text(entry.get("reservationNumber"), 100)
            seat = _seat(entry)
            segment |= {k: v for k, v in (("reference", reference), ("seat", seat)) if v}
            found.append({"kind": segment["kind"], "segment": segment, "problem": None})
    return found[:MOST]


def propose(email: InboundEmail, message) -> int:
    """Keep the message's reservations as proposed segments (in the caller's
    transaction), each checked as a trip would check it; how many."""
    found = read(message)
    if not found:
        return 0
    client = db.session.get(Client, email.client_id)
    count = 0
    for each in found:
        problem = each["problem"] or trips.problem_of(client, each["segment"])
        db.session.add(
            ProposedSegment(
                client_id=email.client_id,
                email_id=email.id,
                kind=each["kind"],
                segment=each["segment"],
                problem=(problem or None) and problem[:300],
                status=UNREADABLE if each["kind"] == UNREADABLE else "proposed",
            )
        )
        count += 1
    return count


def of_item(item) -> list[ProposedSegment]:
    """The reservations found in the mail of a desk item."""
    return db.session.scalars(
        select(ProposedSegment)
        .join(InboundEmail, InboundEmail.id == ProposedSegment.email_id)
        .where(InboundEmail.work_item_id == item.id)
        .order_by(ProposedSegment.id)
    ).all()


def waiting(client: Client) -> list[ProposedSegment]:
    return db.session.scalars(
        select(ProposedSegment)
        .where(ProposedSegment.client_id == client.id, ProposedSegment.status == "proposed")
        .order_by(ProposedSegment.id)
    ).all()


def proposal_of(client: Client, proposal_id) -> ProposedSegment:
    found = db.session.scalar(
        select(ProposedSegment).where(
            ProposedSegment.id == proposal_id, ProposedSegment.client_id == client.id
        )
    )
    if found is None:
        raise NotFound()
    return found


class AcceptSchema(Schema):
    trip_id = fields.Integer(load_default=None, allow_none=True)
    trip_title = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=200)
    )


def accept(client: Client, proposal: ProposedSegment, data: dict, user=None):
    """Add the proposed segment to one of the client's planned trips (``trip_id``) or to
    a new trip (``trip_title``); the segment made."""
    values = values_for(AcceptSchema(), data)
    if proposal.status != "proposed":
        raise Conflict(_("This reservation was dealt with already."))
    if values["trip_id"] is not None:
        trip = db.session.scalar(
            select(Trip).where(Trip.id == values["trip_id"], Trip.client_id == client.id)
        )
        if trip is None or trip.status != TripStatus.planned.value:
            raise ValidationError.on("trip_id", _("Choose a planned trip of this client."))
        trips.check(client, proposal.segment)
    else:
        title = (values["trip_title"] or "").strip()
        if not title:
            raise ValidationError.on("trip_title", _("Choose a trip or name a new one."))
        trips.check(client, proposal.segment)
        trip = trips.create_trip(client, {"title": title}, user, commit=False)
    segment = trips.add_segment(trip, proposal.segment)
    proposal.status, proposal.segment_id, proposal.decided_at = "added", segment.id, clock.now()
    db.session.commit()
    return segment


def dismiss(proposal: ProposedSegment) -> None:
    if proposal.status != "proposed":
        raise Conflict(_("This reservation was dealt with already."))
    proposal.status, proposal.decided_at = "dismissed", clock.now()
    db.session.commit()


def summary(proposal: ProposedSegment) -> str:
    """The proposed segment in a few words, with when it starts as the mail says."""
    given = proposal.segment or {}
    if proposal.kind == UNREADABLE:
        return proposal.problem or ""
    title = trips.segment_title(
        TripSegment(kind=proposal.kind, origin=given.get("from"), destination=given.get("to"),
                    number=given.get("number"), name=given.get("name"),
                    carrier=given.get("carrier"))
    )  # fmt: skip
    when = given.get("departs") or given.get("check_in") or ""
    return f"{title} · {when.replace('T', ' ')[:16]}" if when else title


def view(proposal: ProposedSegment) -> dict:
    return {
        "id": proposal.id,
        "email_id": proposal.email_id,
        "kind": proposal.kind,
        "segment": proposal.segment,
        "problem": proposal.problem,
        "status": proposal.status,
        "summary": summary(proposal),
        "segment_id": proposal.segment_id,
        "created_at": proposal.created_at,
    }
