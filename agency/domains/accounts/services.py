"""Agencies signing up, the words for roles, a person's language, and the managers to tell."""

from flask_babel import gettext as _
from marshmallow import ValidationError as SchemaError
from sqlalchemy import select

from agency.domains.accounts import passwords
from agency.domains.accounts.models import (
    MANAGING_ROLES,
    Role,
    User,
)
from agency.domains.accounts.schemas import (
    AgencySignupSchema,
)
from agency.kernel import validation
from agency.kernel.database import db
from agency.kernel.errors import Conflict, ValidationError
from tenants import Agency, directory, lifecycle


def signup_agency(data: dict) -> tuple[Agency, User]:
    """Create an agency and its owner in one transaction; the owner becomes the tenant."""
    values = validation.load(AgencySignupSchema(), data)
    if directory.agency_of_slug(values["slug"]) is not None:
        raise Conflict.on("slug", _("That address is taken."))
    agency = lifecycle.create(
        name=values["name"].strip(),
        slug=values["slug"],
        timezone=values["timezone"],
        locale=values["locale"],
        currency=values["currency"],
    )
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


def role_label(role: Role) -> str:
    return {
        Role.owner: _("owner"),
        Role.manager: _("manager"),
        Role.secretary: _("secretary"),
        Role.client: _("client"),
    }[role]


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
