"""A client's trips over the API: the secretaries and managers make them and their
segments; whoever may see the client reads them, and the client's people ask for
changes."""

from flask import request
from flask_babel import gettext as _
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from agency.domains.accounts.models import Role
from agency.domains.clients.access import client_for
from agency.domains.travel import documents, itinerary, preferences, reservations, trips
from agency.kernel.errors import NotAllowed
from agency.surfaces.api.base import api_user, json_body, json_payload, token_required
from agency.surfaces.web.files import attachment_response, pdf_download

bp = Blueprint(
    "api_travel",
    __name__,
    url_prefix="/api/v1/clients",
    description="A client's trips: segments in order, shown in the client's calendar",
)
blueprints = (bp,)


class SegmentViewSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    title = fields.String()
    origin = fields.String(data_key="from", allow_none=True)
    destination = fields.String(data_key="to", allow_none=True)
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    start_zone = fields.String()
    end_zone = fields.String()
    departs_local = fields.String(metadata={"description": "On the clock of the start"})
    arrives_local = fields.String(metadata={"description": "On the clock of the end"})
    carrier = fields.String(allow_none=True)
    number = fields.String(allow_none=True)
    seat = fields.String(allow_none=True)
    reference = fields.String(allow_none=True)
    name = fields.String(allow_none=True)
    address = fields.String(allow_none=True)
    notes = fields.String(allow_none=True)
    event_id = fields.Integer(allow_none=True)


class DocumentViewSchema(Schema):
    id = fields.Integer()
    filename = fields.String()
    content_type = fields.String()
    size_bytes = fields.Integer()
    created_at = fields.DateTime()


class ProposalViewSchema(Schema):
    id = fields.Integer()
    email_id = fields.Integer()
    kind = fields.String()
    segment = fields.Dict(metadata={"description": "The segment as a trip takes it"})
    problem = fields.String(allow_none=True)
    status = fields.String()
    summary = fields.String()
    segment_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()


class PreferencesViewSchema(Schema):
    seat = fields.String(allow_none=True)
    cabin = fields.String(allow_none=True)
    airlines = fields.List(fields.String())
    hotel_chains = fields.List(fields.String())
    notes = fields.String(allow_none=True)
    checkin_hours = fields.Integer()
    leave_minutes = fields.Integer()
    hotel_hours = fields.Integer()
    has_passport = fields.Boolean()
    loyalty_programmes = fields.Integer()
    updated_at = fields.DateTime(allow_none=True)


class RevealedSchema(Schema):
    what = fields.String()
    value = fields.Raw(
        allow_none=True, metadata={"description": "The passport or the loyalty numbers"}
    )


class RevealViewSchema(Schema):
    id = fields.Integer()
    what = fields.String()
    reason = fields.String()
    user = fields.String(allow_none=True)
    address = fields.String(allow_none=True)
    at = fields.DateTime()


class TripViewSchema(Schema):
    id = fields.Integer()
    client_id = fields.Integer()
    title = fields.String()
    travellers = fields.List(fields.String())
    notes = fields.String(allow_none=True)
    status = fields.String()
    starts_at = fields.DateTime(allow_none=True)
    ends_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    segments = fields.List(fields.Nested(SegmentViewSchema))
    documents = fields.List(fields.Nested(DocumentViewSchema))


class ChangeRequestViewSchema(Schema):
    item_id = fields.Integer()


def _client(client_id):
    return client_for(api_user(), client_id)


def _staff_client(client_id):
    """A client whose trips the API user may change: their secretaries and managers."""
    client = _client(client_id)
    if api_user().role == Role.client:
        raise NotAllowed(_("The office arranges trips; ask for a change instead."))
    return client


def _view(segment) -> dict:
    found = trips.segment_view(segment)
    found["origin"], found["destination"] = found.pop("from"), found.pop("to")
    return found


def _trip_view(trip) -> dict:
    found = trips.view(trip)
    found["segments"] = [_view(s) for s in trip.segments]
    found["documents"] = [documents.view(d) for d in trip.documents]
    return found


