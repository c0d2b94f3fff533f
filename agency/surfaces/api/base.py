"""What every API view shares: bearer authentication and the JSON body."""

from functools import wraps

from flask import g, request
from flask_babel import gettext as _
from werkzeug.exceptions import Unauthorized

from agency.domains.accounts import api_tokens
from agency.domains.accounts.models import MANAGING_ROLES, Role
from agency.domains.clients.access import client_for
from agency.kernel import records
from agency.kernel.database import db
from agency.kernel.errors import AgencySuspended, BadInput, NotAllowed, ValidationError
from agency.kernel.validation import MAX_ID
from agency.surfaces.web.suspension import READS, suspended_message

# A file sent as the request's body, its name in ``?filename=``.
BINARY_BODY = {
    "parameters": [{"name": "filename", "in": "query", "required": True,
                    "schema": {"type": "string", "maxLength": 255}}],
    "requestBody": {"required": True, "content": {
        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}},
}  # fmt: skip


def token_required(*, managers: bool = False):
    """Authenticate with 'Authorization: Bearer'; cookies never authenticate the API."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            header = request.headers.get("Authorization", "")
            scheme, _sep, token = header.partition(" ")
            user = api_tokens.user_for_bearer(token.strip()) if scheme.lower() == "bearer" else None
            if user is None:
                raise Unauthorized()
            if user.agency.is_suspended and request.method not in READS:
                raise AgencySuspended(suspended_message(user.agency))
            if managers and user.role not in MANAGING_ROLES:
                raise NotAllowed(_("Only owners and managers can do that."))
            g.api_user = user
            return view(*args, **kwargs)

        return wrapped

    return decorator


def api_user():
    return g.api_user


def json_payload() -> dict:
    """The request's JSON object, or a clear 400."""
    if not request.is_json:
        raise BadInput(_("Send a JSON body with Content-Type: application/json."))
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadInput(_("The body is not a JSON object."))
    return data


def archived_too() -> bool:
    return request.args.get("archived", "").lower() in {"1", "true", "yes"}


def record_endpoints(
    blueprint, *, model, schema, id_name, noun, search, create, update, archive=records.archive
) -> None:
    """List (?q=, ?archived=1), create, get, update (PATCH) and archive (DELETE) a record."""
    id_rule = f"/<int:{id_name}>"
    guard = token_required(managers=True)

    def list_records():
        return search(request.args.get("q"), archived_too())

    def create_record():
        return create(json_payload())

    def get_record(**ids):
        return db.get_or_404(model, ids[id_name])

    def update_record(**ids):
        return update(db.get_or_404(model, ids[id_name]), json_payload())

    def archive_record(**ids):
        return archive(db.get_or_404(model, ids[id_name]))

    list_records.__doc__ = f"{noun}, searchable with ?q=; ?archived=1 includes archived ones."
    create_record.__doc__ = f"Create a {noun.lower().rstrip('s')}."
    archive_record.__doc__ = "Archive: never deleted, hidden from lists."
    routes = [
        ("/", "GET", list_records, 200, schema(many=True), False),
        ("/", "POST", create_record, 201, schema, True),
        (id_rule, "GET", get_record, 200, schema, False),
        (id_rule, "PATCH", update_record, 200, schema, True),
        (id_rule, "DELETE", archive_record, 200, schema, False),
    ]
    for rule, method, view, status, out, has_body in routes:
        view = guard(view)
        view = blueprint.response(status, out)(view)
        if has_body:
            view = json_body(blueprint, schema)(view)
        blueprint.route(rule, methods=[method], endpoint=view.__name__)(view)


def json_body(blueprint, schema):
    """Document a JSON request body that the view hands to a service to validate."""
    return blueprint.doc(
        requestBody={"required": True, "content": {"application/json": {"schema": schema}}}
    )


def client_filter() -> int | None:
    """The optional ``?client_id=`` of a list, or a clear 422."""
    raw = request.args.get("client_id")
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or not 0 < int(raw) <= MAX_ID:
        raise ValidationError.on("client_id", _("Give the client's id as a whole number."))
    return int(raw)


def full_access_client(client_id):
    """A client the API user may handle, where a client's person with limited access is
    refused (the vault, the websites), as in the portal."""
    user = api_user()
    client = client_for(user, client_id)
    if user.role == Role.client and not user.full_client:
        raise NotAllowed(
            _(
                "Your access to the portal is limited to messages, calls, mail and the "
                "calendar. A colleague with full access can change that."
            )
        )
    return client


def office_client(client_id, refusal: str):
    """A client the API user may handle, for the office only: a client's person gets
    ``refusal`` (403)."""
    client = full_access_client(client_id)
    if api_user().role == Role.client:
        raise NotAllowed(refusal)
    return client


def client_person_client(client_id, refusal: str):
    """The API user's own client, for the client's people only (approvals): anyone else
    gets ``refusal`` (403)."""
    client = full_access_client(client_id)
    if api_user().role != Role.client:
        raise NotAllowed(refusal)
    return client
