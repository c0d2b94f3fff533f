"""Email in its reader's language: the language a user chose, else a client's first
language (of those the product speaks), else the agency's."""

from collections.abc import Callable
from contextlib import contextmanager

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import func, select

from agency.domains.accounts.models import User
from agency.domains.clients.models import Client
from agency.domains.notify.models import OutboundEmail
from agency.domains.notify.services import queue_email
from agency.kernel.database import db
from tenants import Agency, current_agency_id


def language_of(address: str) -> str:
    """The language to write to ``address`` in, within the current agency."""
    languages = current_app.config["LANGUAGES"]
    address = (address or "").strip().lower()
    user = db.session.scalar(select(User).where(func.lower(User.email) == address))
    if user is not None and user.locale in languages:
        return user.locale
    client_id = user.client_id if user is not None else None
    client = (
        db.session.get(Client, client_id)
        if client_id
        else db.session.scalar(select(Client).where(func.lower(Client.email) == address))
    )
    for language in (client.languages if client is not None else None) or ():
        if language in languages:
            return language
    return db.session.get(Agency, current_agency_id()).locale


@contextmanager
def speaking_to(address: str):
    """What is written inside (gettext, dates, money) is in the reader's language."""
    with force_locale(language_of(address)):
        yield


def queue_email_to(
    address: str,
    compose: Callable[[], tuple[str, str]],
    purpose: str,
    headers: dict | None = None,
) -> OutboundEmail:
    """Queue an email whose subject and body ``compose`` writes in the reader's language."""
    with speaking_to(address):
        subject, body = compose()
    return queue_email(address, subject, body, purpose, headers)
