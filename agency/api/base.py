"""What every API view shares: bearer authentication and the JSON body."""

from functools import wraps

from flask import g, request
from flask_babel import gettext as _
from werkzeug.exceptions import Unauthorized

from agency.accounts import services
from agency.accounts.models import MANAGING_ROLES
from agency.errors import BadInput, NotAllowed

ERROR_RESPONSES = {
    400: {"description": "Malformed request"},
    401: {"description": "Missing or invalid bearer token"},
    404: {"description": "Not found (including another agency's objects)"},
    422: {"description": "Validation error; nothing was written"},
}


def token_required(*, managers: bool = False):
    """Authenticate with 'Authorization: Bearer'; cookies never authenticate the API."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            header = request.headers.get("Authorization", "")
            scheme, _sep, token = header.partition(" ")
            user = services.user_for_bearer(token.strip()) if scheme.lower() == "bearer" else None
            if user is None:
                raise Unauthorized()
            if user.agency.is_suspended:
                raise NotAllowed(_("This agency is suspended."))
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


def json_body(blueprint, schema):
    """Document a JSON request body that the view hands to a service to validate."""
    return blueprint.doc(
        requestBody={"required": True, "content": {"application/json": {"schema": schema}}}
    )
