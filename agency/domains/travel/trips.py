"""A client's trips: made by the secretary, seen by the client. Each segment is checked
for its kind (a flight between known airports, arriving after it leaves; a hotel's
check-out after its check-in), kept in UTC with the zone of each end, and shown in the
client's calendar as a travel event (and so in the feed and the client's own calendar
server); removing it or cancelling the trip cancels the event."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import force_locale
from flask_babel import gettext as _
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from agency.domains.calendar import events
from agency.domains.calendar.ics import client_locale
from agency.domains.calendar.models import EventKind
from agency.domains.clients.models import Client
from agency.domains.travel.airports import airport
from agency.domains.travel.models import SegmentKind, Trip, TripSegment, TripStatus
from agency.domains.work.creation import create_item
from agency.domains.work.events import aware
from agency.kernel import clock, validation
from agency.kernel.database import db
from agency.kernel.errors import Conflict, NotFound, ValidationError
from agency.kernel.records import values_for

# A hotel's usual hours, on its own clock, and the longest a segment may last.
CHECK_IN, CHECK_OUT = time(15), time(11)
LONGEST = timedelta(days=90)


def _text(most: int, **kwargs):
    return fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=most), **kwargs
    )


class TripSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    travellers = fields.List(
        fields.String(validate=validate.Length(min=1, max=200)),
        load_default=list,
        validate=validate.Length(max=20),
    )
    notes = _text(5000)


class SegmentSchema(Schema):
    """A segment as given: local times without an offset are on the clock of the place
    (a flight's airports; else ``from_zone`` and ``to_zone``, the client's by default)."""

    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in SegmentKind]))
    origin = _text(200, data_key="from")
    destination = _text(200, data_key="to")
    departs = fields.DateTime(load_default=None, allow_none=True)
    arrives = fields.DateTime(load_default=None, allow_none=True)
    check_in = fields.Date(load_default=None, allow_none=True)
    check_out = fields.Date(load_default=None, allow_none=True)
    from_zone = validation.Checked(validation.timezone, load_default=None, allow_none=True)
    to_zone = validation.Checked(validation.timezone, load_default=None, allow_none=True)
    carrier = _text(100)
    number = _text(20)
    seat = _text(20)
    reference = _text(100)
    name = _text(200)
    address = _text(300)
    notes = _text(5000)


_TRIP, _SEGMENT = TripSchema(), SegmentSchema()


def _tidy(values: dict) -> dict:
    return {k: (v.strip() or None) if isinstance(v, str) else v for k, v in values.items()}


def _required(values: dict, *names: str) -> None:
    missing = {n: [_("Required for this kind of segment.")] for n in names if not values.get(n)}
    if missing:
        raise ValidationError(_("Some fields are missing."), fields=_as_given(missing))


def _as_given(found: dict) -> dict:
    """Field errors under the names the API is given (``from``, ``to``)."""
    names = {"origin": "from", "destination": "to"}
    return {names.get(k, k): v for k, v in found.items()}


def _airport_zone(code: str, field: str) -> tuple[str, str]:
    found = airport(code)
    if found is None or not found.get("tz"):
        raise ValidationError.on(field, _("Unknown airport code: %(code)s.", code=code))
    return found["iata"], found["tz"]


def _moment(values: dict, name: str, zone: str) -> datetime:
    return aware(values[name], zone, name)


def _checked(starts: datetime, ends: datetime, field: str, message: str) -> None:
    if ends <= starts:
        raise ValidationError.on(field, message)
    if ends - starts > LONGEST:
        raise ValidationError.on(field, _("A segment lasts 90 days at most."))


def _columns(client: Client, values: dict) -> dict:
    """The segment's columns from loaded ``values``, checked for its kind."""
    values = _tidy(values)
    kind = values["kind"]
    home = client.timezone
    row = {
        name: values.get(name)
        for name in ("carrier", "number", "seat", "reference", "name", "address", "notes")
    }
    row["kind"] = kind
    if kind == SegmentKind.hotel:
        _required(values, "name", "check_in", "check_out")
        zone = values.get("from_zone") or home
        starts = datetime.combine(values["check_in"], CHECK_IN, tzinfo=ZoneInfo(zone))
        ends = datetime.combine(values["check_out"], CHECK_OUT, tzinfo=ZoneInfo(zone))
        if values["check_out"] <= values["check_in"]:
            raise ValidationError.on("check_out", _("The check-out must come after the check-in."))
        _checked(starts, ends, "check_out", _("The check-out must come after the check-in."))
        return {**row, "starts_at": aware(starts, zone, "check_in"),
                "ends_at": aware(ends, zone, "check_out"), "start_zone": zone,
                "end_zone": zone, "origin": None, "destination": None}  # fmt: skip
    if kind == SegmentKind.flight:
        _required(values, "origin", "destination", "departs", "arrives", "number")
        origin, start_zone = _airport_zone(values["origin"], "from")
        destination, end_zone = _airport_zone(values["destination"], "to")
    elif kind == SegmentKind.train:
        _required(values, "origin", "destination", "departs", "arrives")
        origin, destination = values["origin"], values["destination"]
        start_zone = values.get("from_zone") or home
        end_zone = values.get("to_zone") or start_zone
    elif kind == SegmentKind.car:
        _required(values, "origin", "departs", "arrives")
        origin, destination = values["origin"], values.get("destination") or values["origin"]
        start_zone = values.get("from_zone") or home
        end_zone = values.get("to_zone") or start_zone
    else:
        _required(values, "name", "departs", "arrives")
        origin, destination = values.get("origin"), values.get("destination")
        start_zone = values.get("from_zone") or home
        end_zone = values.get("to_zone") or start_zone
    starts = _moment(values, "departs", start_zone)
    ends = _moment(values, "arrives", end_zone)
    _checked(starts, ends, "arrives", _("The arrival must come after the departure."))
    return {**row, "origin": origin, "destination": destination, "starts_at": starts,
            "ends_at": ends, "start_zone": start_zone, "end_zone": end_zone}  # fmt: skip


