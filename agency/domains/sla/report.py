"""The SLA report: how many items were started in time, per client, secretary or kind.

An item belongs to the period it was created in (in the agency's zone). It is *met*
when it was started (or, never started, closed) at or before its due time; *missed*
when that happened later, or when it is still untouched after its due time; *pending*
while it is untouched and not yet due. The percentage is met / (met + missed); pending
items are counted but left out of it.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, select

from agency.domains.clients.models import Client
from agency.domains.staff.models import Secretary
from agency.domains.work.models import WorkItem
from agency.kernel import clock, labels
from agency.kernel.database import db
from agency.kernel.errors import BadInput
from tenants import Agency, current_agency_id

DEFAULT_PERIOD_DAYS = 30
GROUPINGS = ("client", "secretary", "kind")
EARLIEST, LATEST = date(1970, 1, 1), date(2999, 12, 31)


@dataclass(frozen=True)
class Period:
    """From and to, both days included, in ``timezone``."""

    start: date
    end: date
    timezone: str

    def utc_bounds(self) -> tuple[datetime, datetime]:
        zone = ZoneInfo(self.timezone)
        begin = datetime.combine(self.start, time(0), zone)
        end = datetime.combine(self.end + timedelta(days=1), time(0), zone)
        return begin.astimezone(UTC), end.astimezone(UTC)


@dataclass
class Row:
    key: str | None
    name: str
    met: int = 0
    missed: int = 0
    pending: int = 0

    @property
    def total(self) -> int:
        return self.met + self.missed + self.pending

    @property
    def percent(self) -> Decimal | None:
        """Met as a share of the items already decided, to one decimal; None with none."""
        decided = self.met + self.missed
        if decided == 0:
            return None
        share = Decimal(self.met * 100) / decided
        return share.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def agency_timezone() -> str:
    agency = db.session.get(Agency, current_agency_id())
    return (agency.timezone if agency else None) or "UTC"


def _bad(field: str, message: str) -> BadInput:
    return BadInput(message, {field: [message]})


def _day(text: str | None, field: str) -> date | None:
    if text is None or not text.strip():
        return None
    try:
        day = date.fromisoformat(text.strip())
    except ValueError as exc:
        raise _bad(field, _("Enter a date as YYYY-MM-DD.")) from exc
    if not EARLIEST <= day <= LATEST:
        raise _bad(field, _("Enter a date between 1970 and 2999."))
    return day


def period(start_text: str | None, end_text: str | None, timezone: str | None = None) -> Period:
    """The period asked for, by default the last 30 days up to today; a clear 400 when
    a date is not one or the end is before the start."""
    zone = timezone or agency_timezone()
    today = clock.now().astimezone(ZoneInfo(zone)).date()
    start, end = _day(start_text, "from"), _day(end_text, "to")
    end = end or today
    start = start or end - timedelta(days=DEFAULT_PERIOD_DAYS - 1)
    if end < start:
        raise _bad("to", _("The end date is before the start date."))
    return Period(start, end, zone)


def grouping(by: str | None) -> str:
    by = by or "client"
    if by not in GROUPINGS:
        raise _bad("by", _("Group the report by client, secretary or kind."))
    return by


def _counts(column, span: Period) -> list:
    begin, end = span.utc_bounds()
    responded = func.coalesce(WorkItem.started_at, WorkItem.closed_at)
    due = WorkItem.sla_due_at
    now = clock.now()
    met = and_(responded.is_not(None), responded <= due)
    pending = and_(responded.is_(None), due >= now)
    return db.session.execute(
        select(
            column,
            func.sum(case((met, 1), else_=0)),
            func.sum(case((pending, 1), else_=0)),
            func.count(WorkItem.id),
        )
        .where(
            WorkItem.created_at >= begin,
            WorkItem.created_at < end,
            WorkItem.sla_due_at.is_not(None),
        )
        .group_by(column)
    ).all()


def _names(by: str, keys: list) -> dict:
    ids = [k for k in keys if k is not None]
    if by == "kind":
        return {k: labels.label("work_kind", k) for k in ids}
    model = Client if by == "client" else Secretary
    if not ids:
        return {}
    return dict(db.session.execute(select(model.id, model.name).where(model.id.in_(ids))).all())


def sla_report(span: Period, by: str) -> list[Row]:
    """One row per client, secretary (the one the SLA counts against: see
    ``WorkItem.sla_secretary_id``; unassigned items in a row of their own) or kind."""
    column = {
        "client": WorkItem.client_id,
        "secretary": func.coalesce(WorkItem.sla_secretary_id, WorkItem.assignee_id),
        "kind": WorkItem.kind,
    }[grouping(by)]
    counts = _counts(column, span)
    names = _names(by, [c[0] for c in counts])
    rows = [
        Row(
            key=None if key is None else str(key),
            name=names.get(key) or _("Unassigned"),
            met=int(met or 0),
            missed=int(total) - int(met or 0) - int(pending or 0),
            pending=int(pending or 0),
        )
        for key, met, pending, total in counts
    ]
    return sorted(rows, key=lambda r: (r.key is None, r.name.lower(), r.key or ""))


def total(rows: list[Row]) -> Row:
    return Row(
        key=None,
        name=_("All"),
        met=sum(r.met for r in rows),
        missed=sum(r.missed for r in rows),
        pending=sum(r.pending for r in rows),
    )
