"""The trips of the clients a secretary serves (every client, for a manager): a trip
made, its segments added and removed with the local times at each end, and the trip
cancelled."""

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from agency.domains.clients.access import client_for, open_clients
from agency.domains.clients.models import Client
from agency.domains.mail.models import InboundEmail
from agency.domains.travel import documents, itinerary, preferences, reservations, trips
from agency.domains.travel.forms import (
    DocumentForm,
    PreferencesForm,
    RevealForm,
    SegmentForm,
    TripForm,
)
from agency.kernel.database import db
from agency.kernel.errors import ValidationError
from agency.surfaces.web.access import roles_required
from agency.surfaces.web.files import attachment_response, pdf_download
from agency.surfaces.web.forms import ConfirmForm, refusal_text, refused, show_errors

bp = Blueprint("desk_travel", __name__, url_prefix="/desk/travel")
PEOPLE = ("secretary", "owner", "manager")
# The service names the places "from" and "to"; the form "origin" and "destination".
FORM_NAMES = {"from": "origin", "to": "destination"}


@bp.get("/")
@roles_required(*PEOPLE)
def home():
    clients = open_clients(current_user)
    return render_template("desk/travel_clients.html", clients=clients)


def _trips_page(client: Client, form: TripForm | None = None, status: int = 200):
    return render_template(
        "desk/trips.html",
        client=client,
        trips=trips.trips_of(client, past=True),
        form=form or TripForm(formdata=None),
        proposals=reservations.waiting(client),
        planned=trips.planned(client),
        confirm_form=ConfirmForm(),
    ), status


@bp.get("/<int:client_id>")
@roles_required(*PEOPLE)
def client(client_id):
    return _trips_page(client_for(current_user, client_id))


@bp.post("/<int:client_id>")
@roles_required(*PEOPLE)
def new_trip(client_id):
    found = client_for(current_user, client_id)
    form = TripForm()
    if not form.validate_on_submit():
        return _trips_page(found, form, 422)
    try:
        trip = trips.create_trip(
            found,
            {"title": form.title.data, "notes": form.notes.data or None,
             "travellers": (form.travellers.data or "").splitlines()},
            current_user,
        )  # fmt: skip
    except ValidationError as exc:
        refused(form, exc)
        return _trips_page(found, form, exc.status_code)
    return redirect(url_for(".trip", client_id=found.id, trip_id=trip.id))


def _trip_page(client: Client, trip, form=None, status: int = 200, document_form=None):
    return render_template(
        "desk/trip.html",
        client=client,
        trip=trip,
        form=form or SegmentForm(formdata=None),
        document_form=document_form or DocumentForm(formdata=None),
        confirm_form=ConfirmForm(),
    ), status


@bp.get("/<int:client_id>/trips/<int:trip_id>")
@roles_required(*PEOPLE)
def trip(client_id, trip_id):
    found = client_for(current_user, client_id)
    return _trip_page(found, trips.trip_of(found, trip_id))


@bp.post("/<int:client_id>/trips/<int:trip_id>/segments")
@roles_required(*PEOPLE)
def add_segment(client_id, trip_id):
    found = client_for(current_user, client_id)
    journey = trips.trip_of(found, trip_id)
    form = SegmentForm()
    if not form.validate_on_submit():
        return _trip_page(found, journey, form, 422)
    try:
        trips.add_segment(journey, form.payload())
    except ValidationError as exc:
        db.session.rollback()
        show_errors(form, {FORM_NAMES.get(k, k): v for k, v in exc.fields.items()})
        if not exc.fields:
            form.form_errors.append(exc.message)
        return _trip_page(found, trips.trip_of(found, trip_id), form, exc.status_code)
    flash(_("The segment is in the trip and in the client's calendar."), "success")
    return redirect(url_for(".trip", client_id=found.id, trip_id=journey.id))


