"""Arranging a meeting: the secretary offers free times of the client's calendar to the
participants, each gets an email in the client's name with a link of their own (no
sign-in) where they pick one of the times or say none fits; the first pick confirms the
meeting: it becomes an event of the client's calendar and every participant gets a
calendar invitation (iTIP REQUEST). Cancelling sends iTIP CANCEL.

Two participants picking at the same moment give one meeting: a pick takes the
request's row lock first, and the second finds it arranged. A time that has become busy
since it was offered is refused at the pick."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import force_locale
from flask_babel import gettext as _
from marshmallow import Schema, fields, validate

from agency.domains.calendar import events, invitations, itip, slots
from agency.domains.calendar.ics import client_locale
from agency.domains.calendar.models import (
    CalendarEvent,
    EventKind,
    MeetingInvitee,
    MeetingRequest,
    RequestStatus,
)
from agency.domains.calendar.schemas import AttendeeSchema, http_url
from agency.domains.clients.models import Client
from agency.domains.mail import drafting
from agency.domains.mail import settings as mail_settings
from agency.domains.mail.writing import office_name
from agency.domains.work import services as work
from agency.domains.work.access import secretary_of
from agency.domains.work.creation import create_item
from agency.domains.work.events import aware
from agency.domains.work.models import OPEN_STATUSES, Status, WorkItem
from agency.kernel import clock, validation
from agency.kernel.database import db
from agency.kernel.errors import BadInput, Conflict, ValidationError
from agency.kernel.i18n import format_in_zone
from agency.kernel.records import values_for

# The most times one request offers.
MOST_OFFERED = 8


class ParticipantSchema(AttendeeSchema):
    timezone = validation.Checked(validation.timezone, load_default=None, allow_none=True)


class RequestSchema(Schema):
    """A meeting to arrange: what, how long, on which of the client's days, with whom."""

    title = fields.String(required=True, validate=validate.Length(min=1, max=300))
    minutes = fields.Integer(required=True, validate=validate.Range(5, 12 * 60))
    on_or_after = fields.Date(data_key="from", required=True)
    on_or_before = fields.Date(data_key="to", required=True)
    participants = fields.List(
        fields.Nested(ParticipantSchema), required=True, validate=validate.Length(min=1, max=20)
    )
    location = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=300))
    video_url = validation.Checked(
        http_url, load_default=None, allow_none=True, validate=validate.Length(max=500)
    )
    # The desk item the arranging belongs to; without one, a new item is made.
    item_id = fields.Integer(load_default=None, allow_none=True)


_REQUEST = RequestSchema()


