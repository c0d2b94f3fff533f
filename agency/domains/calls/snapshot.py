"""The decision's snapshot of a line (``decision.Line``), built from plain values: a
JSON document read in one round trip, or the ORM's attributes."""

from datetime import date, datetime, timedelta

from agency.domains.calls.decision import Desk, Line
from agency.domains.staff.schedule import WorkingCalendar

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
        language=client.get("language") or "en",
    )
