"""A meeting's participants: the link of their own that opens the pick page (signed, for
LINK_DAYS), the invitation email that carries it, their time zone when the client's
contact book knows it, and the participant a link names."""

from datetime import datetime
from zoneinfo import available_timezones

import phonenumbers
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired
from phonenumbers import timezone as phone_zones
from sqlalchemy import func, select

from agency.domains.calendar.ics import client_locale
from agency.domains.calendar.models import MeetingInvitee, MeetingRequest
from agency.domains.clients.models import Client, Contact
from agency.domains.mail import drafting
from agency.domains.mail.writing import office_name
from agency.kernel import links
from agency.kernel.database import db
from agency.kernel.errors import BadInput, NotFound

PICK_PURPOSE = "meeting-pick"
# How long a pick link works.
LINK_DAYS = 21


def zone_of(client: Client, address: str) -> str | None:
    """A participant's time zone, when the client's contact with that address has a
    phone number of a country with one zone."""
    phones = db.session.scalars(
        select(Contact.phone).where(
            Contact.client_id == client.id,
            func.lower(Contact.email) == address.lower(),
            Contact.phone.is_not(None),
        )
    ).all()
    for phone in phones:
        try:
            zones = phone_zones.time_zones_for_number(phonenumbers.parse(phone))
        except phonenumbers.NumberParseException:
            continue
        if len(zones) == 1 and zones[0] in available_timezones():
            return zones[0]
    return None


def pick_token(invitee: MeetingInvitee) -> str:
    return links.sign(PICK_PURPOSE, {"a": invitee.agency_id, "i": invitee.id})


def agency_of_token(token: str) -> tuple[int, int]:
    """(agency id, invitee id) a pick link names; a clear 400 for a tampered or expired
    one."""
    try:
        payload = links.unsign(PICK_PURPOSE, token, max_age=LINK_DAYS * 24 * 3600)
        return int(payload["a"]), int(payload["i"])
    except SignatureExpired as exc:
        raise BadInput(_("This link has expired: ask the office for a new one.")) from exc
    except (BadSignature, KeyError, TypeError, ValueError) as exc:
        raise BadInput(_("This link is not valid.")) from exc


def offered_times(request: MeetingRequest) -> list[datetime]:
    return [datetime.fromisoformat(moment) for moment in request.offered]


def invitee_or_404(invitee_id: int) -> MeetingInvitee:
    found = db.session.get(MeetingInvitee, invitee_id)
    if found is None:
        raise NotFound()
    return found


def invite(client: Client, request: MeetingRequest, invitee: MeetingInvitee, user) -> None:
    link = links.external_url("public.meet_pick", token=pick_token(invitee))
    with force_locale(client_locale(client)):
        subject = _("%(office)s: %(title)s — choose a time", office=office_name(client),
                    title=request.title)  # fmt: skip
        body = _(
            "Hello %(name)s,\n\n%(office)s would like to meet you: %(title)s (%(minutes)s "
            "minutes). Choose the time that suits you here, or tell us none does:\n\n"
            "%(link)s\n\nKind regards,\n%(office)s",
            name=invitee.name or invitee.email,
            office=office_name(client),
            title=request.title,
            minutes=request.minutes,
            link=link,
        )
    drafting.send_for_client(client, invitee.email, subject, body, user=user)
