"""Signing in: the password (throttled per account and per address), the second factor,
the session that remembers a person, the platform's own operators, and a person's
authenticator app.
"""

import pyotp
from flask_babel import gettext as _
from sqlalchemy import func, select

from agency.domains.accounts import passwords, throttle
from agency.domains.accounts.models import (
    PlatformAdmin,
    User,
)
from agency.kernel import clock, validation
from agency.kernel.database import db
from agency.kernel.errors import Conflict, NotAllowed, Unauthenticated, ValidationError
from tenants import directory, set_current_agency, use_agency


class LoginThrottled(Exception):
    """Too many failed logins for this account or address."""


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
        raise Unauthenticated(_("Wrong email or password."))
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
        wanted = directory.agency_of_slug(agency_slug.strip())
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


def record_login(user: User) -> None:
    user.last_login_at = clock.now()
    db.session.commit()


def load_session_user(session_id: str):
    """Flask-Login's loader: '<agency>:<user>:<password stamp>' or 'platform:<id>'. A
    session signed in with a password since changed is nobody's."""
    kind, _sep, rest = session_id.partition(":")
    if kind == "platform":
        set_current_agency(None)
        return db.session.get(PlatformAdmin, int(rest)) if rest.isdigit() else None
    raw_id, _sep, stamp = rest.partition(":")
    if not (kind.isdigit() and raw_id.isdigit() and stamp):
        return None
    set_current_agency(int(kind))
    user = db.session.get(User, int(raw_id))
    if user is None or not user.active or user.password_stamp != stamp:
        set_current_agency(None)
        return None
    return user


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
        raise Unauthenticated(_("Wrong email or password."))
    return admin


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
