"""Sending a campaign, each recipient exactly once.

The job first writes one row per address (a unique key: a second start, or two jobs at
once, add nothing), then works through them in batches: a batch is claimed ("sending")
and committed; a few messages at a time are given to the SMTP server with their envelope
and whole text but not the final dot (one connection each, see ``transport``); their rows
are committed "sent" together; then the dots are sent. A worker killed at any moment
therefore leaves either rows "sending" whose messages the server has discarded with the
broken connections (they are sent again by the next job), or rows "sent" whose messages
the server has. What is left is the instant between the commit and the last dot, a few
microseconds wide.

A paused or cancelled campaign stops between batches. Campaigns run on the bulk queue,
which a worker takes from after calls, work and mail; a job sends for at most
CAMPAIGN_SLICE_SECONDS and leaves the rest to a new job at the back of that queue, so a
worker free for a moment takes another agency's urgent mail first. Every job of a client
and of an agency shares one pace (``pace``)."""

import smtplib
import time
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature
from sqlalchemy import bindparam, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from agency.domains.clients.models import Client, Contact
from agency.domains.promotions import campaigns, consent
from agency.domains.promotions.letter import LINK_LIFE, UNSUBSCRIBE, Letter
from agency.domains.promotions.models import (
    Campaign,
    CampaignStatus,
    ConsentMethod,
    Recipient,
    RecipientStatus,
)
from agency.domains.promotions.pace import Pace
from agency.domains.promotions.transport import Transport
from agency.kernel import clock, links
from agency.kernel.database import db, on_postgres
from agency.kernel.errors import BadInput
from agency.kernel.queue import enqueue

BATCH = 20
# How long a job waits for another worker's messages in flight before looking again.
WAIT = 0.5


def materialise(campaign: Campaign) -> int:
    """One row per consenting, unsuppressed address of the audience; how many are new."""
    rows = [
        {"campaign_id": campaign.id, "contact_id": c.id, "address": c.email.strip().lower(),
         "name": c.name, "language": c.language, "agency_id": campaign.agency_id}
        for c in campaigns.audience(campaign)
    ]  # fmt: skip
    if not rows:
        return 0
    table = Recipient.__table__
    if on_postgres():
        statement = pg_insert(table).on_conflict_do_nothing(
            index_elements=["campaign_id", "address"]
        )
    else:
        statement = insert(table).prefix_with("OR IGNORE")
    result = db.session.execute(statement, rows)
    db.session.commit()
    return result.rowcount or 0


def send(campaign_id: int) -> dict:
    """Send what remains of the campaign; the counts when it stops."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or campaign.status != CampaignStatus.sending:
        db.session.rollback()
        return {}
    if not db.session.scalar(select(Recipient.id).where(Recipient.campaign_id == campaign.id)):
        materialise(campaign)
    _reclaim(campaign_id)
    client = db.session.get(Client, campaign.client_id)
    letter = Letter(campaign, client)
    pace = Pace(campaign.agency_id, campaign.client_id)
    ends = time.monotonic() + current_app.config["CAMPAIGN_SLICE_SECONDS"]
    with Transport() as transport:
        while True:
            if not _still_sending(campaign_id):
                break
            if time.monotonic() > ends:  # the rest in a job of its own, behind other work
                enqueue("workers.jobs.send_campaign", campaign.agency_id, campaign_id,
                        queue="bulk")  # fmt: skip
                break
            batch = _claim(campaign_id)
            if not batch:
                if _in_flight(campaign_id):  # another worker's, live or dead: wait
                    time.sleep(WAIT)
                    _reclaim(campaign_id)
                    continue
                _finish(campaign_id)
                break
            _send_batch(transport, letter, pace, _recipients(batch))
    return campaigns.counts(db.session.get(Campaign, campaign_id))


def _in_flight(campaign_id: int) -> bool:
    found = db.session.scalar(
        select(Recipient.id).where(
            Recipient.campaign_id == campaign_id, Recipient.status == RecipientStatus.sending
        )
    )
    db.session.commit()
    return found is not None


def _still_sending(campaign_id: int) -> bool:
    status = db.session.scalar(select(Campaign.status).where(Campaign.id == campaign_id))
    db.session.commit()
    return status == CampaignStatus.sending


def _reclaim(campaign_id: int) -> None:
    """Rows a killed worker left "sending": their messages never got their final dot."""
    db.session.execute(
        update(Recipient)
        .where(
            Recipient.campaign_id == campaign_id,
            Recipient.status == RecipientStatus.sending,
            Recipient.claimed_at < clock.now() - _lease(),
        )
        .values(status=RecipientStatus.queued.value, claimed_at=None)
    )
    db.session.commit()


def _lease() -> timedelta:
    """A claim older than this belongs to a worker that is gone: its rows are sent again
    (a live worker sends a batch in seconds)."""
    return timedelta(seconds=current_app.config["CAMPAIGN_CLAIM_LEASE_SECONDS"])


def _claim(campaign_id: int) -> list[int]:
    statement = (
        select(Recipient.id)
        .where(Recipient.campaign_id == campaign_id, Recipient.status == RecipientStatus.queued)
        .order_by(Recipient.id)
        .limit(BATCH)
        .with_for_update(skip_locked=True)
    )
    ids = db.session.scalars(statement).all()
    if ids:
        db.session.execute(
            update(Recipient)
            .where(Recipient.id.in_(ids))
            .values(status=RecipientStatus.sending.value, claimed_at=clock.now())
        )
    db.session.commit()
    return list(ids)


def _finish(campaign_id: int) -> None:
    campaign = db.session.get(Campaign, campaign_id, with_for_update=True)
    left = db.session.scalar(
        select(Recipient.id).where(
            Recipient.campaign_id == campaign_id,
            Recipient.status.in_([RecipientStatus.queued, RecipientStatus.sending]),
        )
    )
    if campaign.status == CampaignStatus.sending and left is None:
        campaign.status = CampaignStatus.sent.value
        campaign.finished_at = clock.now()
    db.session.commit()


def _recipients(ids: list[int]) -> list:
    return db.session.execute(
        select(
            Recipient.id,
            Recipient.address,
            Recipient.name,
            Recipient.message_id,
            Recipient.language,
        )  # fmt: skip
        .where(Recipient.id.in_(ids))
        .order_by(Recipient.id)
    ).all()


_RECIPIENTS = Recipient.__table__
# A Core statement: an ORM update given many rows would want them by primary key.
_SENT = (
    update(_RECIPIENTS)
    .where(_RECIPIENTS.c.id == bindparam("rid"))
    .values(status=RecipientStatus.sent.value, sent_at=bindparam("at"),
            message_id=bindparam("mid"), attempts=_RECIPIENTS.c.attempts + 1)
)  # fmt: skip


def _send_batch(transport: Transport, letter: "Letter", pace: Pace, recipients) -> None:
    """A claimed batch, as many messages in suspense at once as the transport has
    connections; a pause waits for the batch's end."""
    for first in range(0, len(recipients), transport.width):
        chunk = recipients[first : first + transport.width]
        messages = []
        for recipient in chunk:
            pace.wait_turn()
            messages.append(letter.to(recipient))
        begun = transport.begin(messages)
        pending = []
        for recipient, message, handle in zip(chunk, messages, begun, strict=True):
            if isinstance(handle, smtplib.SMTPResponseException):  # refused: not sent
                _failed(recipient.id, handle)
            else:
                pending.append((recipient, message, handle))
        if pending:
            _deliver(transport, pending)


