"""The platform's minute tick: each active agency's recurring rules and SLA watchdog.

RQ's cron scheduler enqueues ``workers.jobs.tick`` every minute; the tick enqueues one
``workers.jobs.run_schedules`` job per active (not suspended) agency, which runs with
that agency as the tenant. Several workers may each run a cron scheduler: a Redis key
per minute lets one tick through.
"""

from datetime import datetime

from flask import current_app

from agency.domains.agenda import daily
from agency.domains.billing.services import is_due
from agency.domains.calendar import caldav_sync, reminders
from agency.domains.calls.history import inbox_waiting
from agency.domains.calls.messages import send_due_digests
from agency.domains.mail import settle
from agency.domains.mail.imap import enqueue_due
from agency.domains.paperwork import bills, chasing
from agency.domains.promotions import campaigns
from agency.domains.schedules.recovery import requeue_stuck
from agency.domains.schedules.services import materialise_due
from agency.domains.travel import reminders as travel_reminders
from agency.domains.vault import entries as vault
from agency.domains.work.routing import route_pool, sweep
from agency.domains.work.watchdog import watch
from agency.kernel import clock
from agency.kernel.database import db
from agency.kernel.queue import enqueue
from tenants import Agency, AgencyStatus, directory, use_agency

QUEUE = "default"
LOCK_KEY = "secretariat:schedules:tick:{minute}"


def _minute(now: datetime) -> str:
    return now.strftime("%Y%m%d%H%M")


def active_agency_ids() -> list[int]:
    return directory.agency_ids(active_only=True)


def claim_minute(now: datetime) -> bool:
    """True for the first tick of this minute across every worker, False after."""
    key = LOCK_KEY.format(minute=_minute(now))
    return bool(current_app.extensions["redis"].set(key, "1", nx=True, ex=180))


def enqueue_agencies(now: datetime | None = None) -> list[int]:
    """One schedules job per active agency, on the default queue; returns their ids."""

    now = now or clock.now()
    agency_ids = active_agency_ids()
    db.session.rollback()
    for agency_id in agency_ids:
        job_id = f"schedules-{agency_id}-{_minute(now)}"
        enqueue(
            "workers.jobs.run_schedules", agency_id, queue=QUEUE, job_id=job_id, agency_id=agency_id
        )
    _enqueue_billing(agency_ids, now)
    return agency_ids


def _enqueue_billing(agency_ids: list[int], now: datetime) -> None:
    """Every quarter hour, each agency's billing work (hours alerts, invoice run)."""

    if not is_due(now):
        return
    for agency_id in agency_ids:
        job_id = f"billing-{agency_id}-{_minute(now)}"
        enqueue(
            "workers.jobs.run_billing",
            agency_id,
            queue="billing",
            job_id=job_id,
            agency_id=agency_id,
        )


# Clients' own mailboxes are read every this many minutes.
MAILBOX_POLL_MINUTES = 5


def run_for_agency(agency_id: int, now: datetime | None = None) -> dict[str, int]:
    """Materialise the agency's due occurrences, watch its SLAs, send the message digests
    that are due, and queue again the jobs lost while Redis was away (as that tenant)."""

    now = now or clock.now()
    with use_agency(agency_id):
        agency = db.session.get(Agency, agency_id)
        if agency is None or agency.status != AgencyStatus.active:
            return {"created": 0, "rerouted": 0, "managers": 0}
        created = materialise_due(now)
        result = {"created": created, **watch(now)}

        sweep(now)  # items a lost routing job left behind
        settle.sweep(now)  # inbound mail a lost reading job left behind
        caldav_sync.request_due(now)  # clients' own calendars due a sync
        reminders.send_due(now)  # meetings about to start
        travel_reminders.send_due(now)  # flights and hotels about to start
        bills.send_due_reminders(now)  # the clients' bills falling due
        chasing.chase_due(now)  # the clients' customers who have not paid
        daily.send_due(now)  # the clients' agendas of the day
        vault.send_expiry_reminders(now)  # logins about to expire
        campaigns.start_due(now)  # campaigns whose time has come
        campaigns.restart_stalled(now)  # campaigns whose sending job was lost
        db.session.commit()
        route_pool()  # items nobody could take, for whoever is free now

        if inbox_waiting(agency_id):  # calls a lost job left in the inbox
            enqueue("workers.jobs.record_calls", agency_id, queue="realtime", agency_id=agency_id)
        send_due_digests(now)
        if now.minute % MAILBOX_POLL_MINUTES == 0:
            enqueue_due()
        requeue_stuck(now)  # records whose job was lost while Redis was away
        return result
