"""Signing up, signing in, inviting, resetting passwords and API tokens."""

import hashlib
import re
import secrets
from datetime import timedelta

import pyotp
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from marshmallow import ValidationError as SchemaError
from sqlalchemy import func, select

from agency.domains.accounts import passwords, throttle
from agency.domains.accounts.models import (
    MANAGING_ROLES,
    ApiToken,
    Invitation,
    PlatformAdmin,
    Role,
    User,
)
from agency.domains.accounts.schemas import (
    AcceptInvitationSchema,
    AgencySignupSchema,
    InvitationSchema,
    NewPasswordSchema,
)
from agency.domains.clients.models import Client
from agency.domains.notify.services import queue_email
from agency.domains.staff.models import Secretary
from agency.kernel import clock, validation
from agency.kernel.database import db
from agency.kernel.errors import Conflict, NotAllowed, NotFound, ValidationError
from agency.kernel.links import external_url
from tenants import Agency, directory, set_current_agency, use_agency

TOKEN_PREFIX = "sec"
TOKEN_SHAPE = re.compile(r"sec_([1-9][0-9]{0,8})_[A-Za-z0-9_-]{43}", re.ASCII)


class LoginThrottled(Exception):
    """Too many failed logins for this account or address."""


# --- agency signup ------------------------------------------------------------------


def signup_agency(data: dict) -> tuple[Agency, User]:
    """Create an agency and its owner in one transaction; the owner becomes the tenant."""
    values = validation.load(AgencySignupSchema(), data)
    taken = db.session.scalar(select(Agency.id).where(Agency.slug == values["slug"]))
    if taken is not None:
        raise Conflict.on("slug", _("That address is taken."))
    agency = Agency(
        name=values["name"].strip(),
        slug=values["slug"],
        timezone=values["timezone"],
        locale=values["locale"],
        currency=values["currency"],
    )
    db.session.add(agency)
    db.session.flush()
    set_current_agency(agency.id)
    owner = User(
        agency_id=agency.id,
        email=values["owner_email"],
        name=values["owner_name"].strip(),
        password_hash=passwords.hash_password(values["owner_password"]),
        role=Role.owner,
        locale=values["locale"],
    )
    db.session.add(owner)
    db.session.commit()
    return agency, owner


# --- signing in ---------------------------------------------------------------------


def authenticate(email: str, password: str, address: str | None, agency_slug: str | None = None):
    """The user whose email and password match, with the tenant set to their agency.

    Raises LoginThrottled, SecondFactorRequired or ValidationError (a wrong login).
    """
    email = (email or "").strip().lower()
    if throttle.is_blocked(email, address):
        raise LoginThrottled()
    users = _users_with_login(email, agency_slug)
    if not users:
        passwords.verify_password(None, password)  # the same work as a real check
    matches = [u for u in users if passwords.verify_password(u.password_hash, password)]
    if not matches:
        throttle.record_failure(email, address)
        raise ValidationError(_("Wrong email or password."), code="invalid_login")
    if len(matches) > 1:
        raise ValidationError(
            _("This email signs in to several agencies: enter the agency's address too."),
            {"agency": [_("Enter the agency's address (its slug).")]},
            code="agency_required",
        )
    user = matches[0]
    set_current_agency(user.agency_id)
    return user


def _users_with_login(email: str, agency_slug: str | None) -> list[User]:
    agency_ids = directory.agencies_with_login(email)
    if agency_slug:
        wanted = db.session.scalar(select(Agency.id).where(Agency.slug == agency_slug.strip()))
        agency_ids = [a for a in agency_ids if a == wanted]
    users = []
    for agency_id in agency_ids:
        with use_agency(agency_id):
            user = db.session.scalar(select(User).where(func.lower(User.email) == email))
            if user is not None and user.active:
                users.append(user)
    return users


