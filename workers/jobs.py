"""Job entry points: take ids, set the tenant, call one service."""

from agency.kernel.retries import Gone
from tenants import use_agency


def deliver_email(agency_id: int, email_id: int) -> bool:
    from agency.domains.notify.services import deliver

    with use_agency(agency_id):
        return deliver(email_id)


def noop() -> None:
    """Does nothing: used to measure the queue itself."""


def route_item(agency_id: int, item_id: int, exclude_secretary_id: int | None = None) -> None:
    from agency.domains.work.routing import route

    with use_agency(agency_id):
        route(item_id, exclude=() if exclude_secretary_id is None else (exclude_secretary_id,))


def route_queued(agency_id: int, queue: str = "default") -> int:
    """Route the agency's new items in batches while they come in, one such job at a time
    (see ``agency.domains.work.routing.PENDING_KEY``)."""
    from agency.domains.work.routing import drain_queued

    with use_agency(agency_id):
        return drain_queued(agency_id, queue)


def backfill(agency_id: int, secretary_id: int) -> None:
    from agency.domains.staff.models import Secretary
    from agency.domains.work.routing import backfill as backfill_secretary
    from agency.extensions import db

    with use_agency(agency_id):
        secretary = db.session.get(Secretary, secretary_id)
        if secretary is None:
            raise Gone(f"secretary {secretary_id} no longer exists")
        backfill_secretary(secretary)


def tick() -> list[int]:
    """Every minute (RQ's cron scheduler): a schedules job per active agency, once a minute
    however many workers run a scheduler."""
    from agency.domains.schedules.tick import claim_minute, enqueue_agencies
    from agency.kernel import clock

    now = clock.now()
    if not claim_minute(now):
        return []
    return enqueue_agencies(now)


def run_schedules(agency_id: int) -> dict:
    """One agency's recurring rules and SLA watchdog, as that tenant."""
    from agency.domains.schedules.tick import run_for_agency

    return run_for_agency(agency_id)


def record_call(agency_id: int, call: dict) -> None:
    from agency.domains.calls.history import record_call as record

    with use_agency(agency_id):
        record(call)


def record_calls(agency_id: int) -> int:
    from agency.domains.calls.history import record_inbox

    with use_agency(agency_id):
        return record_inbox(agency_id)


def call_answered(agency_id: int, call_sid: str, answered_by: str, seconds: int | None) -> None:
    from agency.domains.calls.history import call_answered as answered

    with use_agency(agency_id):
        answered(call_sid, answered_by, seconds)


def secretary_answered(agency_id: int, call_sid: str, secretary_id: int, leg_sid: str) -> None:
    from agency.domains.calls.history import secretary_answered as answered

    with use_agency(agency_id):
        answered(call_sid, secretary_id, leg_sid)


def put_through(agency_id: int, call_id: int) -> str | None:
    """A warm put-through pressed on the desk: the provider's REST calls, off the request."""
    from agency.domains.calls.transfers import put_through as connect

    with use_agency(agency_id):
        return connect(call_id)


def client_leg_status(agency_id: int, call_sid: str, leg_sid: str, status: str) -> None:
    from agency.domains.calls.transfers import client_leg_status as leg_status

    with use_agency(agency_id):
        leg_status(call_sid, leg_sid, status)


def call_ended(agency_id: int, call_sid: str, status: str, seconds: int | None) -> None:
    from agency.domains.calls.history import call_ended as ended

    with use_agency(agency_id):
        ended(call_sid, status, seconds)


def voicemail_received(agency_id: int, voicemail: dict) -> None:
    from agency.domains.calls.messages import voicemail as take_voicemail

    with use_agency(agency_id):
        take_voicemail(**voicemail)


def notify_message(agency_id: int, message_id: int) -> bool:
    from agency.domains.calls.messages import notify

    with use_agency(agency_id):
        return notify(message_id)


def poll_mailbox(agency_id: int, mailbox_id: int) -> int:
    """Read a client's own mailbox over IMAP (retried with back-off when it is away)."""
    from agency.domains.mail.imap import poll

    with use_agency(agency_id):
        return poll(mailbox_id)


def run_billing(agency_id: int) -> dict:
    """One agency's hours alerts and invoice run (the billing queue)."""
    from agency.domains.billing.services import run_for_agency

    return run_for_agency(agency_id)


def push_invoice(agency_id: int, invoice_id: int) -> str | None:
    """An issued invoice to the agency's own Stripe account."""
    from agency.domains.billing.stripe_account import sync

    with use_agency(agency_id):
        return sync(invoice_id)


def void_invoice(agency_id: int, invoice_id: int) -> str | None:
    """A voided invoice voided in the agency's own Stripe account too."""
    from agency.domains.billing.stripe_account import sync

    with use_agency(agency_id):
        return sync(invoice_id)
