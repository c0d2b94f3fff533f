"""The manager's dashboard: open and late work, utilisation and contract hours, at a moment.

Every figure is computed for the current agency with a handful of aggregate queries,
whatever the number of clients, secretaries or items. Weeks and months are calendar
ones in the zone of the person they concern: a secretary's week runs from Monday 00:00
to the next Monday in the secretary's zone, a client's month from the 1st in the
client's zone, so a DST change or a month boundary falls where that person sees it.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select

from agency.domains.clients.models import Assignment, AssignmentRole, Client
from agency.domains.contracts.models import Contract, ContractStatus
from agency.domains.hours.models import TimeEntry
from agency.domains.staff import services as staff
from agency.domains.staff.models import Secretary
from agency.domains.staff.schedule import local_midnight, week_start, working_spans_utc
from agency.domains.work.models import OPEN_STATUSES, WorkItem
from agency.kernel import clock
from agency.kernel.database import db

OPEN = [s.value for s in OPEN_STATUSES]
# Late items shown on the page and in the API; the CSV export carries them all.
PAST_SLA_SHOWN = 100


def hours(minutes: int | None) -> Decimal | None:
    if minutes is None:
        return None
    return (Decimal(minutes) / 60).quantize(Decimal("0.01"), ROUND_HALF_UP)


def percent(part: int, whole: int | None) -> Decimal | None:
    """``part`` of ``whole`` in per cent, one decimal; None when there is no whole."""
    if not whole:
        return None
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.1"), ROUND_HALF_UP)


@dataclass
class ClientOpen:
    client_id: int
    client_name: str
    open_items: int


@dataclass
class SecretaryOpen:
    """Open items of one secretary; ``secretary_id`` None is the agency pool."""

    secretary_id: int | None
    secretary_name: str
    open_items: int

    @property
    def is_pool(self) -> bool:
        return self.secretary_id is None


@dataclass
class LateItem:
    item_id: int
    title: str
    kind: str
    priority: str
    status: str
    client_id: int
    client_name: str
    assignee_id: int | None
    assignee_name: str | None
    sla_due_at: datetime
    minutes_late: int

    @property
    def late_by(self) -> timedelta:
        return timedelta(minutes=self.minutes_late)


@dataclass
class Utilisation:
    """Hours a secretary logged this week against the hours their schedule holds."""

    secretary_id: int
    secretary_name: str
    timezone: str
    week_starts_on: date
    logged_minutes: int
    scheduled_minutes: int
    days_away: int

    @property
    def logged_hours(self) -> Decimal:
        return hours(self.logged_minutes)

    @property
    def scheduled_hours(self) -> Decimal:
        return hours(self.scheduled_minutes)

    @property
    def percent(self) -> Decimal | None:
        return percent(self.logged_minutes, self.scheduled_minutes)


@dataclass
class ClientHours:
    """Billable time of a client this month against the active contract's included hours."""

    client_id: int
    client_name: str
    timezone: str
    month: str
    used_minutes: int
    included_minutes: int | None
    plan_name: str | None

    @property
    def has_contract(self) -> bool:
        return self.included_minutes is not None

    @property
    def used_hours(self) -> Decimal:
        return hours(self.used_minutes)

    @property
    def included_hours(self) -> Decimal | None:
        return hours(self.included_minutes)

    @property
    def percent(self) -> Decimal | None:
        return percent(self.used_minutes, self.included_minutes)


@dataclass
class Dashboard:
    at: datetime
    open_by_client: list[ClientOpen] = field(default_factory=list)
    open_by_secretary: list[SecretaryOpen] = field(default_factory=list)
    past_sla: list[LateItem] = field(default_factory=list)
    past_sla_total: int = 0
    utilisation: list[Utilisation] = field(default_factory=list)
    client_hours: list[ClientHours] = field(default_factory=list)

    @property
    def open_items_total(self) -> int:
        return sum(row.open_items for row in self.open_by_secretary)


