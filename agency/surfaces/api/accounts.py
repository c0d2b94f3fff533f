"""Agencies, tokens, users and invitations over the API."""

from flask import abort, request
from flask_babel import gettext as _
from flask_smorest import Blueprint
from sqlalchemy import select

from agency.domains.accounts import api_tokens, services, signin
from agency.domains.accounts import invitations as inviting
from agency.domains.accounts.models import Invitation, User
from agency.domains.accounts.schemas import (
    AgencySchema,
    AgencySignupResultSchema,
    AgencySignupSchema,
    ApiTokenSchema,
    ClientAccessSchema,
    InvitationOutSchema,
    InvitationSchema,
    IssuedTokenSchema,
    LoginSchema,
    UserSchema,
)
from agency.kernel.database import db
from agency.kernel.errors import NotAllowed
from agency.kernel.validation import load
from agency.surfaces.api.base import api_user, json_body, json_payload, token_required

auth = Blueprint("api_auth", __name__, url_prefix="/api/v1/auth", description="Bearer tokens")
agencies = Blueprint("api_agencies", __name__, url_prefix="/api/v1", description="Agencies")
users = Blueprint("api_users", __name__, url_prefix="/api/v1/users", description="Users")
invitations = Blueprint(
    "api_invitations", __name__, url_prefix="/api/v1/invitations", description="Invitations"
)
blueprints = (auth, agencies, users, invitations)


# What `invitations.client_people` answers: a client's people, and its open invitations.
PEOPLE, INVITED = 0, 1


def _visible(everything, part: int, refusal: str) -> list:
    """A manager sees all of the agency's; a client's full user, her own client's."""
    user = api_user()
    if user.is_manager:
        return db.session.scalars(everything).all()
    if user.full_client:
        return inviting.client_people(user.client_id)[part]
    raise NotAllowed(refusal)


@auth.post("/token")
@json_body(auth, LoginSchema)
@auth.response(201, IssuedTokenSchema)
@auth.doc(security=[])
def issue_token():
    """Exchange an email and password for a bearer token."""
    values = load(LoginSchema(), json_payload())
    try:
        user = signin.authenticate(
            values["email"], values["password"], request.remote_addr, values.get("agency")
        )
    except signin.LoginThrottled:
        abort(429)
    token, plain = api_tokens.issue_login_token(user)
    token.token = plain  # shown once, in this response only
    return token


@auth.get("/tokens")
@auth.response(200, ApiTokenSchema(many=True))
@token_required()
def list_tokens():
    """The caller's tokens (never their secrets)."""
    return api_tokens.tokens_of(api_user())


@auth.delete("/tokens/<int:token_id>")
@auth.response(200, ApiTokenSchema)
@token_required()
def revoke_token(token_id):
    """Revoke one of the caller's tokens."""
    return api_tokens.revoke_api_token(api_user(), token_id)


@agencies.post("/agencies")
@json_body(agencies, AgencySignupSchema)
@agencies.response(201, AgencySignupResultSchema)
@agencies.doc(security=[])
def create_agency():
    """Sign up a new agency and its owner."""
    agency, owner = services.signup_agency(json_payload())
    return {"agency": agency, "owner": owner}


@agencies.get("/agency")
@agencies.response(200, AgencySchema)
@token_required()
def current_agency():
    """The caller's agency."""
    return api_user().agency


@users.get("/")
@users.response(200, UserSchema(many=True))
@token_required()
def list_users():
    """The agency's users; for a client's full user, the people of her own client."""
    return _visible(
        select(User).order_by(User.id),
        PEOPLE,
        _("Only managers and a client's full users see the people."),
    )


@users.patch("/<int:user_id>/access")
@json_body(users, ClientAccessSchema)
@users.response(200, UserSchema)
@token_required()
def set_client_access(user_id):
    """A client's person gets full or limited access to the portal (by a manager, or a
    full user of the same client)."""
    return inviting.set_client_access(api_user(), user_id, json_payload())


@users.get("/me")
@users.response(200, UserSchema)
@token_required()
def me():
    """The caller."""
    return api_user()


@users.get("/<int:user_id>")
@users.response(200, UserSchema)
@token_required(managers=True)
def get_user(user_id):
    return db.get_or_404(User, user_id)


@invitations.get("/")
@invitations.response(200, InvitationOutSchema(many=True))
@token_required()
def list_invitations():
    """The agency's invitations; for a client's full user, the open ones to her portal."""
    return _visible(
        select(Invitation).order_by(Invitation.id),
        INVITED,
        _("Only managers and a client's full users see the invitations."),
    )


@invitations.post("/")
@json_body(invitations, InvitationSchema)
@invitations.response(201, InvitationOutSchema)
@token_required()
def create_invitation():
    """Invite someone by email; the invitation email is sent from the queue. A client's
    full user invites colleagues to her own portal (role and client are hers)."""
    return inviting.invite(api_user(), json_payload())


@invitations.get("/<int:invitation_id>")
@invitations.response(200, InvitationOutSchema)
@token_required(managers=True)
def get_invitation(invitation_id):
    return db.get_or_404(Invitation, invitation_id)


@invitations.delete("/<int:invitation_id>")
@invitations.response(200, InvitationOutSchema)
@token_required()
def withdraw_invitation(invitation_id):
    return inviting.withdraw_invitation(api_user(), invitation_id)
