"""SLA targets and holidays, and the due time of a new work item."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import Row, and_, bindparam, or_, select
from sqlalchemy.exc import IntegrityError

from agency.domains.clients.models import Client
from agency.domains.contracts.models import Contract, ContractStatus
from agency.domains.sla.business_time import add_business_minutes
from agency.domains.sla.models import Holiday, SlaTarget
from agency.domains.sla.schemas import HolidaySchema, SlaTargetSchema
from agency.kernel import clock
from agency.kernel.database import db
from agency.kernel.errors import Conflict, ValidationError
from agency.kernel.records import values_for

# Minutes from creation to the due time, by priority, wall-clock, when an agency has
# set no target of its own.
DEFAULT_SLA_MINUTES = {"urgent": 5, "high": 30, "normal": 240, "low": 1440}


@dataclass(frozen=True)
class Target:
    """The target that applies, and where it came from ("contract", "agency", "default")."""

    minutes: int
    business_hours_only: bool
    source: str


# --- which target applies ----------------------------------------------------------------


def _active_contract(client_id):
    return (
        select(Contract.id)
        .where(Contract.client_id == client_id, Contract.status == ContractStatus.active.value)
        .scalar_subquery()
    )


def _applies(client_id):
    return and_(
        SlaTarget.priority == bindparam("priority"),
        or_(SlaTarget.kind == bindparam("kind"), SlaTarget.kind.is_(None)),
        or_(SlaTarget.contract_id.is_(None), SlaTarget.contract_id == _active_contract(client_id)),
    )


# Built once (every new item reads them): the targets that may apply to a kind and
# priority, the client's active contract a subquery.
_TARGET_COLUMNS = (
    SlaTarget.contract_id,
    SlaTarget.kind,
    SlaTarget.minutes,
    SlaTarget.business_hours_only,
)
_CANDIDATES = select(*_TARGET_COLUMNS).where(_applies(bindparam("client_id")))
# What a new item's due time needs of its client, with the targets, a row for each (one
# row with none): the item's one read before it is written.
_CLIENT_AND_CANDIDATES = (
    select(Client.id, Client.timezone, Client.business_hours, *_TARGET_COLUMNS)
    .outerjoin(SlaTarget, _applies(Client.id))
    .where(Client.id == bindparam("client_id"))
)


def _best(candidates, priority: str) -> Target:
    """The client's active contract's override for this kind, then its override for every
    kind, then the agency's target for the kind, for every kind, then the built-in default."""
    if not candidates:
        return Target(DEFAULT_SLA_MINUTES[priority], False, "default")
    best = min(candidates, key=lambda t: (t.contract_id is None, t.kind is None))
    source = "agency" if best.contract_id is None else "contract"
    return Target(best.minutes, best.business_hours_only, source)


def target_for(client_id: int, kind: str, priority: str) -> Target:
    """The target that applies to the client's items of this kind and priority (see
    ``_best``). One query: the active contract is a subquery of it."""
    candidates = db.session.execute(
        _CANDIDATES, {"client_id": client_id, "kind": kind, "priority": priority}
    ).all()
    return _best(candidates, priority)


def client_and_target(client_id: int, kind: str, priority: str) -> tuple[Row | None, Target]:
    """The client's id, time zone and business hours (None if not a client of this
    agency) and the target for a new item of theirs: both in one query."""
    rows = db.session.execute(
        _CLIENT_AND_CANDIDATES, {"client_id": client_id, "kind": kind, "priority": priority}
    ).all()
    if not rows:
        return None, _best((), priority)
    found = [row for row in rows if row.minutes is not None]
    return rows[0], _best(found, priority)


def closed_days(client_id: int, since: date) -> set[date]:
    """The agency's holidays and the client's own closed days from ``since`` on."""
    return set(
        db.session.scalars(
            select(Holiday.day).where(
                Holiday.day >= since,
                or_(Holiday.client_id.is_(None), Holiday.client_id == client_id),
            )
        )
    )


def due_at(
    client: Client | Row,
    kind: str,
    priority: str,
    created_at: datetime,
    target: Target | None = None,
) -> datetime:
    """When an item created at ``created_at`` must be started by (``target``: the one that
    applies, when already read)."""
    target = target or target_for(client.id, kind, priority)
    if not target.business_hours_only or not client.business_hours:
        return created_at + timedelta(minutes=target.minutes)
    local_day = created_at.astimezone(ZoneInfo(client.timezone)).date()
    return add_business_minutes(
        created_at,
        target.minutes,
        client.timezone,
        client.business_hours,
        closed_days(client.id, local_day),
    )


# --- targets -------------------------------------------------------------------------------


