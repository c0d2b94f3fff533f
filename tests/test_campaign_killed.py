"""A campaign of 1,000 recipients whose worker is SIGKILLed part-way: a fresh worker
finishes it, and the SMTP server holds exactly 1,000 messages, one per recipient."""

import signal
import time
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import insert

from agency.domains.accounts.models import User
from agency.domains.clients.models import Client, Contact
from agency.domains.promotions import campaigns
from agency.domains.promotions.models import Campaign, Consent
from agency.kernel import clock
from agency.kernel.database import db
from tenants import use_agency
from tests.test_worker_killed import _start_worker, _stop, _wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.alone]
COUNT = 1000


def _audience(agency) -> None:
    with use_agency(agency.agency.id):
        rows = [
            {"client_id": agency.client.id, "name": f"Customer {n}", "kind": "customer",
             "email": f"customer{n}@list.example", "agency_id": agency.agency.id}
            for n in range(COUNT)
        ]  # fmt: skip
        ids = db.session.scalars(insert(Contact).returning(Contact.id), rows).all()
        db.session.execute(
            insert(Consent),
            [{"client_id": agency.client.id, "contact_id": i, "given": True,
              "method": "in_person", "agency_id": agency.agency.id} for i in ids],
        )  # fmt: skip
        db.session.commit()


def _campaign(agency) -> int:
    with use_agency(agency.agency.id):
        made = campaigns.create(
            db.session.get(Client, agency.client.id),
            {"subject": "Offer for {first_name}", "body": "Hello {name}",
             "send_at": (clock.now() + timedelta(minutes=1)).isoformat()},
            db.session.get(User, agency.secretary.id),
        )  # fmt: skip
        campaigns.submit(made)
        campaigns.approve(made)
        made.send_at = clock.now()
        campaigns.start_due(clock.now())
        db.session.commit()
        return made.id


def test_a_worker_killed_mid_campaign_sends_each_recipient_exactly_once(app, agency, mail):
    _audience(agency)
    smtp = app.config["SMTP_URL"]
    env = {"SMTP_URL": smtp, "CAMPAIGN_MESSAGES_PER_SECOND": "250",
           "CAMPAIGN_AGENCY_MESSAGES_PER_SECOND": "0",
           "CAMPAIGN_CLAIM_LEASE_SECONDS": "2"}  # fmt: skip
    campaign_id = _campaign(agency)
    first = second = None
    try:
        first = _start_worker(app, env)
        _wait_until(lambda: len(mail.messages) >= 300, "a third of the campaign", timeout=60)
        _stop(first, signal.SIGKILL)
        killed_at = len(mail.messages)
        assert killed_at < COUNT, "the worker finished before it was killed"
        with use_agency(agency.agency.id):  # the minute tick, once the campaign stalls
            assert campaigns.restart_stalled(clock.now() + campaigns.STALL * 2) == 1
            db.session.commit()
        second = _start_worker(app, env)

        def finished():
            db.session.expire_all()
            with use_agency(agency.agency.id):
                return db.session.get(Campaign, campaign_id).status == "sent"

        _wait_until(finished, "a fresh worker to finish the campaign", timeout=120)
        _stop(second, signal.SIGKILL)  # its work is done; only what it sent counts
    finally:
        for worker in (first, second):
            if worker is not None and worker.poll() is None:
                _stop(worker, signal.SIGKILL)
    delivered = Counter(m["X-Envelope-To"] for m in mail.messages)
    assert len(mail.messages) == COUNT, (killed_at, len(mail.messages))
    assert len(delivered) == COUNT and set(delivered.values()) == {1}


def test_another_agencys_urgent_mail_goes_during_a_big_campaign(app, agency, other_agency, mail):
    """One worker for every queue: the campaign makes way between its slices, and the
    other agency's email is delivered long before the campaign ends."""
    from agency.domains.notify.services import queue_email

    _audience(agency)
    env = {"SMTP_URL": app.config["SMTP_URL"], "CAMPAIGN_MESSAGES_PER_SECOND": "200",
           "CAMPAIGN_AGENCY_MESSAGES_PER_SECOND": "0", "CAMPAIGN_SLICE_SECONDS": "1"}  # fmt: skip
    _campaign(agency)
    worker = _start_worker(app, env)
    try:
        _wait_until(lambda: len(mail.messages) >= 100, "the campaign to be under way", timeout=60)
        with use_agency(other_agency.agency.id):
            queue_email("urgent@bravo.example", "Call back now", "The hospital called.", "urgent")
            db.session.commit()
        asked = time.monotonic()
        _wait_until(lambda: mail.to("urgent@bravo.example"), "the urgent email", timeout=30)
        waited = time.monotonic() - asked
        campaign_sent = len([m for m in mail.messages if "@list.example" in m["X-Envelope-To"]])
    finally:
        _stop(worker, signal.SIGKILL)
    assert campaign_sent < COUNT, "the campaign had finished: nothing was shown"
    assert waited < 5, waited
