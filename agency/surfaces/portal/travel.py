"""The client's trips in the portal: those coming, each segment at the local times of
its ends, and a change asked for (a travel item for the client's secretaries)."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from agency.domains.clients.models import Client
from agency.domains.travel import documents, itinerary, preferences, trips
from agency.domains.travel.forms import ChangeForm, PreferencesForm
from agency.kernel.errors import ValidationError
from agency.surfaces.portal.blueprint import bp
from agency.surfaces.web.access import own_client, roles_required
from agency.surfaces.web.files import attachment_response, pdf_download
from agency.surfaces.web.forms import refused


def _page(client: Client, forms: dict | None = None, status: int = 200):
    return render_template(
        "portal/trips.html",
        client=client,
        trips=trips.trips_of(client),
        forms=forms or {},
        change_form=ChangeForm(formdata=None),
    ), status


@bp.get("/trips")
@roles_required("client")
def trips_page():
    return _page(own_client())


@bp.post("/trips/<int:trip_id>/change")
@roles_required("client")
def ask_for_change(trip_id):
    client = own_client()
    trip = trips.trip_of(client, trip_id)
    form = ChangeForm()
    if not form.validate_on_submit():
        return _page(client, {trip.id: form}, 422)
    try:
        trips.ask_for_change(trip, {"text": form.text.data}, current_user)
    except ValidationError as exc:
        refused(form, exc)
        return _page(client, {trip.id: form}, exc.status_code)
    flash(_("Your office has your request and will change the trip."), "success")
    return redirect(url_for(".trips_page"))


@bp.get("/trips/<int:trip_id>/documents/<int:document_id>")
@roles_required("client")
def trip_document(trip_id, document_id):
    trip = trips.trip_of(own_client(), trip_id)
    return attachment_response(documents.document_of(trip, document_id))


def _preferences_page(client: Client, form=None, status: int = 200):
    if form is None:
        form = PreferencesForm(formdata=None)
        form.fill(preferences.view(client))
    return render_template(
        "portal/travel_preferences.html",
        client=client,
        form=form,
        kept=preferences.view(client),
        reveals=preferences.reveals_of(client),
    ), status


@bp.route("/trips/preferences", methods=["GET", "POST"])
@roles_required("client")
def travel_preferences():
    """The client's travel preferences; the passport and loyalty numbers they give are
    kept encrypted and not shown back; who read them, and why, is listed."""
    client = own_client()
    if request.method == "GET":
        return _preferences_page(client)
    form = PreferencesForm()
    if not form.validate_on_submit():
        return _preferences_page(client, form, 422)
    try:
        preferences.save(client, form.payload())
    except ValidationError as exc:
        refused(form, exc)
        form.form_errors += [m for k, v in exc.fields.items() if not hasattr(form, k) for m in v]
        return _preferences_page(client, form, exc.status_code)
    flash(_("Your travel preferences are saved."), "success")
    return redirect(url_for(".travel_preferences"))


@bp.get("/trips/<int:trip_id>/itinerary.pdf")
@roles_required("client")
def trip_itinerary(trip_id):
    trip = trips.trip_of(own_client(), trip_id)
    return pdf_download(itinerary.pdf(trip), f"itinerary-{trip.id}.pdf")