def complete_second_factor(user: User, code: str, address: str | None) -> User:
    """Check the TOTP code of a user whose password was right; failures count as logins."""
    if throttle.is_blocked(user.email, address):
        raise LoginThrottled()
    if user.totp_enabled and not _totp_matches(user, code):
        throttle.record_failure(user.email, address)
        raise ValidationError.on("code", _("That code is not right."))
    return user


def _totp_matches(user: User, code: str) -> bool:
    return bool(user.totp_secret) and pyotp.TOTP(user.totp_secret).verify(
        (code or "").replace(" ", ""), valid_window=1
    )


def issue_login_token(user: User) -> tuple[ApiToken, str]:
    """A token for an API sign-in; accounts with two-factor sign-in create tokens in settings."""
    if user.totp_enabled:
        raise NotAllowed(
            _("This account uses two-factor sign-in: create a token in your settings.")
        )
    return issue_api_token(user, "API login")


def tokens_of(user: User) -> list[ApiToken]:
    return db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
    ).all()


def record_login(user: User) -> None:
    user.last_login_at = clock.now()
    db.session.commit()


def load_session_user(session_id: str):
    """Flask-Login's loader: '<agency>:<user>' or 'platform:<id>'."""
    kind, _sep, raw_id = session_id.partition(":")
    if not raw_id.isdigit():
        return None
    if kind == "platform":
        set_current_agency(None)
        return db.session.get(PlatformAdmin, int(raw_id))
    if not kind.isdigit():
        return None
    set_current_agency(int(kind))
    user = db.session.get(User, int(raw_id))
    if user is None or not user.active:
        set_current_agency(None)
        return None
    return user


# --- platform operators -------------------------------------------------------------


def create_platform_admin(email: str, name: str, password: str) -> PlatformAdmin:
    email = validation.email(email)
    validation.password(password)
    if db.session.scalar(select(PlatformAdmin).where(PlatformAdmin.email == email)):
        raise Conflict(_("A platform admin with this email exists."))
    admin = PlatformAdmin(email=email, name=name, password_hash=passwords.hash_password(password))
    db.session.add(admin)
    db.session.commit()
    return admin


def authenticate_platform_admin(email: str, password: str, address: str | None) -> PlatformAdmin:
    email = (email or "").strip().lower()
    if throttle.is_blocked(email, address):
        raise LoginThrottled()
    admin = db.session.scalar(select(PlatformAdmin).where(func.lower(PlatformAdmin.email) == email))
    if not passwords.verify_password(admin.password_hash if admin else None, password):
        throttle.record_failure(email, address)
        raise ValidationError(_("Wrong email or password."), code="invalid_login")
    return admin


# --- invitations --------------------------------------------------------------------


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"secretariat-{purpose}")


def invite(inviter: User, data: dict) -> Invitation:
    """Invite someone by email to join the inviter's agency in a role."""
    if not inviter.is_manager:
        raise NotAllowed(_("Only owners and managers can invite people."))
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
        invited_by_id=inviter.id,
        expires_at=clock.now() + timedelta(seconds=max_age),
    )
    db.session.add(invitation)
    db.session.flush()
    token = _serializer("invitation").dumps({"a": invitation.agency_id, "i": invitation.id})
    link = external_url("auth.accept_invitation", token=token)
    queue_email(
        invitation.email,
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
    if not manager.is_manager:
        raise NotAllowed(_("Only owners and managers can withdraw invitations."))
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None:
        raise NotFound()
    if invitation.accepted_at is None:
        invitation.revoked_at = clock.now()
    db.session.commit()
    return invitation


def role_label(role: Role) -> str:
    return {
        Role.owner: _("owner"),
        Role.manager: _("manager"),
        Role.secretary: _("secretary"),
        Role.client: _("client"),
    }[role]


# --- password reset -----------------------------------------------------------------


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
                {"a": agency_id, "u": user.id, "h": _password_stamp(user)}
            )
            link = external_url("auth.reset_password", token=token)
            queue_email(
                user.email,
                _("Reset your Secretariat password"),
                _(
                    "Hello %(name)s,\n\nSomeone asked to reset your password for %(agency)s.\n"
                    "Choose a new one here (the link works for one hour, once):\n\n%(link)s\n\n"
                    "If it was not you, ignore this email.",
                    name=user.name,
                    agency=user.agency.name,
                    link=link,
                ),
                purpose="password_reset",
            )
            db.session.commit()