@bp.post("/<int:client_id>/trips/<int:trip_id>/segments/<int:segment_id>/remove")
@roles_required(*PEOPLE)
def remove_segment(client_id, trip_id, segment_id):
    found = client_for(current_user, client_id)
    journey = trips.trip_of(found, trip_id)
    segment = trips.segment_of(journey, segment_id)
    if ConfirmForm().validate_on_submit():
        trips.remove_segment(journey, segment)
        flash(_("The segment is removed, and its calendar event cancelled."), "success")
    return redirect(url_for(".trip", client_id=found.id, trip_id=journey.id))


@bp.post("/<int:client_id>/trips/<int:trip_id>/cancel")
@roles_required(*PEOPLE)
def cancel_trip(client_id, trip_id):
    found = client_for(current_user, client_id)
    journey = trips.trip_of(found, trip_id)
    if ConfirmForm().validate_on_submit():
        trips.cancel_trip(journey)
        flash(_("The trip is cancelled, and its calendar events with it."), "success")
    return redirect(url_for(".trip", client_id=found.id, trip_id=journey.id))


@bp.post("/<int:client_id>/trips/<int:trip_id>/documents")
@roles_required(*PEOPLE)
def add_document(client_id, trip_id):
    found = client_for(current_user, client_id)
    journey = trips.trip_of(found, trip_id)
    form = DocumentForm()
    if not form.validate_on_submit():
        return _trip_page(found, journey, status=422, document_form=form)
    upload = request.files.get("file")
    try:
        documents.add(
            journey,
            upload.filename if upload else "",
            upload.stream.read() if upload else b"",
            current_user,
        )
    except ValidationError as exc:
        refused(form, exc)
        journey = trips.trip_of(found, trip_id)
        return _trip_page(found, journey, status=exc.status_code, document_form=form)
    flash(_("The document is on the trip."), "success")
    return redirect(url_for(".trip", client_id=found.id, trip_id=journey.id) + "#documents")


@bp.get("/<int:client_id>/trips/<int:trip_id>/documents/<int:document_id>")
@roles_required(*PEOPLE)
def document(client_id, trip_id, document_id):
    journey = trips.trip_of(client_for(current_user, client_id), trip_id)
    return attachment_response(documents.document_of(journey, document_id))


@bp.post("/<int:client_id>/trips/<int:trip_id>/documents/<int:document_id>/remove")
@roles_required(*PEOPLE)
def remove_document(client_id, trip_id, document_id):
    found = client_for(current_user, client_id)
    journey = trips.trip_of(found, trip_id)
    kept = documents.document_of(journey, document_id)
    if ConfirmForm().validate_on_submit():
        documents.remove(kept)
        flash(_("The document is removed."), "success")
    return redirect(url_for(".trip", client_id=found.id, trip_id=journey.id) + "#documents")


def _back_to(proposal) -> str:
    """Where the secretary came from: the mail's item, else the client's trips."""
    email = db.session.get(InboundEmail, proposal.email_id)
    if email is not None and email.work_item_id is not None:
        return url_for("desk.item", item_id=email.work_item_id) + "#reservations"
    return url_for(".client", client_id=proposal.client_id)


