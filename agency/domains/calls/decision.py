"""What happens to a call: one pure function over a snapshot of the client's line.

The live webhook, the rule simulator and the tests all call ``decide``; it reads no
database and no clock, so the same inputs always give the same answer. Each desk brings
its secretary's working calendar (zone, weekly hours, and the absences, date overrides
and agency holidays around the moment the line was read for), so a desk is rung only
when its secretary works at the call's moment, now or in a simulation days ahead. A
secretary's shift status (on shift, on break, off) describes the present: it counts for
moments close to when the line was read, the live call's own.
"""

import enum
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from agency.domains.staff.schedule import WorkingCalendar, working_at

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# How long after the line was read its desks' shift statuses still describe them.
STATUS_HOLDS = timedelta(minutes=15)


class Action(enum.StrEnum):
    reject = "reject"
    put_through = "put_through"
    ring_secretaries = "ring_secretaries"
    voicemail = "voicemail"


BROWSER = "client:"


def browser_identity(secretary_id: int) -> str:
    """Who a secretary's browser is to the provider (the identity of her access token)."""
    return f"desk-{secretary_id}"


@dataclass(frozen=True)
class Desk:
    """A secretary of the client's, what rings for her (her phone, or else her desk in
    the browser), and what says when she works (no calendar: at any time)."""

    name: str
    phone: str | None
    role: str  # "primary" or "backup"
    calendar: WorkingCalendar | None = None
    shift_status: str = "on_shift"
    id: int | None = None

    @property
    def endpoint(self) -> str | None:
        """Her phone number, or ``client:<identity>`` for her browser; None: nothing."""
        if self.phone:
            return self.phone
        return BROWSER + browser_identity(self.id) if self.id is not None else None


@dataclass(frozen=True)
class Line:
    """Everything the decision reads about a client's line at one moment."""

    client_name: str
    timezone: str = "UTC"
    greeting: str | None = None
    business_hours: dict = field(default_factory=dict)
    unavailable_windows: tuple = ()
    status_text: str | None = None
    status_until: datetime | None = None
    scheduled_statuses: tuple = ()
    vip_numbers: tuple = ()
    forward_numbers: tuple = ()
    block_numbers: tuple = ()
    client_phone: str | None = None
    transfer_mode: str = "warm"
    ring_mode: str = "sequential"
    ring_seconds: int = 20
    desks: tuple = ()
    # When the line was read: the desks' shift statuses hold around this moment only.
    read_at: datetime | None = None
    # The language the line speaks to callers (and the client): an ISO 639-1 code.
    language: str = "en"


@dataclass(frozen=True)
class Decision:
    action: Action
    rule: str
    # Rounds to dial in order, each (numbers rung at once, whisper to whoever answers);
    # a round nobody answers moves on to the next, the last to voicemail.
    rounds: tuple = ()
    warm: bool = False
    ring_seconds: int = 20
    greeting: str = ""
    # Why the client cannot be reached now, when that mattered.
    unreachable: str = ""
    # A warm put-through: the secretaries answer first and put the caller through to
    # this phone (the client's) from the desk; "" for every other decision.
    transfer_to: str = ""
    # The desks rung, so a whisper can say which secretary picked up.
    desks: tuple = ()


def matches(number: str, pattern: str) -> bool:
    """A pattern is an E.164 number, or one with * standing for any digits ("+4420*")."""
    pattern = pattern.strip()
    if "*" not in pattern:
        return number == pattern
    regex = "".join(r"\d*" if ch == "*" else re.escape(ch) for ch in pattern)
    return re.fullmatch(regex, number) is not None


def _listed(number: str, patterns) -> bool:
    return any(matches(number, p) for p in patterns)


def _local(at: datetime, zone: str) -> datetime:
    return at.astimezone(ZoneInfo(zone))


def _clock(text, end: bool = False) -> time | None:
    """A stored "HH:MM" as a time of day ("24:00" ends the day), None when it cannot be
    read (kept before times were checked): a ringing phone is never an error."""
    if end and text == "24:00":
        return time.max
    try:
        return time.fromisoformat(text)
    except (TypeError, ValueError):
        return None


def _in_span(local: datetime, start, end) -> bool:
    """Whether ``local`` falls in [start, end); a span that cannot be read holds no moment."""
    begins, finishes = _clock(start), _clock(end, end=True)
    return begins is not None and finishes is not None and begins <= local.time() < finishes


def _holds(local: datetime, span) -> bool:
    return isinstance(span, list | tuple) and len(span) == 2 and _in_span(local, *span)


