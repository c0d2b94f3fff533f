"""A trip's itinerary for the client: a readable email, with the same itinerary as a PDF
(WeasyPrint, as letters are made), in the client's language, each segment at the local
times of its ends. It goes in the client's name from their office, so it is in their
mail history."""

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from agency.domains.calendar.ics import client_locale
from agency.domains.mail import drafting
from agency.domains.travel import trips
from agency.domains.travel.models import SegmentKind, Trip, TripStatus
from agency.kernel.errors import Conflict, ValidationError
from agency.kernel.i18n import format_in_zone


def _lines(trip: Trip) -> list[dict]:
    """Each segment: its title, its times on each end's clock, and its details."""
    found = []
    for segment in trip.segments:
        starts = format_in_zone(segment.starts_at, segment.start_zone)
        ends = format_in_zone(segment.ends_at, segment.end_zone)
        if segment.kind == SegmentKind.hotel:
            times = [_("Check-in %(when)s", when=starts), _("Check-out %(when)s", when=ends)]
        else:
            times = [
                _("Leaves %(when)s", when=starts)
                + (f" · {segment.origin}" if segment.origin else ""),
                _("Arrives %(when)s", when=ends)
                + (f" · {segment.destination}" if segment.destination else ""),
            ]
        details = [
            segment.address,
            segment.carrier,
            segment.seat and _("Seat: %(value)s", value=segment.seat),
            segment.reference and _("Reference: %(value)s", value=segment.reference),
            segment.notes,
        ]
        found.append(
            {
                "title": trips.segment_title(segment),
                "times": times,
                "details": " · ".join(d for d in details if d),
            }
        )
    return found


def text(trip: Trip) -> str:
    """The itinerary as the email's text, in the current language."""
    out = [trip.title]
    if trip.travellers:
        out.append(_("Travellers: %(names)s", names=", ".join(trip.travellers)))
    for line in _lines(trip):
        out += ["", line["title"], *line["times"]]
        if line["details"]:
            out.append(line["details"])
    if trip.notes:
        out += ["", trip.notes]
    return "\n".join(out)


def pdf(trip: Trip) -> bytes:
    """The itinerary as a PDF, in the client's language."""
    from weasyprint import HTML  # here: only PDFs need Pango, the app runs without it

    client = trip.client
    with force_locale(client_locale(client)):
        html = render_template(
            "travel/itinerary_pdf.html",
            trip=trip,
            client=client,
            span=trips.span(trip),
            lines=_lines(trip),
        )
    return HTML(string=html).write_pdf()


def send(trip: Trip, user=None):
    """Email the itinerary, with its PDF, to the client; the draft kept in their mail
    history."""
    client = trip.client
    if trip.status != TripStatus.planned.value:
        raise Conflict(_("This trip was cancelled."))
    if not trip.segments:
        raise ValidationError(_("The trip has no segments yet."))
    if not client.email:
        raise ValidationError(_("The client has no email address to send it to."))
    document = pdf(trip)
    with force_locale(client_locale(client)):
        subject = _("Itinerary: %(title)s", title=trip.title)
        body = text(trip)
    return drafting.send_for_client(
        client,
        client.email,
        subject,
        body,
        files=[(f"itinerary-{trip.id}.pdf", "application/pdf", document)],
        user=user,
    )
