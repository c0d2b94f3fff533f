"""Free times for a meeting in a client's calendar, by the meeting rules of the client's
instruction sheet: inside the hours meetings may take (the client's business hours until
set), on the client's wall clock (so a DST change keeps 09:00 at 09:00), clear of every
busy time with the buffers kept before and after, under the daily cap, and far enough
ahead."""

from bisect import bisect_left
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import bindparam, select, union_all

from agency.domains.calendar.events import LONGEST
from agency.domains.calendar.models import CalendarEvent, EventKind, MeetingRules
from agency.domains.calendar.schemas import MeetingRulesSchema, SlotQuerySchema
from agency.domains.calls.models import CallRules
from agency.domains.clients.models import Client
from agency.domains.work.models import Status, WorkItem
from agency.kernel import clock
from agency.kernel.database import db
from agency.kernel.errors import ValidationError
from agency.kernel.records import values_for
from agency.kernel.validation import WEEKDAYS

# Meetings start on the quarter hour.
STEP = timedelta(minutes=15)
# The most days one search looks at, and the most slots it proposes.
WIDEST = 62
MOST_SLOTS = 200
RULE_FIELDS = (
    "working_hours", "buffer_before_minutes", "buffer_after_minutes", "daily_cap",
    "min_notice_minutes", "reminder_minutes", "remind_participants",
)  # fmt: skip


def rules_of(client: Client, found=None) -> MeetingRules:
    """The client's meeting rules (``found`` if read already: the stored rules, or a row
    of their columns); the defaults (not stored) until saved."""
    if found is None:
        found = db.session.scalar(select(MeetingRules).where(MeetingRules.client_id == client.id))
    if found is None:
        found = MeetingRules(
            client_id=client.id,
            working_hours=None,
            buffer_before_minutes=0,
            buffer_after_minutes=0,
            daily_cap=None,
            min_notice_minutes=0,
            reminder_minutes=60,
            remind_participants=False,
        )
    return found


def hours_in_use(client: Client, rules: MeetingRules) -> dict:
    """The hours meetings may take: the rules' own, else the client's business hours,
    else nine to five on weekdays."""
    if rules.working_hours is not None:
        return rules.working_hours
    if client.business_hours:
        return client.business_hours
    return {day: [["09:00", "17:00"]] for day in WEEKDAYS[:5]}


def rules_view(client: Client) -> dict:
    rules = rules_of(client)
    view = {name: getattr(rules, name) for name in RULE_FIELDS}
    return {**view, "client_id": client.id, "hours_in_use": hours_in_use(client, rules)}


def save_rules(client: Client, data: dict, partial: bool = False) -> MeetingRules:
    values = values_for(MeetingRulesSchema(), data, partial=partial)
    rules = rules_of(client)
    for name in RULE_FIELDS:
        if name in values:
            setattr(rules, name, values[name])
    rules.updated_at = clock.now()
    db.session.add(rules)
    db.session.commit()
    return rules


class Busy(NamedTuple):
    starts: datetime
    ends: datetime
    meeting: bool  # counts toward the daily cap


def _weekly_windows(client: Client, first: date, last: date, zone: ZoneInfo) -> list[Busy]:
    """The client's weekly unavailable windows on each day from ``first`` to ``last``."""
    found = []
    for window in client.unavailable_windows or []:
        day_name = window.get("weekday")
        if day_name not in WEEKDAYS:
            continue
        day = first
        while day <= last:
            if WEEKDAYS[day.weekday()] == day_name:
                found.append(_span_on(day, window.get("start"), window.get("end"), zone, False))
            day += timedelta(days=1)
    return [b for b in found if b is not None]


def _span_on(day: date, start: str | None, end: str | None, zone, meeting) -> Busy | None:
    try:
        begins = datetime.combine(day, time.fromisoformat(start), tzinfo=zone)
        if end == "24:00":
            finishes = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
        else:
            finishes = datetime.combine(day, time.fromisoformat(end), tzinfo=zone)
    except (TypeError, ValueError):
        return None
    if finishes <= begins:
        return None
    return Busy(begins.astimezone(UTC), finishes.astimezone(UTC), meeting)