def dashboard(now: datetime | None = None) -> Dashboard:
    """Every figure of the console's dashboard for the current agency."""
    now = now or clock.now()
    by_client, by_secretary = open_items()
    return Dashboard(
        at=now,
        open_by_client=by_client,
        open_by_secretary=by_secretary,
        past_sla=past_sla(now, PAST_SLA_SHOWN),
        past_sla_total=past_sla_count(now),
        utilisation=utilisation(now),
        client_hours=client_hours(now),
    )


def open_items() -> tuple[list[ClientOpen], list[SecretaryOpen]]:
    """Open items per live client and per live secretary, plus the unassigned pool;
    an archived client or secretary shows up only while it still has open items."""
    counts = db.session.execute(
        select(WorkItem.client_id, WorkItem.assignee_id, func.count(WorkItem.id))
        .where(WorkItem.status.in_(OPEN))
        .group_by(WorkItem.client_id, WorkItem.assignee_id)
    ).all()
    per_client: dict[int, int] = {}
    per_secretary: dict[int | None, int] = {None: 0}
    for client_id, assignee_id, count in counts:
        per_client[client_id] = per_client.get(client_id, 0) + count
        per_secretary[assignee_id] = per_secretary.get(assignee_id, 0) + count

    clients = db.session.execute(
        select(Client.id, Client.name).where(
            or_(Client.archived_at.is_(None), Client.id.in_(list(per_client)))
        )
    ).all()
    by_client = [ClientOpen(cid, name, per_client.get(cid, 0)) for cid, name in clients]
    by_client.sort(key=lambda r: (-r.open_items, r.client_name.lower()))

    assigned = [sid for sid in per_secretary if sid is not None]
    secretaries = db.session.execute(
        select(Secretary.id, Secretary.name).where(
            or_(Secretary.archived_at.is_(None), Secretary.id.in_(assigned))
        )
    ).all()
    people = [SecretaryOpen(sid, name, per_secretary.get(sid, 0)) for sid, name in secretaries]
    people.sort(key=lambda r: (-r.open_items, r.secretary_name.lower()))
    pool = SecretaryOpen(None, _("Unassigned (agency pool)"), per_secretary[None])
    return by_client, [pool, *people]


def _late_filter(now: datetime):
    return and_(
        WorkItem.status.in_(OPEN),
        WorkItem.sla_due_at.is_not(None),
        WorkItem.sla_due_at < now,
    )


