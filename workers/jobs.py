"""Job entry points: take ids, set the tenant, call one service."""

from agency.domains.billing import alerts, stripe_account
from agency.domains.billing import services as billing
from agency.domains.calendar import caldav_sync
from agency.domains.calls import history, messages, transfers
from agency.domains.clients.models import Client
from agency.domains.hours.services import HOURS_CHECK_KEY
from agency.domains.mail import imap, settle
from agency.domains.notify.services import deliver
from agency.domains.promotions import sending as campaign_sending
from agency.domains.promotions import website_post
from agency.domains.schedules import tick as schedules
from agency.domains.staff.models import Secretary
from agency.domains.work import pool, routing
from agency.kernel import clock
from agency.kernel.database import db
from agency.kernel.queue import redis_connection
from agency.kernel.retries import Gone
from tenants import use_agency


def deliver_email(agency_id: int, email_id: int) -> bool:
    with use_agency(agency_id):
        return deliver(email_id)


def send_campaign(agency_id: int, campaign_id: int) -> dict:
    """A campaign's messages, each recipient once (the bulk queue)."""
    with use_agency(agency_id):
        return campaign_sending.send(campaign_id)


def publish_campaign_post(agency_id: int, campaign_id: int) -> None:
    """A starting campaign's post on the client's WordPress site."""
    with use_agency(agency_id):
        website_post.publish(campaign_id)


def noop() -> None:
    """Does nothing: used to measure the queue itself."""


def route_item(agency_id: int, item_id: int, exclude_secretary_id: int | None = None) -> None:
    with use_agency(agency_id):
        routing.route(
            item_id, exclude=() if exclude_secretary_id is None else (exclude_secretary_id,)
        )


def route_queued(agency_id: int, queue: str = "default") -> int:
    """Route the agency's new items in batches while they come in, one such job at a time
    (see ``agency.domains.work.routing.PENDING_KEY``)."""

    with use_agency(agency_id):
        return routing.drain_queued(agency_id, queue)


def read_inbound(agency_id: int) -> int:
    """Read the agency's kept inbound messages in batches while they come in, one such
    job at a time (see ``agency.domains.mail.inbound.PENDING_KEY``)."""

    with use_agency(agency_id):
        return settle.drain(agency_id)


def sync_calendar(agency_id: int, client_id: int) -> dict:
    """Keep the client's own calendar server and their calendar here in step."""
    with use_agency(agency_id):
        redis_connection().delete(caldav_sync.pending_key(agency_id, client_id))
        client = db.session.get(Client, client_id)
        if client is None:
            raise Gone(f"client {client_id} no longer exists")
        return caldav_sync.sync(client)


def backfill(agency_id: int, secretary_id: int) -> None:
    with use_agency(agency_id):
        secretary = db.session.get(Secretary, secretary_id)
        if secretary is None:
            raise Gone(f"secretary {secretary_id} no longer exists")
        pool.backfill(secretary)


def tick() -> list[int]:
    """Every minute (RQ's cron scheduler): a schedules job per active agency, once a minute
    however many workers run a scheduler."""

    now = clock.now()
    if not schedules.claim_minute(now):
        return []
    return schedules.enqueue_agencies(now)


def run_schedules(agency_id: int) -> dict:
    """One agency's recurring rules and SLA watchdog, as that tenant."""
    return schedules.run_for_agency(agency_id)


def record_call(agency_id: int, call: dict) -> None:
    with use_agency(agency_id):
        history.record_call(call)


def record_calls(agency_id: int) -> int:
    with use_agency(agency_id):
        return history.record_inbox(agency_id)


def call_answered(agency_id: int, call_sid: str, answered_by: str, seconds: int | None) -> None:
    with use_agency(agency_id):
        history.call_answered(call_sid, answered_by, seconds)


def secretary_answered(agency_id: int, call_sid: str, secretary_id: int, leg_sid: str) -> None:
    with use_agency(agency_id):
        history.secretary_answered(call_sid, secretary_id, leg_sid)


def put_through(agency_id: int, call_id: int) -> str | None:
    """A warm put-through pressed on the desk: the provider's REST calls, off the request."""

    with use_agency(agency_id):
        return transfers.put_through(call_id)


def client_leg_status(agency_id: int, call_sid: str, leg_sid: str, status: str) -> None:
    with use_agency(agency_id):
        transfers.client_leg_status(call_sid, leg_sid, status)


def call_ended(agency_id: int, call_sid: str, status: str, seconds: int | None) -> None:
    with use_agency(agency_id):
        history.call_ended(call_sid, status, seconds)


def voicemail_received(agency_id: int, voicemail: dict) -> None:
    with use_agency(agency_id):
        messages.voicemail(**voicemail)


def notify_message(agency_id: int, message_id: int) -> bool:
    with use_agency(agency_id):
        return messages.notify(message_id)


def poll_mailbox(agency_id: int, mailbox_id: int) -> int:
    """Read a client's own mailbox over IMAP (retried with back-off when it is away)."""

    with use_agency(agency_id):
        return imap.poll(mailbox_id)


def run_billing(agency_id: int) -> dict:
    """One agency's hours alerts and invoice run (the billing queue)."""
    return billing.run_for_agency(agency_id)


def hours_alerts(agency_id: int, client_id: int) -> int:
    """Tell the client and the managers of a threshold of hours the client's new time
    crossed (the key that held this job back is let go first: time written from now on
    asks for a check of its own)."""
    redis_connection().delete(HOURS_CHECK_KEY.format(agency_id=agency_id, client_id=client_id))
    with use_agency(agency_id):
        return alerts.send_due(client_ids=[client_id])


def push_invoice(agency_id: int, invoice_id: int) -> str | None:
    """An issued invoice to the agency's own Stripe account."""

    with use_agency(agency_id):
        return stripe_account.sync(invoice_id)


def void_invoice(agency_id: int, invoice_id: int) -> str | None:
    """A voided invoice voided in the agency's own Stripe account too."""

    with use_agency(agency_id):
        return stripe_account.sync(invoice_id)