# Built once: the two statements of a search, with the client and the moments bound.
# They go through the session's connection, not the ORM (whose tenant criteria and
# entity loading were half of a search's time), so they name the agency themselves;
# row-level security fences them as any other read.
_SHEET = (
    select(
        MeetingRules.id.label("rules_id"),
        MeetingRules.working_hours,
        MeetingRules.buffer_before_minutes,
        MeetingRules.buffer_after_minutes,
        MeetingRules.daily_cap,
        MeetingRules.min_notice_minutes,
        CallRules.scheduled_statuses,
    )
    .select_from(Client)
    .outerjoin(MeetingRules, MeetingRules.client_id == Client.id)
    .outerjoin(CallRules, CallRules.client_id == Client.id)
    .where(Client.id == bindparam("client_id"), Client.agency_id == bindparam("agency_id"))
)
_BUSY = union_all(
    select(CalendarEvent.starts_at, CalendarEvent.ends_at, CalendarEvent.kind).where(
        CalendarEvent.client_id == bindparam("client_id"),
        CalendarEvent.agency_id == bindparam("agency_id"),
        CalendarEvent.starts_at < bindparam("ends"),
        CalendarEvent.starts_at > bindparam("earliest_start"),  # bounds the index's range
        CalendarEvent.ends_at > bindparam("starts"),
        CalendarEvent.cancelled_at.is_(None),
        CalendarEvent.busy.is_(True),
        CalendarEvent.id != bindparam("moving"),  # the meeting being moved, if any
    ),
    select(WorkItem.starts_at, WorkItem.ends_at, WorkItem.kind).where(
        WorkItem.client_id == bindparam("client_id"),
        WorkItem.agency_id == bindparam("agency_id"),
        WorkItem.starts_at.is_not(None),
        WorkItem.starts_at < bindparam("ends"),
        WorkItem.ends_at > bindparam("starts"),
        WorkItem.status != Status.cancelled.value,
    ),
)


def _sheet(client: Client) -> tuple:
    """The client's stored meeting rules (a row with their columns, None until saved)
    and planned statuses, in one statement."""
    row = (
        db.session.connection()
        .execute(_SHEET, {"client_id": client.id, "agency_id": client.agency_id})
        .first()
    )
    if row is None:
        return None, None
    return (row if row.rules_id is not None else None), row.scheduled_statuses


def _planned(planned: list | None, starts: datetime, ends: datetime) -> list[Busy]:
    """The statuses planned ahead on the call rules ("on holiday 3-10 May")."""
    found = []
    for status in planned or []:
        try:
            begins = datetime.fromisoformat(status["starts_at"]).astimezone(UTC)
            finishes = datetime.fromisoformat(status["ends_at"]).astimezone(UTC)
        except (KeyError, TypeError, ValueError):
            continue
        if begins < ends and finishes > starts:
            found.append(Busy(begins, finishes, False))
    return found


def busy_times(
    client: Client, starts: datetime, ends: datetime, planned=None, moving: int = 0
) -> list[Busy]:
    """Every time the client is taken between ``starts`` and ``ends``: the calendar's
    busy events (but ``moving``, an event being moved), the meetings and travel
    arranged as work items, the weekly unavailable windows and the statuses planned
    ahead (``planned``, when read already)."""
    if planned is None:
        planned = _sheet(client)[1]
    zone = ZoneInfo(client.timezone)
    bounds = {"starts": starts, "ends": ends, "earliest_start": starts - LONGEST}
    keys = {"client_id": client.id, "agency_id": client.agency_id, "moving": moving}
    rows = db.session.connection().execute(_BUSY, {**keys, **bounds}).all()
    busy = [Busy(s, e, kind == EventKind.meeting.value) for s, e, kind in rows]
    first = starts.astimezone(zone).date() - timedelta(days=1)
    busy += _weekly_windows(client, first, ends.astimezone(zone).date(), zone)
    busy += _planned(planned, starts, ends)
    return sorted(busy, key=lambda b: b.starts)


def _meetings_per_day(busy: list[Busy], zone: ZoneInfo) -> dict[date, int]:
    counts: dict[date, int] = {}
    for b in busy:
        if b.meeting:
            day = b.starts.astimezone(zone).date()
            counts[day] = counts.get(day, 0) + 1
    return counts


