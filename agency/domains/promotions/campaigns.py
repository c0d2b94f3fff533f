"""A client's campaigns: written by the office, approved by the client in the portal,
sent at their time on the client's clock to the client's consenting contacts, paused and
resumed, and counted. Everything a campaign could be refused for is said before anything
is queued."""

import json
import string
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from marshmallow import Schema, fields, validate
from sqlalchemy import func, select

from agency.domains.clients.models import Client
from agency.domains.promotions import clicks, consent, segments, website_post
from agency.domains.promotions.models import (
    Campaign,
    CampaignStatus,
    Recipient,
    RecipientStatus,
    Segment,
    Suppression,
)
from agency.domains.websites.models import Website
from agency.kernel import clock, labels, validation
from agency.kernel.database import db
from agency.kernel.errors import Conflict, NotFound, ValidationError
from agency.kernel.queue import enqueue_after_commit
from agency.kernel.records import values_for

BODY_MAX = 50_000
PLACEHOLDERS = ("first_name", "name", "client_name")
EDITABLE = (CampaignStatus.draft,)
# A sending campaign with nothing moving for this long has lost its job.
STALL = timedelta(minutes=3)


class CampaignSchema(segments.AudienceSchema):
    subject = fields.String(required=True, validate=validate.Length(min=1, max=200))
    body = fields.String(required=True, validate=validate.Length(min=1))
    list_id = validation.Id(
        load_default=None,
        allow_none=True,
        metadata={"description": "A saved list of the client: its audience instead of these"},
    )
    send_at = fields.DateTime(
        required=True,
        metadata={"description": "On the client's clock when it has no offset"},
    )
    website_id = validation.Id(
        load_default=None,
        allow_none=True,
        metadata={"description": "A website of the client to post the promotion on too"},
    )


class CampaignDeclineSchema(Schema):
    note = fields.String(required=True, validate=validate.Length(min=1, max=2000))


def _placeholders(text: str, field: str) -> None:
    """Only {first_name}, {name} and {client_name}, each written whole."""
    try:
        parts = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise ValidationError.on(
            field, _("A brace is not closed: write placeholders as {first_name}.")
        ) from exc
    for _literal, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in PLACEHOLDERS or spec or conversion:
            raise ValidationError.on(
                field,
                _("{%(name)s} is not a placeholder; use {first_name}, {name} or {client_name}.",
                  name=name[:40]),
            )  # fmt: skip


