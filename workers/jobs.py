"""Job entry points: take ids, set the tenant, call one service."""

from tenants import use_agency


def deliver_email(agency_id: int, email_id: int) -> bool:
    from agency.notify.services import deliver

    with use_agency(agency_id):
        return deliver(email_id)


def noop() -> None:
    """Does nothing: used to measure the queue itself."""


def route_item(agency_id: int, item_id: int) -> None:
    from agency.work.routing import route

    with use_agency(agency_id):
        route(item_id)


def backfill(agency_id: int, secretary_id: int) -> None:
    from agency.extensions import db
    from agency.staff.models import Secretary
    from agency.work.routing import backfill as backfill_secretary

    with use_agency(agency_id):
        secretary = db.session.get(Secretary, secretary_id)
        if secretary is not None:
            backfill_secretary(secretary)


def tick() -> list[int]:
    """Every minute (RQ's cron scheduler): a schedules job per active agency, once a minute
    however many workers run a scheduler."""
    from agency import clock
    from agency.schedules.tick import claim_minute, enqueue_agencies

    now = clock.now()
    if not claim_minute(now):
        return []
    return enqueue_agencies(now)


def run_schedules(agency_id: int) -> dict:
    """One agency's recurring rules and SLA watchdog, as that tenant."""
    from agency.schedules.tick import run_for_agency

    return run_for_agency(agency_id)


def run_billing(agency_id: int) -> dict:
    """One agency's hours alerts and invoice run (the billing queue)."""
    from agency.billing.services import run_for_agency

    return run_for_agency(agency_id)


def push_invoice(agency_id: int, invoice_id: int) -> str | None:
    """An issued invoice to the agency's own Stripe account."""
    from agency.billing.stripe_account import push

    with use_agency(agency_id):
        return push(invoice_id)