@bp.get("/<int:client_id>/trips")
@bp.response(200, TripViewSchema(many=True))
@token_required()
def list_trips(client_id):
    """The client's trips not over yet, soonest first."""
    return [_trip_view(t) for t in trips.trips_of(_client(client_id))]


@bp.post("/<int:client_id>/trips")
@json_body(bp, trips.TripSchema)
@bp.response(201, TripViewSchema)
@token_required()
def create_trip(client_id):
    """A new trip: a title, who travels (names), notes; its segments come next."""
    return _trip_view(trips.create_trip(_staff_client(client_id), json_payload(), api_user()))


@bp.get("/<int:client_id>/trips/<int:trip_id>")
@bp.response(200, TripViewSchema)
@token_required()
def get_trip(client_id, trip_id):
    return _trip_view(trips.trip_of(_client(client_id), trip_id))


@bp.post("/<int:client_id>/trips/<int:trip_id>/cancel")
@bp.response(200, TripViewSchema)
@token_required()
def cancel_trip(client_id, trip_id):
    """Cancel the trip: its segments' calendar events are cancelled."""
    trip = trips.trip_of(_staff_client(client_id), trip_id)
    return _trip_view(trips.cancel_trip(trip))


@bp.post("/<int:client_id>/trips/<int:trip_id>/segments")
@json_body(bp, trips.SegmentSchema)
@bp.response(201, SegmentViewSchema)
@token_required()
def add_segment(client_id, trip_id):
    """Add a segment. A flight gives ``from`` and ``to`` as IATA airport codes (their
    zones are known), ``number``, ``departs`` and ``arrives`` on each airport's clock; a
    train or car hire its places, times and, when not the client's, ``from_zone`` and
    ``to_zone``; a hotel its ``name``, ``check_in`` and ``check_out`` dates; anything else
    a ``name`` and its times. The segment appears in the client's calendar."""
    trip = trips.trip_of(_staff_client(client_id), trip_id)
    return _view(trips.add_segment(trip, json_payload()))


@bp.delete("/<int:client_id>/trips/<int:trip_id>/segments/<int:segment_id>")
@bp.response(204)
@token_required()
def remove_segment(client_id, trip_id, segment_id):
    """Remove a segment; its calendar event is cancelled."""
    trip = trips.trip_of(_staff_client(client_id), trip_id)
    trips.remove_segment(trip, trips.segment_of(trip, segment_id))
    return ""


@bp.post("/<int:client_id>/trips/<int:trip_id>/change-requests")
@json_body(bp, trips.ChangeRequestSchema)
@bp.response(201, ChangeRequestViewSchema)
@token_required()
def ask_for_change(client_id, trip_id):
    """Ask the office for a change to the trip: a travel item for the secretaries."""
    trip = trips.trip_of(_client(client_id), trip_id)
    return {"item_id": trips.ask_for_change(trip, json_payload(), api_user())}


@bp.post("/<int:client_id>/trips/<int:trip_id>/documents")
@bp.doc(
    parameters=[{"name": "filename", "in": "query", "required": True,
                 "schema": {"type": "string", "maxLength": 255}}],
    requestBody={"required": True, "content": {
        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}},
)  # fmt: skip
@bp.response(201, DocumentViewSchema)
@token_required()
def add_document(client_id, trip_id):
    """Keep a file on the trip (a booking confirmation, an e-ticket), sent as the body
    with its name in ``?filename=``: a PDF or an image, its type read from its bytes (415
    otherwise), at most TRIP_DOCUMENT_MAX_BYTES (413)."""
    trip = trips.trip_of(_staff_client(client_id), trip_id)
    data = request.get_data()
    return documents.view(documents.add(trip, request.args.get("filename", ""), data, api_user()))


@bp.get("/<int:client_id>/trips/<int:trip_id>/documents/<int:document_id>")
@bp.response(200, description="The file, as a download")
@token_required()
def get_document(client_id, trip_id, document_id):
    trip = trips.trip_of(_client(client_id), trip_id)
    return attachment_response(documents.document_of(trip, document_id))


