"""Who gets a work item.

In order: the client's primary when available, else a backup, else anyone in the agency
with the client's languages (B2 or better) and specialities; among candidates the lowest
load wins. "Available" means on shift by the secretary's own status, working now by their
calendar (``agency.domains.staff.schedule``: weekly hours in their zone, less absences and
agency holidays, with date overrides), and under their open-item capacity.
"""

from collections.abc import Collection
from datetime import date, datetime, timedelta
from typing import NamedTuple

from sqlalchemy import bindparam, func, select

from agency.domains.clients.models import Assignment, AssignmentRole, Client
from agency.domains.sla.models import Holiday
from agency.domains.staff import services as staff
from agency.domains.staff.models import Absence, Secretary, ShiftOverride, ShiftStatus
from agency.domains.staff.schedule import WorkingCalendar, working_at
from agency.domains.work.models import Status, WorkItem
from agency.kernel import clock
from agency.kernel.database import db
from agency.kernel.validation import CEFR_LEVELS

BUSY = (Status.assigned.value, Status.in_progress.value, Status.waiting.value)


def days_near(now: datetime) -> tuple[date, date]:
    """Every zone's today is within a day of UTC's."""
    return now.date() - timedelta(days=1), now.date() + timedelta(days=1)


class Exceptions(NamedTuple):
    """Who of a roster has an absence or a date override near today, and whether the
    agency has a holiday then: only those are read, most often nothing at all."""

    absences_of: frozenset = frozenset()
    overrides_of: frozenset = frozenset()
    holiday: bool = False


def _calendars(people, now: datetime, near: Exceptions) -> dict[int, WorkingCalendar]:
    """The calendars of ``people`` around ``now``: no query when nothing differs from the
    weekly hours, one otherwise (for the flagged secretaries only)."""
    if not (near.absences_of or near.overrides_of or near.holiday):
        return {p.id: WorkingCalendar(p.timezone or "UTC", p.schedule or {}) for p in people}
    return staff.calendars(
        people,
        *days_near(now),
        absences_of=near.absences_of,
        overrides_of=near.overrides_of,
        holidays=near.holiday,
    )


def loads() -> dict[int, int]:
    """Open items per secretary."""
    rows = db.session.execute(
        select(WorkItem.assignee_id, func.count(WorkItem.id))
        .where(WorkItem.status.in_(BUSY), WorkItem.assignee_id.is_not(None))
        .group_by(WorkItem.assignee_id)
    )
    return dict(rows.all())


def on_duty(secretary: Secretary, load: int) -> bool:
    """Available but for the calendar, which is read for many at once."""
    return (
        secretary.archived_at is None
        and secretary.shift_status == ShiftStatus.on_shift.value
        and load < secretary.capacity_items
    )


def available(secretary: Secretary, load: int, now: datetime) -> bool:
    if not on_duty(secretary, load):
        return False
    calendar = staff.calendars([secretary], *days_near(now))[secretary.id]
    return working_at(calendar, now)


def can_serve(secretary: Secretary, client: Client) -> bool:
    levels = {e["code"]: e["level"] for e in secretary.languages}
    speaks = all(
        code in levels and CEFR_LEVELS.index(levels[code]) >= CEFR_LEVELS.index("B2")
        for code in client.languages
    )
    skilled = all(
        (secretary.skills or {}).get(code, -1) >= minimum
        for code, minimum in (client.required_skills or {}).items()
    )
    return (
        speaks and skilled and set(client.required_specialities) <= set(secretary.speciality_codes)
    )


# Whether a secretary's day may differ from their weekly hours near today: an absence, a
# date override, an agency holiday (the same for every row, computed once).
_EXCEPTIONS = (
    select(Absence.id)
    .where(
        Absence.secretary_id == Secretary.id,
        Absence.starts_on <= bindparam("latest_day"),
        Absence.ends_on >= bindparam("earliest_day"),
    )
    .exists(),
    select(ShiftOverride.id)
    .where(
        ShiftOverride.secretary_id == Secretary.id,
        ShiftOverride.day <= bindparam("latest_day"),
        ShiftOverride.day >= bindparam("earliest_day"),
    )
    .exists(),
    select(Holiday.id)
    .where(
        Holiday.client_id.is_(None),
        Holiday.day <= bindparam("latest_day"),
        Holiday.day >= bindparam("earliest_day"),
    )
    .exists(),
)


def near(flagged) -> Exceptions:
    """``flagged``: (secretary id, maybe absent, maybe overridden, holiday near)."""
    flagged = list(flagged)
    return Exceptions(
        frozenset(i for i, absent, _o, _h in flagged if absent),
        frozenset(i for i, _a, overridden, _h in flagged if overridden),
        any(holiday for *_flags, holiday in flagged),
    )


_OPEN_ITEMS = (
    select(WorkItem.assignee_id, func.count(WorkItem.id).label("open_items"))
    .where(WorkItem.status.in_(BUSY), WorkItem.assignee_id.is_not(None))
    .group_by(WorkItem.assignee_id)
    .subquery("open_items")
)


