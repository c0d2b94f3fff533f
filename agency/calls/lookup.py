"""What the voice webhook reads before it answers: the line a called number belongs to.

On PostgreSQL this is one round trip (the ``voice_line`` function); elsewhere the same
facts come from the ORM as the number's agency. Either way the decision gets a ``Line``.
"""

from dataclasses import dataclass
from datetime import datetime

from agency.calls.decision import Desk, Line
from agency.columns import EncryptedText
from agency.extensions import db, on_postgres
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


def line_from(client: dict, rules: dict | None, vips: list, desks: list) -> Line:
    """The decision's snapshot from plain values (a JSON document or ORM attributes)."""
    rules = {**RULE_DEFAULTS, **{k: v for k, v in (rules or {}).items() if v is not None}}
    return Line(
        client_name=client["name"],
        timezone=client["timezone"] or "UTC",
        greeting=client["greeting"],
        business_hours=client["business_hours"] or {},
        unavailable_windows=tuple(client["unavailable_windows"] or ()),
        status_text=client["status_text"],
        status_until=_moment(client["status_until"]),
        scheduled_statuses=tuple(
            {
                "starts_at": _moment(p["starts_at"]),
                "ends_at": _moment(p["ends_at"]),
                "text": p["text"],
            }
            for p in rules["scheduled_statuses"]
        ),
        vip_numbers=tuple(rules["vip_numbers"]) + tuple(vips),
        forward_numbers=tuple(rules["forward_numbers"]),
        block_numbers=tuple(rules["block_numbers"]),
        client_phone=rules["client_phone"] or client["phone"],
        transfer_mode=rules["transfer_mode"],
        ring_mode=rules["ring_mode"],
        ring_seconds=rules["ring_seconds"],
        desks=tuple(Desk(d["name"], d["phone"], d["role"], d.get("id")) for d in desks),
    )


def _from_document(doc: dict) -> LineContext:
    token = doc.get("auth_token")
    client = doc.get("client")
    return LineContext(
        agency_id=doc["agency_id"],
        active=doc.get("agency_status") == AgencyStatus.active.name,
        auth_token=EncryptedText().process_result_value(token, None) if token else None,
        client_id=client["id"] if client else None,
        line=line_from(client, doc.get("rules"), doc.get("vips") or [], doc.get("desks") or [])
        if client
        else None,
    )


def _from_orm(number: str) -> LineContext | None:
    from agency.calls import services
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
            line=services.line_for(client) if client else None,
        )
        db.session.rollback()
    return context


def context_for(number: str) -> LineContext | None:
    """The line ``number`` rings, or None when no agency's pool holds it."""
    if on_postgres():
        doc = voice_line(number)
        return _from_document(doc) if doc else None
    return _from_orm(number)