def _password_stamp(user: User) -> str:
    """Changes with the password, so a reset link works once; reveals nothing of the hash."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def user_for_reset(token: str) -> User:
    payload = _read_link(
        "reset",
        token,
        current_app.config["PASSWORD_RESET_MAX_AGE_SECONDS"],
        _("This reset link has expired."),
        _("This reset link is not valid."),
    )
    user = db.session.get(User, payload["u"])
    if user is None or _password_stamp(user) != payload["h"]:
        raise ValidationError(_("This reset link was already used."), code="used")
    return user


def reset_password(token: str, data: dict) -> User:
    user = user_for_reset(token)
    values = validation.load(NewPasswordSchema(), data)
    user.password_hash = passwords.hash_password(values["password"])
    db.session.commit()
    return user


# --- API tokens ---------------------------------------------------------------------


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_api_token(user: User, name: str) -> tuple[ApiToken, str]:
    """A new bearer token; the plain text is returned once and never stored."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationError.on("name", _("Give the token a name."))
    plain = f"{TOKEN_PREFIX}_{user.agency_id}_{secrets.token_urlsafe(32)}"
    token = ApiToken(user_id=user.id, name=name, prefix=plain[:16], token_hash=_digest(plain))
    db.session.add(token)
    db.session.commit()
    return token, plain


def revoke_api_token(user: User, token_id: int) -> ApiToken:
    token = db.session.scalar(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id)
    )
    if token is None:
        raise NotFound()
    if token.revoked_at is None:
        token.revoked_at = clock.now()
    db.session.commit()
    return token


def user_for_bearer(plain: str) -> User | None:
    """The user behind an 'Authorization: Bearer' token, with the tenant set."""
    shape = TOKEN_SHAPE.fullmatch(plain or "")
    if shape is None:
        return None
    set_current_agency(int(shape.group(1)))
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(plain)))
    if token is None or token.revoked_at is not None or not token.user.active:
        set_current_agency(None)
        return None
    token.last_used_at = clock.now()
    db.session.commit()
    return token.user


# --- two-factor ---------------------------------------------------------------------


def start_totp(user: User) -> str:
    """A fresh TOTP secret for the user to enrol (not enabled until confirmed)."""
    if not user.is_manager:
        raise NotAllowed(_("Two-factor sign-in is for owners and managers."))
    user.totp_secret = pyotp.random_base32()
    user.totp_enabled = False
    db.session.commit()
    return user.totp_secret


def totp_uri(user: User) -> str:
    return pyotp.TOTP(user.totp_secret).provisioning_uri(
        name=user.email, issuer_name=f"Secretariat ({user.agency.slug})"
    )


def confirm_totp(user: User, code: str) -> None:
    if not _totp_matches(user, code):
        raise ValidationError.on("code", _("That code is not right."))
    user.totp_enabled = True
    db.session.commit()


def disable_totp(user: User) -> None:
    user.totp_enabled = False
    user.totp_secret = None
    db.session.commit()


def set_locale(user: User, locale: str | None) -> None:
    if locale:
        try:
            validation.locale(locale)
        except SchemaError as exc:
            raise ValidationError(_("Choose one of the supported languages.")) from exc
    user.locale = locale or None
    db.session.commit()


def active_managers() -> list[User]:
    """The agency's owners and managers whose logins are active: who is told."""
    return db.session.scalars(
        select(User).where(User.role.in_(list(MANAGING_ROLES)), User.active.is_(True))
    ).all()
