"""The signed links sent by email: invitations to join an agency, and resetting a
forgotten password.
"""

from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from marshmallow import ValidationError as SchemaError
from sqlalchemy import func, select, update

from agency.domains.accounts import passwords
from agency.domains.accounts.models import ApiToken, ClientAccess, Invitation, Role, User
from agency.domains.accounts.schemas import (
    AcceptInvitationSchema,
    ClientAccessSchema,
    InvitationSchema,
    NewPasswordSchema,
)
from agency.domains.accounts.services import role_label
from agency.domains.clients.models import Client
from agency.domains.notify.language import queue_email_to
from agency.domains.staff.models import Secretary
from agency.kernel import clock, live, validation
from agency.kernel.database import db
from agency.kernel.errors import Conflict, NotAllowed, NotFound, ValidationError
from agency.kernel.links import external_url
from tenants import directory, set_current_agency, use_agency


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"secretariat-{purpose}")


def invite(inviter: User, data: dict) -> Invitation:
    """Invite someone by email to join the inviter's agency in a role. A client's person
    with full access invites colleagues of the same client (full or limited)."""
    if not (inviter.is_manager or inviter.full_client):
        raise NotAllowed(_("Only owners, managers and a client's full users can invite people."))
    if inviter.role == Role.client:
        data = {**data, "role": Role.client.value, "client_id": inviter.client_id}
    values = validation.load(InvitationSchema(), data)
    role = Role(values["role"])
    client_id = values.get("client_id")
    if role == Role.client:
        if client_id is None or db.session.get(Client, client_id) is None:
            raise ValidationError.on("client_id", _("Choose the client this person signs in for."))
    else:
        client_id = None
    existing = db.session.scalar(select(User).where(func.lower(User.email) == values["email"]))
    if existing is not None:
        raise Conflict(
            _("%(email)s already has a login here.", email=values["email"]),
            {"email": [_("Already a user of this agency.")]},
        )
    max_age = current_app.config["INVITATION_MAX_AGE_SECONDS"]
    invitation = Invitation(
        email=values["email"],
        name=values["name"].strip(),
        role=role,
        client_id=client_id,
        client_access=values["client_access"] if role == Role.client else ClientAccess.full,
        invited_by_id=inviter.id,
        expires_at=clock.now() + timedelta(seconds=max_age),
    )
    db.session.add(invitation)
    db.session.flush()
    token = _serializer("invitation").dumps({"a": invitation.agency_id, "i": invitation.id})
    link = external_url("auth.accept_invitation", token=token)
    queue_email_to(
        invitation.email,
        lambda: (
            _("%(agency)s invites you to Secretariat", agency=inviter.agency.name),
            _(
                "Hello %(name)s,\n\n%(inviter)s invites you to join %(agency)s as %(role)s.\n"
                "Accept the invitation and choose a password here:\n\n%(link)s\n\n"
                "The link works for %(days)d days.",
                name=invitation.name,
                inviter=inviter.name,
                agency=inviter.agency.name,
                role=role_label(role),
                link=link,
                days=max_age // 86400,
            ),
        ),
        purpose="invitation",
    )
    db.session.commit()
    return invitation


def _read_link(purpose: str, token: str, max_age: int, expired: str, invalid: str) -> dict:
    """The payload of a signed emailed link, with its agency made the tenant."""
    try:
        payload = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise ValidationError(expired, code="expired") from exc
    except BadSignature as exc:
        raise ValidationError(invalid, code="bad_token") from exc
    set_current_agency(payload["a"])
    return payload


def open_invitation(token: str) -> Invitation:
    """The invitation a link stands for, with its agency made the tenant."""
    payload = _read_link(
        "invitation",
        token,
        current_app.config["INVITATION_MAX_AGE_SECONDS"],
        _("This invitation has expired."),
        _("This invitation link is not valid."),
    )
    invitation = db.session.get(Invitation, payload["i"])
    if invitation is None or not invitation.is_open:
        raise ValidationError(_("This invitation was already used or withdrawn."), code="used")
    return invitation


def accept_invitation(token: str, data: dict) -> User:
    invitation = open_invitation(token)
    values = validation.load(AcceptInvitationSchema(), data)
    taken = db.session.scalar(select(User).where(func.lower(User.email) == invitation.email))
    if taken is not None:
        raise Conflict(_("%(email)s already has a login here.", email=invitation.email))
    user = User(
        email=invitation.email,
        name=values["name"].strip(),
        password_hash=passwords.hash_password(values["password"]),
        role=invitation.role,
        client_id=invitation.client_id,
        client_access=invitation.client_access,
    )
    db.session.add(user)
    db.session.flush()
    if invitation.role == Role.secretary:
        _link_secretary_profile(user)
    invitation.accepted_at = clock.now()
    db.session.commit()
    return user