def segment_title(segment: TripSegment) -> str:
    """The segment in a few words, in the current language."""
    route = " → ".join(p for p in (segment.origin, segment.destination) if p)
    if segment.kind == SegmentKind.flight:
        return _("Flight %(number)s %(route)s", number=segment.number, route=route)
    if segment.kind == SegmentKind.train:
        return _("Train %(route)s", route=" ".join(p for p in (segment.number, route) if p))
    if segment.kind == SegmentKind.hotel:
        return _("Hotel: %(name)s", name=segment.name)
    if segment.kind == SegmentKind.car:
        return _("Car hire: %(place)s", place=" ".join(p for p in (segment.carrier, route) if p))
    return segment.name or _("Travel")


def _event_fields(client: Client, segment: TripSegment) -> dict:
    with force_locale(client_locale(client)):
        title = segment_title(segment)
        notes = "\n".join(
            line
            for line in (
                segment.reference and _("Reference: %(value)s", value=segment.reference),
                segment.seat and _("Seat: %(value)s", value=segment.seat),
                segment.notes,
            )
            if line
        )
    location = segment.address or (segment.origin if segment.kind != SegmentKind.hotel else None)
    return {
        "kind": EventKind.travel.value,
        "title": title[:300],
        "starts_at": segment.starts_at.isoformat(),
        "ends_at": segment.ends_at.isoformat(),
        "timezone": segment.start_zone,
        # A hotel stay or a hired car leaves the client free for meetings.
        "busy": segment.kind not in (SegmentKind.hotel, SegmentKind.car),
        "location": (location or "")[:300] or None,
        "notes": notes or None,
    }


def check(client: Client, data: dict) -> None:
    """Refuse, as ``add_segment`` would, a segment that does not hold together."""
    _columns(client, values_for(_SEGMENT, data))


def problem_of(client: Client, data: dict) -> str | None:
    """Why ``data`` would be refused as a segment, in words; None when it would not."""
    try:
        check(client, data)
    except ValidationError as exc:
        reasons = [m for messages in exc.fields.values() for m in messages]
        return " ".join(dict.fromkeys(reasons)) or exc.message
    return None


def create_trip(client: Client, data: dict, user=None, commit: bool = True) -> Trip:
    values = _tidy(values_for(_TRIP, data))
    trip = Trip(
        client_id=client.id,
        title=values["title"],
        travellers=[t.strip() for t in values["travellers"] if t.strip()],
        notes=values.get("notes"),
        status=TripStatus.planned.value,
        created_by_id=user.id if user else None,
    )
    db.session.add(trip)
    if commit:
        db.session.commit()
    else:
        db.session.flush()
    return trip


def trips_of(client: Client, past: bool = False) -> list[Trip]:
    """The client's trips, soonest first: those not over yet (with ``past``, all)."""
    trips = db.session.scalars(
        select(Trip).where(Trip.client_id == client.id).order_by(Trip.created_at.desc())
    ).all()
    now = clock.now()
    if not past:
        trips = [t for t in trips if not t.segments or t.segments[-1].ends_at > now]
    return sorted(trips, key=lambda t: (t.segments[0].starts_at if t.segments else now, t.id))


