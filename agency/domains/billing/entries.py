"""Time entries typed in or corrected by hand: each change audited (who, before, after,
why), none inside an invoiced period, and no billable hours past the available ones
without the client's approval."""

from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from agency.domains.billing import overage
from agency.domains.billing.locks import STANDING, is_locked
from agency.domains.billing.models import Invoice, TimeEntryEdit
from agency.domains.billing.schemas import TimeEntryEditSchema, TimeEntrySchema
from agency.domains.clients.models import Client
from agency.domains.contracts.models import Contract
from agency.domains.hours.models import TimeEntry
from agency.domains.hours.services import billable_minutes, record_span
from agency.domains.staff.models import Secretary
from agency.kernel import validation
from agency.kernel.database import db
from agency.kernel.errors import Conflict, ValidationError


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
    if data["billable"]:
        overage.refuse_if_over(data["client_id"])
    parts = record_span(
        data["client_id"],
        started_at,
        started_at + timedelta(minutes=data["minutes"]),
        secretary_id=data["secretary_id"],
        source="manual",
    )
    db.session.flush()
    for entry in parts:
        entry.billable = entry.billable and data["billable"]
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
    return parts[0]


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
            Invoice.client_id.in_({entry.client_id for entry in found}), STANDING
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