def past_sla(now: datetime | None = None, limit: int | None = None) -> list[LateItem]:
    """Open items past their SLA due time, the longest overdue first."""
    now = now or clock.now()
    statement = (
        select(
            WorkItem.id,
            WorkItem.title,
            WorkItem.kind,
            WorkItem.priority,
            WorkItem.status,
            WorkItem.client_id,
            Client.name,
            WorkItem.assignee_id,
            Secretary.name,
            WorkItem.sla_due_at,
        )
        .join(Client, Client.id == WorkItem.client_id)
        .outerjoin(Secretary, Secretary.id == WorkItem.assignee_id)
        .where(_late_filter(now))
        .order_by(WorkItem.sla_due_at, WorkItem.id)
        .limit(limit)
    )
    return [
        LateItem(*row, minutes_late=int((now - row[-1]).total_seconds() // 60))
        for row in db.session.execute(statement).all()
    ]


def past_sla_count(now: datetime | None = None) -> int:
    now = now or clock.now()
    return db.session.scalar(select(func.count(WorkItem.id)).where(_late_filter(now)))


def _in_windows(column_id, started_at, windows: dict[tuple, list[int]]):
    """Rows whose ``started_at`` falls in the window of their own owner id."""
    return or_(
        *(
            and_(column_id.in_(ids), started_at >= start, started_at < end)
            for (start, end), ids in windows.items()
        )
    )


def utilisation(now: datetime | None = None) -> list[Utilisation]:
    """Each live secretary's week so far: raw minutes logged against the minutes their
    working calendar holds for the whole week: the weekly hours less the days covered by
    absences and agency holidays, with the week's date overrides instead of the weekly
    hours on their days."""
    now = now or clock.now()
    secretaries = db.session.scalars(
        select(Secretary).where(Secretary.archived_at.is_(None)).order_by(Secretary.name)
    ).all()
    if not secretaries:
        return []
    weeks = {s.id: week_start(now, s.timezone) for s in secretaries}
    windows: dict[tuple, list[int]] = {}
    for s in secretaries:
        first = weeks[s.id]
        bounds = (
            local_midnight(first, s.timezone),
            local_midnight(first + timedelta(days=7), s.timezone),
        )
        windows.setdefault(bounds, []).append(s.id)

    logged = dict(
        db.session.execute(
            select(TimeEntry.secretary_id, func.sum(TimeEntry.raw_minutes))
            .where(_in_windows(TimeEntry.secretary_id, TimeEntry.started_at, windows))
            .group_by(TimeEntry.secretary_id)
        ).all()
    )
    calendars = staff.calendars(
        secretaries, min(weeks.values()), max(weeks.values()) + timedelta(days=6)
    )

    rows = []
    for s in secretaries:
        first = weeks[s.id]
        week = {first + timedelta(days=n) for n in range(7)}
        away = calendars[s.id].away & week
        spans = working_spans_utc(calendars[s.id], first)
        scheduled = sum(int((end - start).total_seconds() // 60) for start, end in spans)
        rows.append(
            Utilisation(
                secretary_id=s.id,
                secretary_name=s.name,
                timezone=s.timezone,
                week_starts_on=first,
                logged_minutes=int(logged.get(s.id) or 0),
                scheduled_minutes=scheduled,
                days_away=len(away),
            )
        )
    return rows


def _month(now: datetime, zone: str) -> tuple[date, date]:
    today = now.astimezone(ZoneInfo(zone)).date()
    first = today.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following


def client_hours(now: datetime | None = None) -> list[ClientHours]:
    """Each live client's billable minutes this month (in the client's zone) against the
    included minutes of its active contract; a client without one has None there."""
    now = now or clock.now()
    clients = db.session.execute(
        select(Client.id, Client.name, Client.timezone)
        .where(Client.archived_at.is_(None))
        .order_by(Client.name)
    ).all()
    if not clients:
        return []
    months = {cid: _month(now, zone) for cid, _name, zone in clients}
    windows: dict[tuple, list[int]] = {}
    for cid, _name, zone in clients:
        first, following = months[cid]
        bounds = (local_midnight(first, zone), local_midnight(following, zone))
        windows.setdefault(bounds, []).append(cid)

    used = dict(
        db.session.execute(
            select(TimeEntry.client_id, func.sum(TimeEntry.billable_minutes))
            .where(_in_windows(TimeEntry.client_id, TimeEntry.started_at, windows))
            .group_by(TimeEntry.client_id)
        ).all()
    )
    contracts = {
        client_id: (minutes, plan)
        for client_id, minutes, plan in db.session.execute(
            select(Contract.client_id, Contract.included_minutes, Contract.plan_name).where(
                Contract.status == ContractStatus.active.value
            )
        )
    }
    return [
        ClientHours(
            client_id=cid,
            client_name=name,
            timezone=zone,
            month=months[cid][0].strftime("%Y-%m"),
            used_minutes=int(used.get(cid) or 0),
            included_minutes=contracts.get(cid, (None, None))[0],
            plan_name=contracts.get(cid, (None, None))[1],
        )
        for cid, name, zone in clients
    ]


@dataclass
class ClientRow:
    client: Client
    contract: Contract | None
    primary_name: str | None


def client_table() -> list[ClientRow]:
    """Live clients with their active contract and primary secretary, in three queries."""
    clients = db.session.scalars(
        select(Client).where(Client.archived_at.is_(None)).order_by(Client.name)
    ).all()
    contracts = {
        c.client_id: c
        for c in db.session.scalars(
            select(Contract).where(Contract.status == ContractStatus.active.value)
        )
    }
    primaries = dict(
        db.session.execute(
            select(Assignment.client_id, Secretary.name)
            .join(Secretary, Secretary.id == Assignment.secretary_id)
            .where(
                Assignment.role == AssignmentRole.primary.value,
                Assignment.ended_at.is_(None),
            )
        ).all()
    )
    return [ClientRow(c, contracts.get(c.id), primaries.get(c.id)) for c in clients]
