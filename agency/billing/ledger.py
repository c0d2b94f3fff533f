"""The hours ledger's rules: manual entries, audited edits, the billed lock, hours used."""

from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import exists, func, select

from agency import clock, validation
from agency.billing import periods
from agency.billing.models import Invoice, TimeEntryEdit
from agency.billing.schemas import TimeEntryEditSchema, TimeEntrySchema
from agency.clients.models import Client
from agency.contracts.models import Contract, ContractStatus
from agency.errors import Conflict, ValidationError
from agency.extensions import db
from agency.hours.models import TimeEntry
from agency.hours.services import billable_minutes, record_time
from agency.staff.models import Secretary
from tenants import Agency, current_agency_id


def _agency() -> Agency:
    return db.session.get(Agency, current_agency_id())


def is_locked(client_id: int, at: datetime) -> bool:
    """True once an invoice (of any status) covers this moment: the period is billed."""
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    Invoice.client_id == client_id, Invoice.starts_at <= at, Invoice.ends_at > at
                )
            )
        )
    )


def _refuse_if_locked(client_id: int, at: datetime) -> None:
    if is_locked(client_id, at):
        raise Conflict(_("That period is invoiced: its time entries can no longer change."))


def _snapshot(entry: TimeEntry) -> dict:
    return {
        "started_at": entry.started_at.isoformat(),
        "ended_at": entry.ended_at.isoformat(),
        "raw_minutes": entry.raw_minutes,
        "billable_minutes": entry.billable_minutes,
        "billable": entry.billable,
    }


def _get_own(model, object_id: int | None, field: str, message: str):
    if object_id is None:
        return None
    found = db.session.get(model, object_id)
    if found is None:
        raise ValidationError.on(field, message)
    return found


def add_manual_entry(data: dict, user_id: int | None) -> TimeEntry:
    """A time entry typed in by hand, billed by the client's contract, with its reason."""
    data = validation.load(TimeEntrySchema(), data)
    _get_own(Client, data["client_id"], "client_id", _("No such client."))
    _get_own(Secretary, data["secretary_id"], "secretary_id", _("No such secretary."))
    started_at = data["started_at"]
    _refuse_if_locked(data["client_id"], started_at)
    entry = record_time(
        data["client_id"],
        started_at,
        started_at + timedelta(minutes=data["minutes"]),
        secretary_id=data["secretary_id"],
        source="manual",
    )
    if not data["billable"]:
        entry.billable = False
    db.session.flush()
    db.session.add(
        TimeEntryEdit(
            time_entry_id=entry.id,
            edited_by_id=user_id,
            before=None,
            after=_snapshot(entry),
            reason=data["reason"].strip(),
        )
    )
    db.session.commit()
    return entry


def edit_entry(entry: TimeEntry, data: dict, user_id: int | None) -> TimeEntry:
    """Change an entry's length or billable flag; who, before, after and why are kept."""
    data = validation.load(TimeEntryEditSchema(), data)
    _refuse_if_locked(entry.client_id, entry.started_at)
    before = _snapshot(entry)
    if "minutes" in data:
        contract = db.session.get(Contract, entry.contract_id) if entry.contract_id else None
        entry.ended_at = entry.started_at + timedelta(minutes=data["minutes"])
        entry.raw_minutes = data["minutes"]
        entry.billable_minutes = billable_minutes(
            data["minutes"] * 60,
            contract.rounding_minutes if contract else 1,
            contract.minimum_minutes if contract else 0,
        )
    if "billable" in data:
        entry.billable = data["billable"]
    db.session.add(
        TimeEntryEdit(
            time_entry_id=entry.id,
            edited_by_id=user_id,
            before=before,
            after=_snapshot(entry),
            reason=data["reason"].strip(),
        )
    )
    db.session.commit()
    return entry