@bp.delete("/<int:client_id>/trips/<int:trip_id>/documents/<int:document_id>")
@bp.response(204)
@token_required()
def remove_document(client_id, trip_id, document_id):
    trip = trips.trip_of(_staff_client(client_id), trip_id)
    documents.remove(documents.document_of(trip, document_id))
    return ""


@bp.get("/<int:client_id>/proposed-segments")
@bp.response(200, ProposalViewSchema(many=True))
@token_required()
def list_proposals(client_id):
    """Reservations read from booking confirmations forwarded to the client's address,
    waiting to be added to a trip."""
    return [reservations.view(p) for p in reservations.waiting(_staff_client(client_id))]


@bp.post("/<int:client_id>/proposed-segments/<int:proposal_id>/accept")
@json_body(bp, reservations.AcceptSchema)
@bp.response(201, SegmentViewSchema)
@token_required()
def accept_proposal(client_id, proposal_id):
    """Add the reservation to a planned trip (``trip_id``) or to a new one
    (``trip_title``): a segment, in the client's calendar."""
    client = _staff_client(client_id)
    proposal = reservations.proposal_of(client, proposal_id)
    return _view(reservations.accept(client, proposal, json_payload(), api_user()))


@bp.post("/<int:client_id>/proposed-segments/<int:proposal_id>/dismiss")
@bp.response(200, ProposalViewSchema)
@token_required()
def dismiss_proposal(client_id, proposal_id):
    proposal = reservations.proposal_of(_staff_client(client_id), proposal_id)
    reservations.dismiss(proposal)
    return reservations.view(proposal)


@bp.get("/<int:client_id>/travel-preferences")
@bp.response(200, PreferencesViewSchema)
@token_required()
def get_preferences(client_id):
    """The travel part of the instruction sheet; of the passport and loyalty numbers,
    only whether they are kept."""
    return preferences.view(_client(client_id))


@bp.put("/<int:client_id>/travel-preferences")
@json_body(bp, preferences.PreferencesSchema)
@bp.response(200, PreferencesViewSchema)
@token_required()
def put_preferences(client_id):
    """Change what is given: ``passport`` (name, number, nationality, expires_on) and
    ``loyalty`` (programme, number) replace what is kept, null clears them; they are
    encrypted at rest and never answered back."""
    client = _client(client_id)
    preferences.save(client, json_payload())
    return preferences.view(client)


@bp.post("/<int:client_id>/travel-preferences/reveal")
@json_body(bp, preferences.TravelRevealRequestSchema)
@bp.response(200, RevealedSchema)
@token_required()
def reveal_preferences(client_id):
    """Read the passport or the loyalty numbers (``what``) with a ``reason``: for the
    client's own secretaries and the managers only, and audited."""
    client = _client(client_id)
    payload = json_payload()
    value = preferences.reveal(client, payload, api_user(), request.remote_addr)
    response = {"what": payload["what"], "value": value}
    return response, 200, {"Cache-Control": "no-store"}


@bp.get("/<int:client_id>/travel-preferences/reveals")
@bp.response(200, RevealViewSchema(many=True))
@token_required()
def list_reveals(client_id):
    """Who read the passport or the loyalty numbers, when, why and from where."""
    return [preferences.reveal_view(r) for r in preferences.reveals_of(_client(client_id))]


class ItinerarySentSchema(Schema):
    draft_id = fields.Integer(metadata={"description": "The sent email in the client's mail"})


@bp.get("/<int:client_id>/trips/<int:trip_id>/itinerary.pdf")
@bp.response(200, description="The itinerary as a PDF")
@token_required()
def get_itinerary(client_id, trip_id):
    trip = trips.trip_of(_client(client_id), trip_id)
    return pdf_download(itinerary.pdf(trip), f"itinerary-{trip.id}.pdf")


@bp.post("/<int:client_id>/trips/<int:trip_id>/itinerary/send")
@bp.response(201, ItinerarySentSchema)
@token_required()
def send_itinerary(client_id, trip_id):
    """Email the itinerary, with its PDF, to the client in their language."""
    trip = trips.trip_of(_staff_client(client_id), trip_id)
    return {"draft_id": itinerary.send(trip, api_user()).id}