def targets(contract_id: int | None = None, agency_only: bool = False) -> list[SlaTarget]:
    statement = select(SlaTarget).order_by(
        SlaTarget.contract_id.nulls_first(),
        SlaTarget.kind.nulls_first(),
        SlaTarget.priority,
        SlaTarget.id,
    )
    if agency_only:
        statement = statement.where(SlaTarget.contract_id.is_(None))
    elif contract_id is not None:
        statement = statement.where(SlaTarget.contract_id == contract_id)
    return db.session.scalars(statement).all()


def _find(contract_id: int | None, kind: str | None, priority: str) -> SlaTarget | None:
    return db.session.scalar(
        select(SlaTarget).where(
            SlaTarget.contract_id.is_(None)
            if contract_id is None
            else SlaTarget.contract_id == contract_id,
            SlaTarget.kind.is_(None) if kind is None else SlaTarget.kind == kind,
            SlaTarget.priority == priority,
        )
    )


def _check_contract(contract_id: int | None) -> None:
    if contract_id is not None and db.session.get(Contract, contract_id) is None:
        raise ValidationError.on("contract_id", _("Choose a contract of this agency."))


def _upsert(values: dict) -> tuple[SlaTarget, bool]:
    target = _find(values["contract_id"], values["kind"], values["priority"])
    created = target is None
    if created:
        target = SlaTarget(**values)
        db.session.add(target)
    else:
        target.minutes = values["minutes"]
        target.business_hours_only = values["business_hours_only"]
    target.updated_at = clock.now()
    return target, created


def _commit() -> None:
    try:
        db.session.commit()
    except IntegrityError as exc:  # the same row, saved a moment ago elsewhere
        db.session.rollback()
        raise Conflict(_("This was changed at the same time elsewhere; try again.")) from exc


def save_target(data: dict) -> tuple[SlaTarget, bool]:
    """Create the target for (contract, kind, priority), or update it: whether it is new."""
    values = values_for(SlaTargetSchema(), data)
    _check_contract(values["contract_id"])
    target, created = _upsert(values)
    _commit()
    return target, created


def save_grid(contract_id: int | None, cells: dict[tuple, dict | None]) -> list[SlaTarget]:
    """Set every (kind, priority) cell of the agency's or a contract's grid at once:
    a cell of None removes that target. All cells are checked before anything is written."""
    _check_contract(contract_id)
    checked, errors = {}, {}
    for (kind, priority), cell in cells.items():
        if cell is None:
            continue
        data = {**cell, "kind": kind, "priority": priority, "contract_id": contract_id}
        try:
            checked[(kind, priority)] = values_for(SlaTargetSchema(), data)
        except ValidationError as exc:
            errors[cell_key(kind, priority)] = [m for ms in exc.fields.values() for m in ms]
    if errors:
        raise ValidationError(_("Some targets need attention; nothing was saved."), errors)
    for (kind, priority), cell in cells.items():
        if cell is None:
            found = _find(contract_id, kind, priority)
            if found is not None:
                db.session.delete(found)
        else:
            _upsert(checked[(kind, priority)])
    _commit()
    return targets(contract_id, agency_only=contract_id is None)


def cell_key(kind: str | None, priority: str) -> str:
    """The name of a grid cell: "call_urgent", or "any_urgent" for every kind."""
    return f"{kind or 'any'}_{priority}"


def delete_target(target: SlaTarget) -> None:
    db.session.delete(target)
    db.session.commit()


# --- holidays ------------------------------------------------------------------------------


def holidays(client_id: int | None = None, agency_only: bool = False) -> list[Holiday]:
    statement = select(Holiday).order_by(Holiday.day, Holiday.client_id.nulls_first(), Holiday.id)
    if agency_only:
        statement = statement.where(Holiday.client_id.is_(None))
    elif client_id is not None:
        statement = statement.where(Holiday.client_id == client_id)
    return db.session.scalars(statement).all()


def add_holiday(data: dict) -> Holiday:
    """A closed day for the agency, or for one client (``client_id``)."""
    values = values_for(HolidaySchema(), data)
    client_id = values["client_id"]
    if client_id is not None and db.session.get(Client, client_id) is None:
        raise ValidationError.on("client_id", _("Choose a client of this agency."))
    clash = db.session.scalar(
        select(Holiday.id).where(
            Holiday.day == values["day"],
            Holiday.client_id.is_(None) if client_id is None else Holiday.client_id == client_id,
        )
    )
    if clash is not None:
        message = _("%(date)s is already a holiday.", date=values["day"].isoformat())
        raise Conflict(message, {"date": [message]})
    holiday = Holiday(**values)
    db.session.add(holiday)
    _commit()
    return holiday


def remove_holiday(holiday: Holiday) -> None:
    db.session.delete(holiday)
    db.session.commit()