def window_at(windows, zone: str, at: datetime) -> dict | None:
    """The weekly unavailable window ``at`` falls in (in the client's zone), if any."""
    local = _local(at, zone)
    day = WEEKDAYS[local.weekday()]
    return next(
        (
            window
            for window in windows
            if isinstance(window, dict)
            and window.get("weekday") == day
            and _in_span(local, window.get("start"), window.get("end"))
        ),
        None,
    )


def window_end(window: dict, zone: str, at: datetime) -> datetime:
    """When the occurrence of the weekly ``window`` that ``at`` falls in ends."""
    local = _local(at, zone)
    if window.get("end") == "24:00":
        day, moment = local.date() + timedelta(days=1), time(0)
    else:
        day, moment = local.date(), _clock(window.get("end"))
    return datetime.combine(day, moment, ZoneInfo(zone)).astimezone(UTC)


def unreachable_because(line: Line, at: datetime) -> str:
    """Why the client cannot take a call at ``at``, or "" when they can."""
    if not line.client_phone:
        return "no_client_phone"
    if line.status_text and (line.status_until is None or at < line.status_until):
        return "status"
    for planned in line.scheduled_statuses:
        if planned["starts_at"] <= at < planned["ends_at"]:
            return "scheduled_status"
    if window_at(line.unavailable_windows, line.timezone, at) is not None:
        return "unavailable_window"
    local = _local(at, line.timezone)
    spans = line.business_hours.get(WEEKDAYS[local.weekday()]) or []
    if line.business_hours and not any(_holds(local, span) for span in spans):
        return "outside_hours"
    return ""


def answers(line: Line, desk: Desk, at: datetime) -> bool:
    """Whether ``desk`` is rung for a call at ``at``: their secretary works then by their
    calendar, and is on shift when ``at`` is close to when the line was read."""
    if desk.calendar is not None and not working_at(desk.calendar, at):
        return False
    live = line.read_at is not None and abs(at - line.read_at) < STATUS_HOLDS
    return desk.shift_status == "on_shift" or not live


def _secretary_rounds(line: Line, at: datetime) -> tuple:
    desks = [d for d in line.desks if d.endpoint and answers(line, d, at)]
    primary = tuple(d.endpoint for d in desks if d.role == "primary")
    backups = tuple(d.endpoint for d in desks if d.role != "primary")
    groups = (primary + backups,) if line.ring_mode == "simultaneous" else (primary, backups)
    return tuple((numbers, line.client_name) for numbers in groups if numbers)


def to_secretaries(line: Line, at: datetime, rule: str, unreachable: str = "") -> Decision:
    """Ring the secretaries working at ``at``, or voicemail when none is."""
    rounds = _secretary_rounds(line, at)
    if not rounds:
        return Decision(
            Action.voicemail,
            "no_secretary_on_shift",
            greeting=line.greeting or "",
            unreachable=unreachable,
        )
    return Decision(
        Action.ring_secretaries,
        rule,
        rounds=rounds,
        ring_seconds=line.ring_seconds,
        greeting=line.greeting or "",
        unreachable=unreachable,
        desks=line.desks,
    )


def rings_client(decision: Decision, step: int) -> bool:
    """True when dial round ``step`` is the client's own phone (a direct put-through)."""
    return decision.action == Action.put_through and not decision.warm and step == 0


def decide(line: Line, caller: str, at: datetime) -> Decision:
    """The decision for ``caller`` ringing the client's line at ``at`` (aware)."""
    if _listed(caller, line.block_numbers):
        return Decision(Action.reject, "blocked")
    listed_as = (
        "vip"
        if _listed(caller, line.vip_numbers)
        else "forward_list"
        if _listed(caller, line.forward_numbers)
        else ""
    )
    if not listed_as:
        return to_secretaries(line, at, "secretaries")
    unreachable = unreachable_because(line, at)
    if unreachable:
        return to_secretaries(line, at, f"{listed_as}_client_unreachable", unreachable)
    desks = _secretary_rounds(line, at)
    if line.transfer_mode == "warm" and desks:
        # A secretary answers first and puts the caller through from the desk.
        return Decision(
            Action.put_through,
            listed_as,
            rounds=desks,
            warm=True,
            ring_seconds=line.ring_seconds,
            greeting=line.greeting or "",
            transfer_to=line.client_phone,
            desks=line.desks,
        )
    # Cold (or warm with nobody on shift to announce): the client's phone rings at once,
    # with a whisper of who calls; back to the secretaries when they do not answer.
    return Decision(
        Action.put_through,
        listed_as,
        rounds=(((line.client_phone,), caller), *desks),
        ring_seconds=line.ring_seconds,
        greeting=line.greeting or "",
        desks=line.desks,
    )