@bp.post("/<int:client_id>/proposals/<int:proposal_id>/add")
@roles_required(*PEOPLE)
def add_proposal(client_id, proposal_id):
    """Add a reservation read from a forwarded mail to a trip (a new one when named)."""
    found = client_for(current_user, client_id)
    proposal = reservations.proposal_of(found, proposal_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(_back_to(proposal))
    chosen = (request.form.get("trip") or "").strip()
    try:
        segment = reservations.accept(
            found,
            proposal,
            {"trip_id": int(chosen) if chosen.isdigit() else None,
             "trip_title": request.form.get("trip_title")},
            current_user,
        )  # fmt: skip
    except ValidationError as exc:
        db.session.rollback()
        reasons = [m for messages in exc.fields.values() for m in messages] or [exc.message]
        flash(" ".join(dict.fromkeys(reasons)), "error")
        return redirect(_back_to(reservations.proposal_of(found, proposal_id)))
    flash(_("The reservation is in the trip and in the client's calendar."), "success")
    return redirect(url_for(".trip", client_id=found.id, trip_id=segment.trip_id))


@bp.post("/<int:client_id>/proposals/<int:proposal_id>/dismiss")
@roles_required(*PEOPLE)
def dismiss_proposal(client_id, proposal_id):
    found = client_for(current_user, client_id)
    proposal = reservations.proposal_of(found, proposal_id)
    if ConfirmForm().validate_on_submit():
        reservations.dismiss(proposal)
        flash(_("The reservation is set aside."), "success")
    return redirect(_back_to(proposal))


def _preferences_page(client: Client, form=None, status: int = 200, revealed=None):
    if form is None:
        form = PreferencesForm(formdata=None)
        form.fill(preferences.view(client))
    response = render_template(
        "desk/travel_preferences.html",
        client=client,
        form=form,
        kept=preferences.view(client),
        reveal_form=RevealForm(formdata=None),
        may_reveal=preferences.may_reveal(current_user, client),
        revealed=revealed,
        reveals=preferences.reveals_of(client),
    )
    return response, status, {"Cache-Control": "no-store"}


@bp.route("/<int:client_id>/preferences", methods=["GET", "POST"])
@roles_required(*PEOPLE)
def preferences_page(client_id):
    found = client_for(current_user, client_id)
    if request.method == "GET":
        return _preferences_page(found)
    form = PreferencesForm()
    if not form.validate_on_submit():
        return _preferences_page(found, form, 422)
    try:
        preferences.save(found, form.payload())
    except ValidationError as exc:
        refused(form, exc)
        form.form_errors += [m for k, v in exc.fields.items() if not hasattr(form, k) for m in v]
        return _preferences_page(found, form, exc.status_code)
    flash(_("The travel preferences are saved."), "success")
    return redirect(url_for(".preferences_page", client_id=found.id))


@bp.post("/<int:client_id>/preferences/reveal")
@roles_required(*PEOPLE)
def reveal(client_id):
    """Show the passport or the loyalty numbers once, on this answer only, audited."""
    found = client_for(current_user, client_id)
    form = RevealForm()
    if not form.validate_on_submit():
        return _preferences_page(found, status=422)
    what = form.what.data
    try:
        value = preferences.reveal(
            found, {"what": what, "reason": form.reason.data}, current_user, request.remote_addr
        )
    except ValidationError as exc:
        db.session.rollback()
        flash(refusal_text(exc), "error")
        return _preferences_page(found, status=exc.status_code)
    shown = {"what": what, "value": value}
    if what == "passport" and value:
        shown["expires_on"] = date.fromisoformat(value["expires_on"])
    return _preferences_page(found, revealed=shown)


@bp.get("/<int:client_id>/trips/<int:trip_id>/itinerary.pdf")
@roles_required(*PEOPLE)
def itinerary_pdf(client_id, trip_id):
    journey = trips.trip_of(client_for(current_user, client_id), trip_id)
    return pdf_download(itinerary.pdf(journey), f"itinerary-{journey.id}.pdf")


@bp.post("/<int:client_id>/trips/<int:trip_id>/itinerary/send")
@roles_required(*PEOPLE)
def send_itinerary(client_id, trip_id):
    found = client_for(current_user, client_id)
    journey = trips.trip_of(found, trip_id)
    if ConfirmForm().validate_on_submit():
        try:
            itinerary.send(journey, current_user)
        except ValidationError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return redirect(url_for(".trip", client_id=found.id, trip_id=journey.id))
        flash(_("The itinerary is on its way to the client."), "success")
    return redirect(url_for(".trip", client_id=found.id, trip_id=journey.id))