def _deliver(transport: Transport, pending: list) -> None:
    """Committed before the final dots: the messages are the server's now. A worker that
    dies once PostgreSQL has the commit but before the dots leave loses these messages,
    so that moment is kept short: the commit is answered without waiting for the disk
    (a crash of PostgreSQL itself in the next fraction of a second would forget that
    they were sent, and they would be sent again, never lost)."""
    at = clock.now()
    if on_postgres():  # the commit's answer without waiting for the disk: see _deliver
        db.session.execute(text("SET LOCAL synchronous_commit = off"))
    db.session.execute(
        _SENT, [{"rid": r.id, "at": at, "mid": message["Message-ID"]} for r, message, _h in pending]
    )
    db.session.commit()
    refusals = transport.finish([handle for _r, _m, handle in pending])
    for (recipient, _message, _handle), refusal in zip(pending, refusals, strict=True):
        if refusal is not None:
            _failed(recipient.id, refusal)


def _failed(recipient_id: int, exc: smtplib.SMTPResponseException) -> None:
    db.session.rollback()
    failed = db.session.get(Recipient, recipient_id)
    failed.status, failed.error = RecipientStatus.failed.value, str(exc)[:300]
    failed.attempts += 1
    db.session.commit()


def recipient_of_token(token: str) -> tuple[int, int]:
    """(agency id, recipient id) an unsubscribe link names; a clear 400 when tampered."""
    try:
        payload = links.unsign(UNSUBSCRIBE, token, max_age=LINK_LIFE)
        return int(payload["a"]), int(payload["r"])
    except (BadSignature, KeyError, TypeError, ValueError) as exc:
        raise BadInput(_("This unsubscribe link is not valid.")) from exc


def unsubscribe(recipient_id: int) -> Recipient:
    """The address is never written to again by this client, the contact's consent is
    withdrawn, and the recipient counts as unsubscribed; twice is once."""
    recipient = db.session.get(Recipient, recipient_id)
    if recipient is None:
        raise BadInput(_("This unsubscribe link is not valid."))
    campaign = db.session.get(Campaign, recipient.campaign_id)
    if consent.suppress(campaign.client_id, recipient.address, "unsubscribed"):
        contact = db.session.get(Contact, recipient.contact_id) if recipient.contact_id else None
        if contact is not None:
            consent.withdraw(contact, ConsentMethod.unsubscribe, f"campaign #{campaign.id}")
    if recipient.status in (RecipientStatus.sent, RecipientStatus.queued):
        recipient.status = RecipientStatus.unsubscribed.value
    db.session.commit()
    return recipient