def free_slots(
    client: Client, minutes: int, first: date, last: date, moving: int = 0, most: int = MOST_SLOTS
) -> list[dict]:
    """Free times for a meeting of ``minutes`` on the client's days ``first`` to
    ``last``, soonest first, each with its start and end in UTC and on the client's
    clock (at most ``most``); ``moving`` is an event being moved, whose own time is free
    for it."""
    if last < first:
        raise ValidationError.on("to", _("The last day comes before the first."))
    if (last - first).days >= WIDEST:
        raise ValidationError.on("to", _("Look at most 62 days at a time."))
    stored, planned = _sheet(client)
    rules = rules_of(client, stored)
    zone = ZoneInfo(client.timezone)
    hours = hours_in_use(client, rules)
    length = timedelta(minutes=minutes)
    before = timedelta(minutes=rules.buffer_before_minutes)
    after = timedelta(minutes=rules.buffer_after_minutes)
    earliest = clock.now() + timedelta(minutes=rules.min_notice_minutes)
    window_start = datetime.combine(first, time(0), tzinfo=zone).astimezone(UTC)
    window_end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone)
    busy = busy_times(
        client, window_start - before - length, window_end + after + length, planned or [], moving
    )
    per_day = _meetings_per_day(busy, zone)
    taken = _Taken(busy)
    slots = []
    day = first
    while day <= last and len(slots) < most:
        if rules.daily_cap is None or per_day.get(day, 0) < rules.daily_cap:
            for start, end in hours.get(WEEKDAYS[day.weekday()], []):
                span = _span_on(day, start, end, zone, False)
                if span is not None:
                    near = taken.near(span.starts - before, span.ends + after)
                    slots += _in_span(span, length, before, after, earliest, near, zone)
        day += timedelta(days=1)
    return slots[:most]


class _Taken:
    """Busy times sorted by start, to find those near a span without reading them all."""

    def __init__(self, busy: list[Busy]):
        self._busy = busy
        self._starts = [b.starts for b in busy]
        self._longest = max((b.ends - b.starts for b in busy), default=timedelta(0))

    def near(self, starts: datetime, ends: datetime) -> list[Busy]:
        """The busy times that overlap [starts, ends)."""
        low = bisect_left(self._starts, starts - self._longest)
        high = bisect_left(self._starts, ends)
        return [b for b in self._busy[low:high] if b.ends > starts]


def _in_span(span: Busy, length, before, after, earliest, busy: list[Busy], zone) -> list[dict]:
    """The quarter-hour starts in one span of working hours that fit."""
    found = []
    start = span.starts
    # The span's clock, read once: its offset holds for every start unless the clocks
    # change inside it.
    opens, closes = span.starts.astimezone(zone), span.ends.astimezone(zone)
    shift = opens.utcoffset() if opens.utcoffset() == closes.utcoffset() else None
    name = opens.tzname()
    reach_back, reach_ahead = before, length + after
    while start + length <= span.ends:
        if start >= earliest:
            low, high = start - reach_back, start + reach_ahead
            clash = next((b for b in busy if b.starts < high and b.ends > low), None)
            if clash is None:
                if shift is not None:
                    local, zone_name = start + shift, name
                else:
                    local = start.astimezone(zone)
                    zone_name = local.tzname()
                found.append(
                    {
                        "starts_at": start,
                        "ends_at": start + length,
                        "local": f"{local.date()} {local.hour:02}:{local.minute:02} {zone_name}",
                    }
                )
            else:  # jump past what is in the way
                start = max(start + STEP, _next_step(span.starts, clash.ends + before))
                continue
        start += STEP
    return found


def _next_step(origin: datetime, moment: datetime) -> datetime:
    """The first start on the quarter-hour grid from ``origin`` at or after ``moment``."""
    steps = -(-(moment - origin) // STEP)
    return origin + steps * STEP


def search(client: Client, query: dict) -> list[dict]:
    values = values_for(SlotQuerySchema(), query)
    return free_slots(client, values["minutes"], values["on_or_after"], values["on_or_before"])