def _spread(found: list[dict]) -> list[datetime]:
    """At most MOST_OFFERED times, spread out: the first of each day, then the middle of
    each day, then the last, then the rest in order."""
    by_day: dict = {}
    for slot in found:
        by_day.setdefault(slot["local"][:10], []).append(slot["starts_at"])
    rounds = [
        [day[0] for day in by_day.values()],
        [day[len(day) // 2] for day in by_day.values()],
        [day[-1] for day in by_day.values()],
        [moment for day in by_day.values() for moment in day],
    ]
    chosen: list[datetime] = []
    for moment in (m for each in rounds for m in each):
        if len(chosen) == MOST_OFFERED:
            break
        if moment not in chosen:
            chosen.append(moment)
    return sorted(chosen)


def item_of(client: Client, item_id: int | None) -> WorkItem | None:
    if item_id is None:
        return None
    item = db.session.get(WorkItem, item_id)
    if item is None or item.client_id != client.id or item.status not in OPEN_STATUSES:
        raise ValidationError.on("item_id", _("Choose an open item of this client."))
    return item


def _new_item(client: Client, request: MeetingRequest, user, source: str) -> WorkItem:
    """The desk item of a meeting arranged without one: in the hands of the secretary
    who arranges it (else routed like any other)."""
    names = ", ".join(i.name or i.email for i in request.invitees)
    item, _made = create_item(
        {
            "client_id": client.id,
            "kind": "meeting",
            "title": _("Arrange: %(title)s", title=request.title)[:300],
            "body": _("With %(names)s.", names=names),
            "source": source,
            "source_key": f"meeting-{request.id}",
        },
        user.id if user else None,
        commit=False,
    )
    secretary = secretary_of(user) if user is not None else None
    if secretary is not None and secretary.archived_at is None:
        item.status, item.assignee_id = Status.assigned.value, secretary.id
        item.assigned_at = clock.now()
    return item


def propose(client: Client, data: dict, user=None, source: str = "desk") -> MeetingRequest:
    """Offer free times to the participants, each by email with their own link. The
    desk item waits on their answers meanwhile."""
    values = values_for(_REQUEST, data)
    item = item_of(client, values["item_id"])
    found = slots.free_slots(
        client, values["minutes"], values["on_or_after"], values["on_or_before"]
    )
    offered = _spread(found)
    if not offered:
        raise ValidationError.on("to", _("The client has no free time of that length then."))
    addresses = [p["email"] for p in values["participants"]]
    if len(set(addresses)) != len(addresses):
        raise ValidationError.on("participants", _("Each participant once, please."))
    for address in addresses:
        drafting.refuse_bounced(address)
    request = MeetingRequest(
        client_id=client.id,
        title=values["title"].strip(),
        minutes=values["minutes"],
        location=(values.get("location") or "").strip() or None,
        video_url=values.get("video_url"),
        offered=[moment.isoformat() for moment in offered],
        status=RequestStatus.open.value,
        created_by_id=user.id if user else None,
    )
    db.session.add(request)
    db.session.flush()
    invitees = [
        MeetingInvitee(
            request_id=request.id,
            email=p["email"],
            name=(p.get("name") or "").strip(),
            timezone=p.get("timezone") or invitations.zone_of(client, p["email"]),
        )
        for p in values["participants"]
    ]
    db.session.add_all(invitees)
    db.session.flush()
    item = item or _new_item(client, request, user, source)
    request.item_id = item.id
    work.set_aside(item, "meeting_proposed", user.id if user else None, request_id=request.id)
    db.session.commit()
    for invitee in invitees:
        invitations.invite(client, request, invitee, user)
    return request


def _local(client: Client, moment: datetime) -> datetime:
    return moment.astimezone(ZoneInfo(client.timezone))


def _locked(request_id: int) -> MeetingRequest:
    return db.session.get(MeetingRequest, request_id, with_for_update=True, populate_existing=True)


def _still_free(client: Client, start: datetime, minutes: int, moving: int = 0) -> bool:
    day = _local(client, start).date()
    found = slots.free_slots(client, minutes, day, day, moving)
    return any(s["starts_at"] == start for s in found)


def pick(invitee: MeetingInvitee, start: datetime) -> MeetingRequest:
    """The invitee picks ``start``: the meeting is confirmed, unless another pick came
    first (409, the meeting as arranged) or the time is no longer free (409, with the
    times still free)."""
    if invitee.answer != "invited":
        raise BadInput(_("You have answered already."))
    request = _locked(invitee.request_id)
    if request.status == RequestStatus.confirmed.value and request.event is not None:
        raise Conflict(
            _(
                "Another participant chose a time first: the meeting is on %(when)s. "
                "Say below whether you can come.",
                when=format_in_zone(request.event.starts_at, request.client.timezone, "medium"),
            )
        )
    if request.status != RequestStatus.open.value:
        raise Conflict(_("This meeting was cancelled."))
    if start not in invitations.offered_times(request):
        raise BadInput(_("Choose one of the times offered."))
    client = request.client
    if not _still_free(client, start, request.minutes):
        request.offered = [m for m in request.offered if datetime.fromisoformat(m) != start]
        db.session.commit()
        raise Conflict(_("That time has just been taken: choose another."))
    now = clock.now()
    invitee.answer, invitee.picked_start, invitee.answered_at = "picked", start, now
    people = [{"email": i.email, "name": i.name} for i in request.invitees]
    event = events.create(
        client,
        {
            "kind": EventKind.meeting.value,
            "title": request.title,
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(minutes=request.minutes)).isoformat(),
            "location": request.location,
            "video_url": request.video_url,
            "attendees": people,
        },
        commit=False,
    )
    event.attendees = [  # a new list: the column sees a change only when it is replaced
        {**person, "status": "accepted"} if person["email"] == invitee.email else person
        for person in event.attendees
    ]
    event.etag = events.etag_of(event)
    request.status, request.event_id, request.decided_at = (
        RequestStatus.confirmed.value,
        event.id,
        now,
    )
    if request.item is not None and request.item.status in OPEN_STATUSES:
        with force_locale(client_locale(client)):
            outcome = _(
                "Meeting arranged for %(when)s.",
                when=format_in_zone(start, client.timezone, "medium"),
            )
        work.finish(request.item, outcome, "meeting_arranged", request_id=request.id)
    db.session.commit()
    _send_invitation(client, event, itip.REQUEST)
    return request


def _back_to_desk(request: MeetingRequest, action: str, invitee: MeetingInvitee) -> None:
    """The arranging needs the secretary again: its item returns to her queue."""
    item = request.item
    if item is not None and item.status != Status.cancelled:
        work.resume(item, action, None, request_id=request.id, name=invitee.name or invitee.email)


def answer_arranged(invitee: MeetingInvitee, coming: bool) -> MeetingRequest:
    """A participant who did not pick says whether they come at the time another chose:
    their reply goes on the event; a participant who cannot come brings the item back
    to the desk."""
    request = _locked(invitee.request_id)
    if request.status != RequestStatus.confirmed.value or request.event is None:
        raise BadInput(_("The meeting is not arranged yet."))
    if invitee.answer not in ("invited", "none_fit"):
        raise BadInput(_("You have answered already."))
    invitee.answer, invitee.answered_at = ("accepted" if coming else "declined"), clock.now()
    events.answered(request.event, {invitee.email.lower(): invitee.answer})
    if not coming:
        _back_to_desk(request, "meeting_declined", invitee)
    db.session.commit()
    return request


def reschedule(request: MeetingRequest, data: dict) -> MeetingRequest:
    """Move an arranged meeting to ``starts_at`` (on the client's clock without an
    offset), a free time by the meeting rules: the event's SEQUENCE rises, every
    participant is asked again and gets the changed invitation (iTIP REQUEST)."""
    request = _locked(request.id)
    if request.status != RequestStatus.confirmed.value or request.event is None:
        raise Conflict(_("Only an arranged meeting can be moved."))
    client, event = request.client, request.event
    raw = data.get("starts_at") if isinstance(data, dict) else None
    try:
        start = aware(datetime.fromisoformat(str(raw)), client.timezone, "starts_at")
    except ValueError as exc:
        raise ValidationError.on("starts_at", _("Give the new start as YYYY-MM-DD HH:MM.")) from exc
    if start == event.starts_at:
        raise ValidationError.on("starts_at", _("The meeting is at that time already."))
    if not _still_free(client, start, request.minutes, moving=event.id):
        raise ValidationError.on("starts_at", _("That time is not free by the meeting rules."))
    ends = start + timedelta(minutes=request.minutes)
    people = [{"email": p["email"], "name": p.get("name", "")} for p in event.attendees]
    event = events.update(
        event, {"starts_at": start.isoformat(), "ends_at": ends.isoformat(), "attendees": people}
    )
    event.attendees = [{**p, "status": "needs-action"} for p in event.attendees]
    event.etag = events.etag_of(event)
    db.session.commit()
    _send_invitation(client, event, itip.REQUEST)
    return request


def ask_to_move(request: MeetingRequest, user=None) -> int:
    """The client asks for another time: a work item for their secretaries (once per
    version of the meeting); its id."""
    if request.status != RequestStatus.confirmed.value or request.event is None:
        raise Conflict(_("Only an arranged meeting can be moved."))
    item, _new = create_item(
        {
            "client_id": request.client_id,
            "kind": "meeting",
            "title": _("Find another time for %(title)s", title=request.title)[:300],
            "body": _("The client asks to move the meeting of %(when)s.",
                      when=format_in_zone(request.event.starts_at, request.client.timezone)),
            "source": "portal",
            "source_key": f"move-meeting-{request.id}-{request.event.sequence}",
        },
        user.id if user else None,
    )  # fmt: skip
    return item.id


def none_fit(invitee: MeetingInvitee) -> MeetingRequest:
    if invitee.answer != "invited":
        raise BadInput(_("You have answered already."))
    invitee.answer, invitee.answered_at = "none_fit", clock.now()
    request = db.session.get(MeetingRequest, invitee.request_id)
    if request.status == RequestStatus.open.value:
        _back_to_desk(request, "meeting_none_fit", invitee)
    db.session.commit()
    return request


def cancel(request: MeetingRequest) -> MeetingRequest:
    """Cancel the request, and the meeting if it was arranged (iTIP CANCEL to all)."""
    request = _locked(request.id)
    if request.status == RequestStatus.cancelled.value:
        return request
    event = request.event
    request.status, request.decided_at = RequestStatus.cancelled.value, clock.now()
    db.session.commit()
    if event is not None and event.cancelled_at is None:
        events.cancel(event)
        _send_invitation(request.client, event, itip.CANCEL)
    return request


def _send_invitation(client: Client, event: CalendarEvent, method: str) -> None:
    """The meeting as a calendar invitation to each participant, in the client's name."""
    rules = mail_settings.rules_for(client)
    organiser = (office_name(client), mail_settings.alias_address(rules))
    data = itip.invitation(event, method, organiser)
    when = f"{_local(client, event.starts_at):%Y-%m-%d %H:%M} ({client.timezone})"
    with force_locale(client_locale(client)):
        if method == itip.CANCEL:
            subject = _("Cancelled: %(title)s", title=event.title)
            body = _(
                "The meeting %(title)s on %(when)s is cancelled.", title=event.title, when=when
            )
        else:
            subject = _("Invitation: %(title)s", title=event.title)
            body = _(
                "The meeting %(title)s is on %(when)s. The invitation is attached.",
                title=event.title,
                when=when,
            )
    for person in event.attendees:
        drafting.send_for_client(
            client, person["email"], subject, body, files=[("invite.ics", "text/calendar", data)]
        )
