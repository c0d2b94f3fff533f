"""Numbers, call rules (and their simulator), calls and messages over the API."""

from flask import Response, request
from flask_smorest import Blueprint

from agency.domains.calls import browser, history, messages, services, transfers
from agency.domains.calls.models import Call, Message, PhoneNumber
from agency.domains.calls.schemas import (
    CallRulesSchema,
    CallSchema,
    DecisionSchema,
    DeskTokenSchema,
    MessageSchema,
    PhoneNumberSchema,
    SimulationSchema,
    VoiceSettingsSchema,
)
from agency.domains.clients.models import Client
from agency.domains.work.access import secretary_of
from agency.kernel.database import db
from agency.surfaces.api.base import (
    api_user,
    client_filter,
    json_body,
    json_payload,
    token_required,
)

numbers_bp = Blueprint(
    "api_numbers", __name__, url_prefix="/api/v1/numbers", description="The pool of inbound numbers"
)
rules_bp = Blueprint(
    "api_call_rules", __name__, url_prefix="/api/v1/clients", description="A client's call rules"
)
calls_bp = Blueprint("api_calls", __name__, url_prefix="/api/v1/calls", description="Calls")
messages_bp = Blueprint(
    "api_messages", __name__, url_prefix="/api/v1/messages", description="Messages taken"
)
voice_bp = Blueprint(
    "api_voice",
    __name__,
    url_prefix="/api/v1/voice",
    description="The telephony account, and desks that answer in the browser",
)
blueprints = (numbers_bp, rules_bp, calls_bp, messages_bp, voice_bp)


@numbers_bp.get("/")
@numbers_bp.response(200, PhoneNumberSchema(many=True))
@token_required(managers=True)
def list_numbers():
    """The agency's pool of inbound numbers, and the client each is given to."""
    return services.numbers()


@numbers_bp.post("/")
@json_body(numbers_bp, PhoneNumberSchema)
@numbers_bp.response(201, PhoneNumberSchema)
@token_required(managers=True)
def add_number():
    """Add a number (E.164) to the pool, optionally giving it to a client at once."""
    return services.add_number(json_payload())


@numbers_bp.patch("/<int:number_id>")
@json_body(numbers_bp, PhoneNumberSchema)
@numbers_bp.response(200, PhoneNumberSchema)
@token_required(managers=True)
def update_number(number_id):
    """Give the number to a client (``client_id``; null takes it back) or relabel it."""
    return services.update_number(db.get_or_404(PhoneNumber, number_id), json_payload())


@numbers_bp.delete("/<int:number_id>")
@numbers_bp.response(204)
@token_required(managers=True)
def remove_number(number_id):
    services.remove_number(db.get_or_404(PhoneNumber, number_id))
    return Response(status=204)


@rules_bp.get("/<int:client_id>/call-rules")
@rules_bp.response(200, CallRulesSchema)
@token_required(managers=True)
def get_rules(client_id):
    """The client's call rules (defaults until saved), with their hours and windows."""
    return services.rules_view(db.get_or_404(Client, client_id))


@rules_bp.put("/<int:client_id>/call-rules")
@json_body(rules_bp, CallRulesSchema)
@rules_bp.response(200, CallRulesSchema)
@token_required(managers=True)
def put_rules(client_id):
    """Replace the rules; fields left out take their defaults, except the client's
    business hours and unavailable windows, which are kept unless given."""
    client = db.get_or_404(Client, client_id)
    services.save_rules(client, json_payload())
    return services.rules_view(client)


@rules_bp.patch("/<int:client_id>/call-rules")
@json_body(rules_bp, CallRulesSchema)
@rules_bp.response(200, CallRulesSchema)
@token_required(managers=True)
def patch_rules(client_id):
    """Change some of the rules."""
    client = db.get_or_404(Client, client_id)
    services.save_rules(client, json_payload(), partial=True)
    return services.rules_view(client)


@rules_bp.post("/<int:client_id>/call-rules/simulate")
@json_body(rules_bp, SimulationSchema)
@rules_bp.response(200, DecisionSchema)
@token_required(managers=True)
def simulate(client_id):
    """What happens if ``caller`` rings at ``at``: the live call's decision and its rule."""
    return services.simulate(db.get_or_404(Client, client_id), json_payload())


@calls_bp.get("/")
@calls_bp.response(200, CallSchema(many=True))
@token_required(managers=True)
def list_calls():
    """The latest 200 calls; ?client_id= for one client's."""
    return history.calls(client_filter())


@calls_bp.post("/<int:call_id>/put-through")
@calls_bp.response(202, CallSchema)
@token_required()
def put_through(call_id):
    """A warm put-through: the secretary who answered the call (the token's user) hands
    the caller to the client; the provider is asked in a job, ``transfer_status`` follows."""
    call = db.get_or_404(Call, call_id)
    return transfers.request_put_through(call, secretary_of(api_user()))


@messages_bp.get("/")
@messages_bp.response(200, MessageSchema(many=True))
@token_required(managers=True)
def list_messages():
    """The latest 200 messages; ?client_id= for one client's, ?open=1 for unhandled ones."""
    open_only = request.args.get("open", "").lower() in {"1", "true", "yes"}
    return messages.messages(client_filter(), open_only)


@messages_bp.post("/")
@json_body(messages_bp, MessageSchema)
@messages_bp.response(201, MessageSchema)
@token_required(managers=True)
def take_message():
    """Take a message; ``callback_wanted`` queues a callback item, urgent ones go out now."""
    return messages.take_message(json_payload(), api_user().id, source="api")


@messages_bp.post("/<int:message_id>/handled")
@messages_bp.response(200, MessageSchema)
@token_required(managers=True)
def mark_handled(message_id):
    return messages.mark_handled(db.get_or_404(Message, message_id))


@voice_bp.get("/settings")
@voice_bp.response(200, VoiceSettingsSchema)
@token_required(managers=True)
def get_voice_settings():
    """The telephony account (its secrets are never read back)."""
    return services.voice_settings() or {}


@voice_bp.put("/settings")
@json_body(voice_bp, VoiceSettingsSchema)
@voice_bp.response(200, VoiceSettingsSchema)
@token_required(managers=True)
def save_voice_settings():
    """Save the account: its SID and auth token, the API key that signs desks' tokens for
    answering in the browser, and the number text messages come from. An empty secret
    keeps the one saved."""
    return services.save_voice_settings(json_payload())


@voice_bp.post("/token")
@voice_bp.response(201, DeskTokenSchema)
@token_required()
def desk_token():
    """An access token for the secretary's desk to answer calls in the browser as her,
    for an hour: only for a secretary on shift, once the account has an API key."""
    return browser.token_for(secretary_of(api_user()))
