"""Extra hours that need the client's approval.

A contract with ``overage_needs_approval`` stops new work once the client has used every
available minute of the period (included plus carried over) until the client approves
extra hours for that period, optionally up to a cap. Starting the desk's timer and typing
in a billable entry are refused (409) while the client is over; an answered call is never
refused (the phone must be answered), its time entry is recorded and flagged
``unapproved_overage`` instead, and shows so in the ledger.
"""

from datetime import datetime

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import select

from agency.domains.accounts.services import active_managers
from agency.domains.billing import ledger
from agency.domains.billing.models import OverageApproval
from agency.domains.billing.schemas import OverageApprovalSchema
from agency.domains.clients.models import Client
from agency.domains.notify.language import queue_email_to
from agency.kernel import clock, validation
from agency.kernel.database import db
from agency.kernel.errors import Conflict, NotFound


def refusal(client_id: int, now: datetime | None = None) -> str | None:
    """Why no more time may be worked for the client now, or None when it may."""
    contract = ledger.active_contract(client_id)
    if contract is None or not contract.overage_needs_approval:
        return None
    client = db.session.get(Client, client_id)
    summary = ledger.summary(client, now)
    if not summary["overage_blocked"]:
        return None
    if summary["overage_approval"] is None:
        return _(
            "%(client)s has used all the hours available this period; extra hours need the "
            "client's approval first (the client can approve them in the portal).",
            client=client.name,
        )
    return _(
        "The extra hours %(client)s approved for this period are used up; the client can "
        "approve more in the portal.",
        client=client.name,
    )


def refuse_if_over(client_id: int, now: datetime | None = None) -> None:
    """A 409 with the reason when the client's hours are used up and not approved."""
    reason = refusal(client_id, now)
    if reason:
        raise Conflict(reason)


def approve(client: Client, data: dict, user) -> OverageApproval:
    """The client approves extra hours for the current period (a later approval replaces
    an earlier one; both are kept). The managers are told by email."""

    cap_minutes = validation.load(OverageApprovalSchema(), data).get("cap_minutes")
    summary = ledger.summary(client)
    if not summary["overage_needs_approval"]:
        raise Conflict(_("This client's contract does not ask for approval of extra hours."))
    approval = OverageApproval(
        client_id=client.id,
        period_start=summary["period_start"],
        cap_minutes=cap_minutes,
        approved_by_id=user.id if user else None,
        approved_at=clock.now(),
    )
    db.session.add(approval)

    def compose():
        if cap_minutes is None:
            body = _(
                "%(client)s approved extra hours without a cap for the period that started "
                "on %(start)s.",
                client=client.name,
                start=format_date(summary["period_start"]),
            )
        else:
            body = _(
                "%(client)s approved up to %(minutes)s extra minutes for the period that "
                "started on %(start)s.",
                client=client.name,
                minutes=cap_minutes,
                start=format_date(summary["period_start"]),
            )
        return _("%(client)s approved extra hours", client=client.name), body

    for manager in active_managers():
        if manager.email:
            queue_email_to(manager.email, compose, purpose="overage_approval")
    db.session.commit()
    return approval


def approvals(client_id: int) -> list[OverageApproval]:
    """Every approval the client gave, newest first."""
    if db.session.get(Client, client_id) is None:
        raise NotFound()
    return db.session.scalars(
        select(OverageApproval)
        .where(OverageApproval.client_id == client_id)
        .order_by(OverageApproval.id.desc())
    ).all()
