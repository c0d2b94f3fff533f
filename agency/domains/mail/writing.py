"""Writing in the client's name: their language, office and signature, and the templates
filled with them.
"""

import re
from datetime import date

from babel.dates import format_date
from flask_babel import gettext as _
from sqlalchemy import or_, select

from agency.domains.clients.models import Client
from agency.domains.mail import settings as mail_settings
from agency.domains.mail.models import (
    MailTemplate,
)
from agency.domains.mail.schemas import (
    TemplateSchema,
)
from agency.kernel import clock
from agency.kernel.database import db
from agency.kernel.errors import ValidationError
from agency.kernel.i18n import LANGUAGES
from agency.kernel.records import values_for

VARIABLE = re.compile(r"\{(\w+)\}")


def client_language(client: Client) -> str:
    return next((code for code in client.languages or [] if code in LANGUAGES), "en")


def office_name(client: Client) -> str:
    return _("Office of %(name)s", name=client.name)


def signature_of(client: Client) -> str:
    rules = mail_settings.rules_for(client)
    return rules.signature or office_name(client)


def long_date(client: Client, day: date) -> str:
    return format_date(day, format="long", locale=client_language(client))


def fill(text: str, client: Client, contact_name: str | None = None) -> str:
    """A template's text with its variables filled; unknown ones are left as they are."""
    values = {
        "client_name": client.name,
        "contact_name": contact_name or _("Sir or Madam"),
        "today": long_date(client, clock.now().date()),
        "office": office_name(client),
    }
    return VARIABLE.sub(lambda m: values.get(m.group(1), m.group(0)), text or "")


def templates_for(kind: str, client_id: int | None = None) -> list[MailTemplate]:
    """The agency's templates of a kind, and the client's own when a client is given."""
    statement = select(MailTemplate).where(
        MailTemplate.kind == kind, MailTemplate.archived_at.is_(None)
    )
    owners = MailTemplate.client_id.is_(None)
    if client_id is not None:
        owners = or_(owners, MailTemplate.client_id == client_id)
    return db.session.scalars(statement.where(owners).order_by(MailTemplate.name)).all()


def _template_values(data: dict, partial: bool = False) -> dict:
    values = values_for(TemplateSchema(), data, partial=partial)
    if values.get("client_id") is not None and db.session.get(Client, values["client_id"]) is None:
        raise ValidationError.on("client_id", _("Choose a client of this agency."))
    return values


def create_template(data: dict) -> MailTemplate:
    template = MailTemplate(**_template_values(data))
    db.session.add(template)
    db.session.commit()
    return template


def update_template(template: MailTemplate, data: dict) -> MailTemplate:
    for key, value in _template_values(data, partial=True).items():
        setattr(template, key, value)
    db.session.commit()
    return template


def template_for(client: Client, template_id, kind: str) -> MailTemplate:
    """A template this client may use, or a clear error on the field."""
    template = db.session.get(MailTemplate, template_id) if template_id else None
    if (
        template is None
        or template.kind != kind
        or template.archived_at is not None
        or template.client_id not in (None, client.id)
    ):
        raise ValidationError.on("template_id", _("Choose one of this client's templates."))
    return template