def planned(client: Client) -> list[Trip]:
    """The client's trips that may take segments, newest first."""
    return db.session.scalars(
        select(Trip)
        .where(Trip.client_id == client.id, Trip.status == TripStatus.planned.value)
        .order_by(Trip.created_at.desc(), Trip.id.desc())
    ).all()


def trip_of(client: Client, trip_id) -> Trip:
    found = db.session.scalar(select(Trip).where(Trip.id == trip_id, Trip.client_id == client.id))
    if found is None:
        raise NotFound()
    return found


def _open(trip: Trip) -> None:
    if trip.status != TripStatus.planned.value:
        raise Conflict(_("This trip was cancelled."))


def add_segment(trip: Trip, data: dict) -> TripSegment:
    """A new segment, and its travel event in the client's calendar, in one commit."""
    _open(trip)
    client = trip.client
    segment = TripSegment(trip_id=trip.id, **_columns(client, values_for(_SEGMENT, data)))
    db.session.add(segment)
    db.session.flush()
    segment.event_id = events.create(client, _event_fields(client, segment), commit=False).id
    db.session.commit()
    return segment


def segment_of(trip: Trip, segment_id) -> TripSegment:
    found = db.session.scalar(
        select(TripSegment).where(TripSegment.id == segment_id, TripSegment.trip_id == trip.id)
    )
    if found is None:
        raise NotFound()
    return found


def remove_segment(trip: Trip, segment: TripSegment) -> None:
    """The segment goes; its calendar event is cancelled (calendars that copied it see
    it go)."""
    _open(trip)
    event = segment.event
    db.session.delete(segment)
    db.session.commit()
    if event is not None:
        events.cancel(event)


def cancel_trip(trip: Trip) -> Trip:
    if trip.status == TripStatus.cancelled.value:
        return trip
    trip.status, trip.cancelled_at = TripStatus.cancelled.value, clock.now()
    db.session.commit()
    for segment in trip.segments:
        if segment.event is not None:
            events.cancel(segment.event)
    return trip


class ChangeRequestSchema(Schema):
    text = fields.String(required=True, validate=validate.Length(min=1, max=5000))


def ask_for_change(trip: Trip, data: dict, user=None) -> int:
    """The client asks for a change to the trip: a travel item for their secretaries;
    its id."""
    text = values_for(ChangeRequestSchema(), data)["text"].strip()
    if not text:
        raise ValidationError.on("text", _("Say what should change."))
    item, _new = create_item(
        {
            "client_id": trip.client_id,
            "kind": "travel",
            "title": _("Change to the trip %(title)s", title=trip.title)[:300],
            "body": text,
            "source": "portal",
        },
        user.id if user else None,
    )
    return item.id


def span(trip: Trip) -> tuple[datetime, datetime] | None:
    """When the trip starts and ends, in UTC; None without segments."""
    if not trip.segments:
        return None
    return trip.segments[0].starts_at, max(s.ends_at for s in trip.segments)


def view(trip: Trip) -> dict:
    found = span(trip)
    return {
        "id": trip.id,
        "client_id": trip.client_id,
        "title": trip.title,
        "travellers": trip.travellers,
        "notes": trip.notes,
        "status": trip.status,
        "starts_at": found[0] if found else None,
        "ends_at": found[1] if found else None,
        "created_at": trip.created_at,
        "segments": [segment_view(s) for s in trip.segments],
    }


def segment_view(segment: TripSegment) -> dict:
    local_start = segment.starts_at.astimezone(ZoneInfo(segment.start_zone))
    local_end = segment.ends_at.astimezone(ZoneInfo(segment.end_zone))
    return {
        "id": segment.id,
        "kind": segment.kind,
        "title": segment_title(segment),
        "from": segment.origin,
        "to": segment.destination,
        "starts_at": segment.starts_at,
        "ends_at": segment.ends_at,
        "start_zone": segment.start_zone,
        "end_zone": segment.end_zone,
        "departs_local": local_start.replace(tzinfo=None).isoformat(timespec="minutes"),
        "arrives_local": local_end.replace(tzinfo=None).isoformat(timespec="minutes"),
        "carrier": segment.carrier,
        "number": segment.number,
        "seat": segment.seat,
        "reference": segment.reference,
        "name": segment.name,
        "address": segment.address,
        "notes": segment.notes,
        "event_id": segment.event_id,
    }
