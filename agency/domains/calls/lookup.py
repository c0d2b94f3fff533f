"""What the voice webhook reads before it answers: the line a called number belongs to.

On PostgreSQL this is one round trip (the ``voice_line`` function); elsewhere the same
facts come from the ORM as the number's agency. Either way the decision gets a ``Line``,
its desks with their working calendars around the moment asked about.
"""

from dataclasses import dataclass, replace
from datetime import UTC, datetime

import psycopg
from flask import current_app
from sqlalchemy import event

from agency.domains.calls import services
from agency.domains.calls.decision import Line
from agency.domains.calls.line_cache import LISTENER_NAME, ProcessLines
from agency.domains.calls.snapshot import desks_from, line_from
from agency.kernel.columns import EncryptedText
from agency.kernel.database import db, driver_connect_args, on_postgres
from tenants import Agency, AgencyStatus, use_agency
from tenants.numbers import agency_of_number, voice_line


@dataclass(frozen=True)
class LineContext:
    agency_id: int
    active: bool
    auth_token: str | None
    client_id: int | None
    line: Line | None


def _from_document(doc: dict, at: datetime) -> LineContext:
    token = doc.get("auth_token")
    client = doc.get("client")
    desks = desks_from(doc.get("desks") or [], doc.get("holidays") or [])
    return LineContext(
        agency_id=doc["agency_id"],
        active=doc.get("agency_status") == AgencyStatus.active.name,
        auth_token=EncryptedText().process_result_value(token, None) if token else None,
        client_id=client["id"] if client else None,
        line=line_from(client, doc.get("rules"), doc.get("vips") or [], desks, at)
        if client
        else None,
    )


def _from_orm(number: str, at: datetime) -> LineContext | None:
    agency_id = agency_of_number(number)
    if agency_id is None:
        db.session.rollback()
        return None
    with use_agency(agency_id):
        agency = db.session.get(Agency, agency_id)
        settings = services.voice_settings()
        client = services.client_of_line(number)
        context = LineContext(
            agency_id=agency_id,
            active=agency.status == AgencyStatus.active,
            auth_token=settings.auth_token if settings else None,
            client_id=client.id if client else None,
            line=services.line_for(client, at) if client else None,
        )
        db.session.rollback()
    return context


def _kept_lines():
    """This process's kept lines (see ``agency.domains.calls.line_cache``), listening on a
    connection of the app's own database (straight to PostgreSQL: LISTEN needs a session
    of its own, which a transaction pooler does not keep); None behind such a pooler
    without DATABASE_LISTEN_URL."""

    url = current_app.config["DATABASE_LISTEN_URL"]
    if not url:
        if current_app.config["DATABASE_TRANSACTION_POOLER"]:
            return None
        url = None  # the app's own
    connect_args = driver_connect_args(url)
    lines = current_app.extensions.get("voice_lines")
    if lines is None:
        lines = current_app.extensions["voice_lines"] = ProcessLines()
        engine = db.engine
        event.listen(engine, "engine_disposed", lambda _engine: lines.stop())
    return lines.cache(lambda: psycopg.connect(application_name=LISTENER_NAME, **connect_args))


def context_for(number: str, at: datetime) -> LineContext | None:
    """The line ``number`` rings, read for a call at ``at``, or None when no agency's
    pool holds it. On PostgreSQL a line read once is kept until its agency changes it
    (by number and UTC day); only its moment of reading is the call's own."""
    if not on_postgres():
        return _from_orm(number, at)
    cache = _kept_lines()
    if cache is None:
        return _read(number, at)
    key = (number, at.astimezone(UTC).date())
    kept = cache.get(key)
    if kept is not None:
        return replace(kept, line=replace(kept.line, read_at=at)) if kept.line else kept
    changes = cache.changes()
    context = _read(number, at)
    if context is not None:
        cache.keep(key, context.agency_id, context, changes)
    return context


def _read(number: str, at: datetime) -> LineContext | None:
    """The line as the database holds it now, in one statement."""
    doc = voice_line(number, at)
    return _from_document(doc, at) if doc else None