def entries(client_id: int | None = None, start=None, end=None, limit: int = 500):
    query = select(TimeEntry).order_by(TimeEntry.started_at.desc(), TimeEntry.id.desc())
    if client_id is not None:
        query = query.where(TimeEntry.client_id == client_id)
    if start is not None:
        query = query.where(TimeEntry.started_at >= start)
    if end is not None:
        query = query.where(TimeEntry.started_at < end)
    found = db.session.scalars(query.limit(limit)).all()
    billed: dict[int, list] = {}
    for client, starts_at, ends_at in db.session.execute(
        select(Invoice.client_id, Invoice.starts_at, Invoice.ends_at).where(
            Invoice.client_id.in_({entry.client_id for entry in found})
        )
    ):
        billed.setdefault(client, []).append((starts_at, ends_at))
    for entry in found:
        entry.locked = any(
            start <= entry.started_at < end for start, end in billed.get(entry.client_id, [])
        )
    return found


def audit(entry: TimeEntry) -> list[TimeEntryEdit]:
    return db.session.scalars(
        select(TimeEntryEdit)
        .where(TimeEntryEdit.time_entry_id == entry.id)
        .order_by(TimeEntryEdit.id)
    ).all()


def active_contract(client_id: int) -> Contract | None:
    return db.session.scalar(
        select(Contract).where(
            Contract.client_id == client_id, Contract.status == ContractStatus.active.value
        )
    )


def hours(client: Client, now: datetime | None = None) -> dict:
    """Billable minutes used against included minutes in the client's current period."""
    agency = _agency()
    contract = active_contract(client.id)
    today = periods.local_today(now or clock.now(), agency.timezone)
    period = periods.current_period(contract.billing_day if contract else 1, today, agency.timezone)
    in_period = (
        TimeEntry.client_id == client.id,
        TimeEntry.billable.is_(True),
        TimeEntry.started_at >= period.starts_at,
        TimeEntry.started_at < period.ends_at,
    )
    used = db.session.scalar(
        select(func.coalesce(func.sum(TimeEntry.billable_minutes), 0)).where(*in_period)
    )
    per_secretary = db.session.execute(
        select(Secretary.id, Secretary.name, func.sum(TimeEntry.billable_minutes))
        .join(Secretary, Secretary.id == TimeEntry.secretary_id)
        .where(*in_period)
        .group_by(Secretary.id, Secretary.name)
        .order_by(Secretary.name)
    ).all()
    included = contract.included_minutes if contract else 0
    return {
        "client_id": client.id,
        "period_start": period.start,
        "period_end": period.end,
        "included_minutes": included,
        "used_minutes": int(used),
        "remaining_minutes": max(included - int(used), 0),
        "percent_used": (int(used) * 100 // included) if included else 0,
        "approval_required": bool(contract and contract.approval_required),
        "by_secretary": [
            {"secretary_id": sid, "name": name, "minutes": int(minutes)}
            for sid, name, minutes in per_secretary
        ],
    }


def hours_by_client(now: datetime | None = None) -> list[tuple[Client, dict]]:
    """The console's overview: each active client's hours this period."""
    clients = db.session.scalars(
        select(Client).where(Client.archived_at.is_(None)).order_by(Client.name)
    ).all()
    return [(client, hours(client, now)) for client in clients]


def hours_by_secretary(now: datetime | None = None) -> list[dict]:
    """Billable minutes each secretary logged this calendar month, in the agency's zone."""
    agency = _agency()
    today = periods.local_today(now or clock.now(), agency.timezone)
    period = periods.current_period(1, today, agency.timezone)
    rows = db.session.execute(
        select(Secretary.id, Secretary.name, func.coalesce(func.sum(TimeEntry.billable_minutes), 0))
        .outerjoin(
            TimeEntry,
            (TimeEntry.secretary_id == Secretary.id)
            & (TimeEntry.billable.is_(True))
            & (TimeEntry.started_at >= period.starts_at)
            & (TimeEntry.started_at < period.ends_at),
        )
        .group_by(Secretary.id, Secretary.name)
        .order_by(Secretary.name)
    ).all()
    return [{"secretary_id": sid, "name": name, "minutes": int(m)} for sid, name, m in rows]
