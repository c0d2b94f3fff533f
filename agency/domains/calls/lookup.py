"""What the voice webhook reads before it answers: the line a called number belongs to.

On PostgreSQL this is one round trip (the ``voice_line`` function); elsewhere the same
facts come from the ORM as the number's agency. Either way the decision gets a ``Line``,
its desks with their working calendars around the moment asked about.
"""

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

import psycopg
from sqlalchemy import event

from agency.domains.calls.decision import Desk, Line
from agency.domains.staff.schedule import WorkingCalendar
from agency.extensions import db, on_postgres
from agency.kernel.columns import EncryptedText
from tenants import AgencyStatus, use_agency
from tenants.numbers import agency_of_number, voice_line

RULE_DEFAULTS = {
    "vip_numbers": [],
    "forward_numbers": [],
    "block_numbers": [],
    "client_phone": None,
    "transfer_mode": "warm",
    "ring_mode": "sequential",
    "ring_seconds": 20,
    "scheduled_statuses": [],
}


@dataclass(frozen=True)
class LineContext:
    agency_id: int
    active: bool
    auth_token: str | None
    client_id: int | None
    line: Line | None


def _moment(value):
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def planned_statuses(stored) -> tuple:
    """The planned statuses with their moments read; one that cannot be read (kept before
    they were checked) is left out rather than failing a ringing phone."""
    planned = []
    for p in stored or ():
        try:
            starts, ends = _moment(p["starts_at"]), _moment(p["ends_at"])
            planned.append({"starts_at": starts, "ends_at": ends, "text": p["text"]})
        except (KeyError, TypeError, ValueError):
            continue
    return tuple(p for p in planned if _aware(p["starts_at"]) and _aware(p["ends_at"]))


def _aware(value) -> bool:
    return isinstance(value, datetime) and value.tzinfo is not None


def _day(value) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def desks_from(rows: list, holidays: list) -> tuple:
    """Desks from plain values: each row a secretary's name, phone, role, shift status,
    zone, weekly hours, absences (first and last day, within the days read) and date
    overrides ({day, spans}); ``holidays``: the agency's days off in those days."""
    days_off = frozenset(_day(d) for d in holidays)
    desks = []
    for row in rows:
        away = set()
        for first, last in row.get("away") or ():
            first, last = _day(first), _day(last)
            away.update(first + timedelta(days=n) for n in range((last - first).days + 1))
        calendar = WorkingCalendar(
            zone=row.get("timezone") or "UTC",
            hours=row.get("schedule") or {},
            away=frozenset(away),
            holidays=days_off,
            overrides={_day(o["day"]): o["spans"] for o in row.get("overrides") or ()},
        )
        desks.append(
            Desk(
                row["name"],
                row["phone"],
                row["role"],
                calendar,
                row["shift_status"],
                id=row.get("id"),
            )
        )
    return tuple(desks)


def line_from(
    client: dict, rules: dict | None, vips: list, desks: tuple, read_at: datetime | None = None
) -> Line:
    """The decision's snapshot from plain values (a JSON document or ORM attributes)."""
    rules = {**RULE_DEFAULTS, **{k: v for k, v in (rules or {}).items() if v is not None}}
    hours = client["business_hours"] or {}
    return Line(
        client_name=client["name"],
        timezone=client["timezone"] or "UTC",
        greeting=client["greeting"],
        business_hours=hours if isinstance(hours, dict) else {},
        unavailable_windows=tuple(client["unavailable_windows"] or ()),
        status_text=client["status_text"],
        status_until=_moment(client["status_until"]),
        scheduled_statuses=planned_statuses(rules["scheduled_statuses"]),
        vip_numbers=tuple(rules["vip_numbers"]) + tuple(vips),
        forward_numbers=tuple(rules["forward_numbers"]),
        block_numbers=tuple(rules["block_numbers"]),
        client_phone=rules["client_phone"] or client["phone"],
        transfer_mode=rules["transfer_mode"],
        ring_mode=rules["ring_mode"],
        ring_seconds=rules["ring_seconds"],
        desks=desks,
        read_at=read_at,
    )


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
    from agency.domains.calls import services
    from tenants import Agency

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
    connection of the app's own database."""
    from flask import current_app

    from agency.domains.calls.line_cache import LISTENER_NAME, ProcessLines

    lines = current_app.extensions.get("voice_lines")
    if lines is None:
        lines = current_app.extensions["voice_lines"] = ProcessLines()
        engine = db.engine
        event.listen(engine, "engine_disposed", lambda _engine: lines.stop())
    url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    return lines.cache(lambda: psycopg.connect(url, application_name=LISTENER_NAME))


def context_for(number: str, at: datetime) -> LineContext | None:
    """The line ``number`` rings, read for a call at ``at``, or None when no agency's
    pool holds it. On PostgreSQL a line read once is kept until its agency changes it
    (by number and UTC day); only its moment of reading is the call's own."""
    if not on_postgres():
        return _from_orm(number, at)
    cache = _kept_lines()
    key = (number, at.astimezone(UTC).date())
    kept = cache.get(key)
    if kept is not None:
        return replace(kept, line=replace(kept.line, read_at=at)) if kept.line else kept
    changes = cache.changes()
    doc = voice_line(number, at)
    if not doc:
        return None
    context = _from_document(doc, at)
    cache.keep(key, context.agency_id, context, changes)
    return context