def _checked(client: Client, values: dict) -> dict:
    subject, body = values["subject"].strip(), values["body"].strip()
    if not subject:
        raise ValidationError.on("subject", _("Write the subject."))
    if not body:
        raise ValidationError.on("body", _("Write the message."))
    if len(body.encode()) > BODY_MAX:
        raise ValidationError.on(
            "body", _("The message is longer than %(kb)s KB.", kb=BODY_MAX // 1000)
        )
    _placeholders(subject, "subject")
    _placeholders(body, "body")
    send_at = values["send_at"]
    if send_at.tzinfo is None:
        send_at = send_at.replace(tzinfo=ZoneInfo(client.timezone))
    if send_at < clock.now():
        raise ValidationError.on("send_at", _("The send time is in the past."))
    audience = segments.audience_of(values)
    if values["list_id"] is not None:
        chosen = db.session.get(Segment, values["list_id"])
        if chosen is None or chosen.client_id != client.id:
            raise ValidationError.on("list_id", _("Choose one of the client's saved lists."))
        audience = segments.criteria_of(chosen)
    if not consent.consenting_contacts(client.id, **audience, limit=1):
        raise ValidationError.on(
            "kinds", _("None of these contacts has given consent to the client's email.")
        )
    site = values["website_id"]
    if (
        site is not None
        and db.session.scalar(
            select(Website.id).where(Website.id == site, Website.client_id == client.id)
        )
        is None
    ):
        raise ValidationError.on("website_id", _("Choose one of the client's websites."))
    return {"subject": subject, "body": body, "audience": audience,
            "send_at": send_at, "website_id": site}  # fmt: skip


def create(client: Client, data: dict, user) -> Campaign:
    values = _checked(client, values_for(CampaignSchema(), data))
    campaign = Campaign(client_id=client.id, created_by_id=user.id, **values)
    db.session.add(campaign)
    db.session.commit()
    return campaign


def update(campaign: Campaign, data: dict) -> Campaign:
    if campaign.status not in EDITABLE:
        raise Conflict(_("Only a draft can be changed."))
    values = _checked(campaign.client, values_for(CampaignSchema(), data))
    for name, value in values.items():
        setattr(campaign, name, value)
    db.session.commit()
    return campaign


def public_language(client: Client) -> str:
    """What the client's public reads: the client's first language the product speaks."""
    languages = current_app.config["LANGUAGES"]
    found = [code for code in (client.languages or []) if code in languages]
    return found[0] if found else "en"


def fill(text: str, name: str, client_name: str) -> str:
    """The text as one reader gets it."""
    parts = (name or "").split()
    return text.format(first_name=parts[0] if parts else "", name=name or "",
                       client_name=client_name)  # fmt: skip


def preview(campaign: Campaign, firsts: dict | None = None) -> dict:
    """The subject and text as the first of its audience will read them; ``firsts``
    keeps the first reader of each audience already looked up."""
    firsts = {} if firsts is None else firsts
    key = (campaign.client_id, json.dumps(campaign.audience or {}, sort_keys=True))
    if key not in firsts:
        firsts[key] = next(iter(audience(campaign, limit=1)), None)
    first, client_name = firsts[key], campaign.client.name
    name = first.name if first is not None else client_name
    return {"name": name, "subject": fill(campaign.subject, name, client_name),
            "body": fill(campaign.body, name, client_name)}  # fmt: skip


def audience(campaign: Campaign, limit: int | None = None):
    chosen = campaign.audience or {}
    return consent.consenting_contacts(
        campaign.client_id, chosen.get("kinds"), chosen.get("tags"), chosen.get("languages"),
        chosen.get("contacted_within_days"), chosen.get("quiet_for_days"), limit=limit,
    )  # fmt: skip


def submit(campaign: Campaign) -> Campaign:
    """Before the client for approval; nothing goes before they say yes."""
    if campaign.status != CampaignStatus.draft:
        raise Conflict(_("This campaign is %(status)s.", status=_status(campaign)))
    if campaign.send_at < clock.now():
        raise ValidationError.on("send_at", _("The send time is in the past."))
    campaign.status = CampaignStatus.awaiting_approval.value
    campaign.review_note = None
    db.session.commit()
    return campaign


def approve(campaign: Campaign) -> Campaign:
    """The client says yes: it goes at its time (now, if that has come)."""
    if campaign.status != CampaignStatus.awaiting_approval:
        raise Conflict(_("This campaign is not waiting for approval."))
    campaign.status = CampaignStatus.scheduled.value
    campaign.approved_at = clock.now()
    db.session.flush()
    start_due(clock.now())
    db.session.commit()
    return campaign


def decline(campaign: Campaign, data: dict) -> Campaign:
    values = values_for(CampaignDeclineSchema(), data)
    if campaign.status != CampaignStatus.awaiting_approval:
        raise Conflict(_("This campaign is not waiting for approval."))
    campaign.status = CampaignStatus.draft.value
    campaign.review_note = values["note"].strip()
    db.session.commit()
    return campaign


def start_due(now: datetime) -> int:
    """Scheduled campaigns whose time has come start sending (one job each); in the
    caller's transaction, once per campaign however many ticks look."""
    due = db.session.scalars(
        select(Campaign)
        .where(Campaign.status == CampaignStatus.scheduled, Campaign.send_at <= now)
        .with_for_update(skip_locked=True)
    ).all()
    for campaign in due:
        campaign.status = CampaignStatus.sending.value
        campaign.started_at = now
        _enqueue(campaign)
        website_post.start(campaign)
    return len(due)


def restart_stalled(now: datetime) -> int:
    """Campaigns still sending whose job was lost (its worker killed, Redis away): a new
    job, when nothing of theirs has moved for a while. In the caller's transaction."""
    lease = now - STALL
    restarted = 0
    for campaign in db.session.scalars(
        select(Campaign).where(Campaign.status == CampaignStatus.sending)
    ).all():
        moved = db.session.scalar(
            select(func.max(func.coalesce(Recipient.sent_at, Recipient.claimed_at))).where(
                Recipient.campaign_id == campaign.id
            )
        )
        if (moved or campaign.started_at or now) < lease:
            _enqueue(campaign)
            restarted += 1
    return restarted


def _enqueue(campaign: Campaign) -> None:
    enqueue_after_commit("workers.jobs.send_campaign", campaign.agency_id, campaign.id,
                         queue="bulk")  # fmt: skip


def pause(campaign: Campaign) -> Campaign:
    if campaign.status not in (CampaignStatus.sending, CampaignStatus.scheduled):
        raise Conflict(_("Only a campaign scheduled or sending can be paused."))
    campaign.status = CampaignStatus.paused.value
    db.session.commit()
    return campaign


def resume(campaign: Campaign) -> Campaign:
    if campaign.status != CampaignStatus.paused:
        raise Conflict(_("This campaign is not paused."))
    if campaign.started_at is None:
        campaign.status = CampaignStatus.scheduled.value
        db.session.flush()
        start_due(clock.now())
    else:
        campaign.status = CampaignStatus.sending.value
        _enqueue(campaign)
    db.session.commit()
    return campaign


def cancel(campaign: Campaign) -> Campaign:
    if campaign.status in (CampaignStatus.sent, CampaignStatus.cancelled):
        raise Conflict(_("This campaign is %(status)s.", status=_status(campaign)))
    campaign.status = CampaignStatus.cancelled.value
    db.session.commit()
    return campaign


def _status(campaign: Campaign) -> str:
    return labels.label("campaign_status", campaign.status)


def counts(campaign: Campaign) -> dict:
    """How many recipients are in each state, and the audience while none is made."""
    return counts_of([campaign.id])[campaign.id]


def counts_of(campaign_ids: list[int]) -> dict[int, dict]:
    """``counts`` of each campaign: one query."""
    found: dict[int, dict] = {campaign_id: {} for campaign_id in campaign_ids}
    for campaign_id, status, count in db.session.execute(
        select(Recipient.campaign_id, Recipient.status, func.count())
        .where(Recipient.campaign_id.in_(campaign_ids))
        .group_by(Recipient.campaign_id, Recipient.status)
    ):
        found[campaign_id][status] = count
    states = [s.value for s in RecipientStatus]
    return {
        campaign_id: {"total": sum(by.values()), **{s: by.get(s, 0) for s in states}}
        for campaign_id, by in found.items()
    }


def client_report(client: Client) -> dict:
    """Every campaign of the client together: recipients in each state, and how many of
    the client's addresses are suppressed."""
    found = dict(
        db.session.execute(
            select(Recipient.status, func.count())
            .join(Campaign, Campaign.id == Recipient.campaign_id)
            .where(Campaign.client_id == client.id)
            .group_by(Recipient.status)
        ).all()
    )
    suppressed = db.session.scalar(
        select(func.count(Suppression.id)).where(Suppression.client_id == client.id)
    )
    campaigns_sent = db.session.scalar(
        select(func.count(Campaign.id)).where(
            Campaign.client_id == client.id, Campaign.status == CampaignStatus.sent
        )
    )
    return {"campaigns": campaigns_sent, "suppressed": suppressed,
            **{s.value: found.get(s.value, 0) for s in RecipientStatus}}  # fmt: skip


def campaigns_of(client: Client) -> list[Campaign]:
    return db.session.scalars(
        select(Campaign).where(Campaign.client_id == client.id).order_by(Campaign.id.desc())
    ).all()


def campaign_of(client_id: int, campaign_id) -> Campaign:
    found = db.session.scalar(
        select(Campaign).where(Campaign.id == campaign_id, Campaign.client_id == client_id)
    )
    if found is None:
        raise NotFound()
    return found


def view(campaign: Campaign, with_preview: bool = False) -> dict:
    return views([campaign], with_preview)[0]


def views(found: list[Campaign], with_preview: bool = False) -> list[dict]:
    """The campaigns as the API and the pages show them, their counts read for all of
    them at once and each audience's first reader once."""
    ids = [c.id for c in found]
    states, clicked, firsts = counts_of(ids), clicks.clicked(ids), {}
    return [
        {
            "id": campaign.id,
            "client_id": campaign.client_id,
            "subject": campaign.subject,
            "body": campaign.body,
            "preview": preview(campaign, firsts) if with_preview else None,
            "kinds": campaign.audience.get("kinds", []),
            "tags": campaign.audience.get("tags", []),
            "languages": campaign.audience.get("languages", []),
            "contacted_within_days": campaign.audience.get("contacted_within_days"),
            "quiet_for_days": campaign.audience.get("quiet_for_days"),
            "website_id": campaign.website_id,
            "image_name": campaign.image_name,
            "send_at": campaign.send_at,
            "status": campaign.status,
            "review_note": campaign.review_note,
            "counts": {**states[campaign.id], "clicked": clicked.get(campaign.id, 0)},
            "started_at": campaign.started_at,
            "finished_at": campaign.finished_at,
        }
        for campaign in found
    ]
