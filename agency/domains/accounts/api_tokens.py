"""API tokens: ``sec_<agency>_<secret>``, shown once and stored as a digest."""

import hashlib
import re
import secrets

from flask_babel import gettext as _
from sqlalchemy import select

from agency.domains.accounts.models import (
    ApiToken,
    User,
)
from agency.kernel import clock
from agency.kernel.database import db
from agency.kernel.errors import NotAllowed, NotFound, ValidationError
from tenants import set_current_agency

TOKEN_PREFIX = "sec"


TOKEN_SHAPE = re.compile(r"sec_([1-9][0-9]{0,8})_[A-Za-z0-9_-]{43}", re.ASCII)


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