def _link_secretary_profile(user: User) -> None:
    profile = db.session.scalar(select(Secretary).where(func.lower(Secretary.email) == user.email))
    if profile is None:
        profile = Secretary(name=user.name, email=user.email, timezone=user.agency.timezone)
        db.session.add(profile)
    profile.user_id = user.id


def withdraw_invitation(manager: User, invitation_id: int) -> Invitation:
    if not (manager.is_manager or manager.full_client):
        raise NotAllowed(_("Only owners and managers can withdraw invitations."))
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or not _may_manage(manager, invitation.client_id):
        raise NotFound()
    if invitation.accepted_at is None:
        invitation.revoked_at = clock.now()
    db.session.commit()
    return invitation


def request_password_reset(email: str) -> None:
    """Email a reset link for every agency where this email signs in (silently none)."""
    try:
        email = validation.email(email or "")
    except SchemaError:
        return
    for agency_id in directory.agencies_with_login(email):
        with use_agency(agency_id):
            user = db.session.scalar(select(User).where(func.lower(User.email) == email.lower()))
            if user is None:
                continue
            token = _serializer("reset").dumps(
                {"a": agency_id, "u": user.id, "h": user.password_stamp}
            )
            link = external_url("auth.reset_password", token=token)
            queue_email_to(
                user.email,
                lambda user=user, link=link: (
                    _("Reset your Secretariat password"),
                    _(
                        "Hello %(name)s,\n\nSomeone asked to reset your password for "
                        "%(agency)s.\nChoose a new one here (the link works for one hour, "
                        "once):\n\n%(link)s\n\nIf it was not you, ignore this email.",
                        name=user.name,
                        agency=user.agency.name,
                        link=link,
                    ),
                ),
                purpose="password_reset",
            )
            db.session.commit()


def user_for_reset(token: str) -> User:
    payload = _read_link(
        "reset",
        token,
        current_app.config["PASSWORD_RESET_MAX_AGE_SECONDS"],
        _("This reset link has expired."),
        _("This reset link is not valid."),
    )
    user = db.session.get(User, payload["u"])
    if user is None or user.password_stamp != payload["h"]:
        raise ValidationError(_("This reset link was already used."), code="used")
    return user


def reset_password(token: str, data: dict) -> User:
    """A new password: every session signed in with the old one ends, and every API
    token of the user is revoked."""
    user = user_for_reset(token)
    values = validation.load(NewPasswordSchema(), data)
    user.password_hash = passwords.hash_password(values["password"])
    live.touch(live.SCOPE, agency_id=user.agency_id)  # open pages sign in anew
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    )
    db.session.commit()
    return user


def _may_manage(actor: User, client_id: int | None) -> bool:
    """Managers manage everyone; a client's full user, the people of her own client."""
    return actor.is_manager or (actor.full_client and client_id == actor.client_id)


def client_people(client_id: int) -> tuple[list[User], list[Invitation]]:
    """A client's people who sign in to the portal, and the open invitations to it."""
    people = db.session.scalars(
        select(User)
        .where(User.client_id == client_id, User.role == Role.client)
        .order_by(User.name)
    ).all()
    invited = db.session.scalars(
        select(Invitation)
        .where(Invitation.client_id == client_id, Invitation.role == Role.client)
        .order_by(Invitation.id)
    ).all()
    return list(people), [i for i in invited if i.is_open]


def client_person(actor: User, user_id: int) -> User:
    """A client's person whom ``actor`` may manage, or NotFound."""
    person = db.session.get(User, user_id)
    if person is None or person.role != Role.client or not _may_manage(actor, person.client_id):
        raise NotFound()
    return person


def set_client_access(actor: User, user_id: int, data: dict) -> User:
    """Give a client's person full or limited access: a manager, or a full user of the
    same client. Nobody limits herself (a client keeps a full user)."""
    person = client_person(actor, user_id)
    values = validation.load(ClientAccessSchema(), data)
    if person.id == actor.id and values["client_access"] != person.client_access:
        raise Conflict(
            _("You cannot change your own access; another full user of the portal can."),
            {"client_access": [_("Not your own.")]},
        )
    person.client_access = values["client_access"]
    db.session.commit()
    return person