# Built once: every active secretary with their current role for the client (or None),
# their open-item load, and whether their day may differ from their weekly hours.
_ROSTER = (
    select(
        Secretary.id,
        Secretary.timezone,
        Secretary.schedule,
        Secretary.shift_status,
        Secretary.capacity_items,
        Secretary.archived_at,
        Secretary.languages,
        Secretary.specialities,
        Secretary.skills,
        Assignment.role,
        func.coalesce(_OPEN_ITEMS.c.open_items, 0),
        *_EXCEPTIONS,
    )
    .outerjoin(
        Assignment,
        (Assignment.secretary_id == Secretary.id)
        & (Assignment.client_id == bindparam("client_id"))
        & Assignment.ended_at.is_(None),
    )
    .outerjoin(_OPEN_ITEMS, _OPEN_ITEMS.c.assignee_id == Secretary.id)
    .where(Secretary.archived_at.is_(None))
    .order_by(Secretary.id)
)


def _roster(client: Client, now: datetime):
    earliest, latest = days_near(now)
    return db.session.execute(
        _ROSTER, {"client_id": client.id, "earliest_day": earliest, "latest_day": latest}
    ).all()


class Rostered(NamedTuple):
    """What routing reads of a secretary: plain columns, no ORM object to build."""

    id: int
    timezone: str
    schedule: dict
    shift_status: str
    capacity_items: int
    archived_at: datetime | None
    languages: list
    specialities: list
    skills: dict

    @property
    def speciality_codes(self) -> list[str]:
        return [entry["code"] for entry in self.specialities]


ROLE_RANK = {AssignmentRole.primary: 0, AssignmentRole.backup: 1, None: 2}


def tiered(rows, client: Client):
    """``rows`` of (secretary, role for the client, open items), as the roster reads
    them: the tiers routing tries, in order: primary, backups, the rest of the agency;
    each a list of (secretary, open items)."""
    best = {}  # one role each: primary over backup over none
    for secretary, role, load in rows:
        known = best.get(secretary.id)
        if known is None or ROLE_RANK[role] < ROLE_RANK[known[1]]:
            best[secretary.id] = (secretary, role, load)
    tiers = {"primary": [], "backup": [], "agency": []}
    for secretary, role, load in best.values():
        if role is None and not can_serve(secretary, client):
            continue
        tiers[role or "agency"].append((secretary, load))
    return list(tiers.items())


def _read_roster(client: Client, now: datetime):
    """The roster for ``client`` as (secretary, role, open items) rows, and what of it
    may differ from the weekly hours near ``now``."""
    rows, flagged = [], []
    for *columns, role, load, absent, overridden, holiday in _roster(client, now):
        secretary = Rostered(*columns)
        rows.append((secretary, role, load))
        flagged.append((secretary.id, absent, overridden, holiday))
    return rows, near(flagged)


def candidates(client: Client, now: datetime | None = None):
    """The tiers routing tries, in order: primary, backups, the rest of the agency; each
    a list of (secretary, open items), before anyone's status, capacity or hours."""
    rows, _near_now = _read_roster(client, now or clock.now())
    return tiered(rows, client)


def on_duty_tiers(tiers):
    return [(tier, [(s, load) for s, load in rows if on_duty(s, load)]) for tier, rows in tiers]


def working_now(tiers, now: datetime, near: Exceptions) -> set[int]:
    """Who of the on-duty ``tiers`` is working at ``now`` by their calendar."""
    people = {s.id: s for _tier, rows in tiers for s, _load in rows}
    calendars = _calendars(
        people.values(),
        now,
        Exceptions(
            near.absences_of & people.keys(), near.overrides_of & people.keys(), near.holiday
        ),
    )
    return {i for i, calendar in calendars.items() if working_at(calendar, now)}


def pick(tiers, working: Collection[int], exclude: Collection[int] = ()):
    """The least loaded free secretary of the first tier that has one (ties: lowest id)."""
    for tier, rows in tiers:
        free = [(load, s.id, s) for s, load in rows if s.id in working and s.id not in exclude]
        if free:
            return min(free, key=lambda row: row[:2])[2], tier
    return None, "pool"


def choose(
    item: WorkItem, now: datetime | None = None, exclude: Collection[int] = ()
) -> tuple[Rostered | None, str]:
    """The secretary for ``item`` and the tier they came from (None, "pool" if nobody);
    secretaries whose ids are in ``exclude`` are passed over."""
    now = now or clock.now()
    rows, near = _read_roster(item.client, now)
    tiers = on_duty_tiers(tiered(rows, item.client))
    return pick(tiers, working_now(tiers, now, near), exclude)


# Every active secretary with their open-item load and whether their day may differ from
# their weekly hours: the roster of a whole batch, read once (the clients' roles apart).
STAFF = (
    select(
        Secretary.id,
        Secretary.timezone,
        Secretary.schedule,
        Secretary.shift_status,
        Secretary.capacity_items,
        Secretary.archived_at,
        Secretary.languages,
        Secretary.specialities,
        Secretary.skills,
        func.coalesce(_OPEN_ITEMS.c.open_items, 0),
        *_EXCEPTIONS,
    )
    .outerjoin(_OPEN_ITEMS, _OPEN_ITEMS.c.assignee_id == Secretary.id)
    .where(Secretary.archived_at.is_(None))
    .order_by(Secretary.id)
)
