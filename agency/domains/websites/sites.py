"""A client's websites: the address, the platform, the vault login that opens the site,
the standing checklist, whether what is published waits for the client's approval, and
the update schedule, kept as one of the recurring rules (so the scheduled update items are
made on the client's clock by the same minute tick as every other)."""

from urllib.parse import urlsplit

from flask_babel import gettext as _
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from agency.domains.calendar.schemas import http_url
from agency.domains.clients.models import Client
from agency.domains.schedules import services as rules
from agency.domains.schedules.models import RecurringRule
from agency.domains.schedules.schemas import time_of_day
from agency.domains.vault.models import VaultEntry
from agency.domains.websites.models import Platform, Website
from agency.domains.work.models import Kind
from agency.kernel import validation
from agency.kernel.database import db
from agency.kernel.errors import NotFound, ValidationError
from agency.kernel.records import values_for

CHECKLIST_MAX = 20
NO_SCHEDULE = "none"
FREQUENCIES = (NO_SCHEDULE, "daily", "weekly", "monthly")


class SiteSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    url = validation.Checked(http_url, required=True, validate=validate.Length(max=500))
    platform = fields.String(
        load_default=Platform.wordpress.value, validate=validate.OneOf([p.value for p in Platform])
    )
    vault_entry_id = validation.Id(load_default=None, allow_none=True)
    checklist = fields.List(
        fields.String(validate=validate.Length(min=1, max=200)),
        load_default=list,
        validate=validate.Length(max=CHECKLIST_MAX),
    )
    approve_before_publishing = fields.Boolean(load_default=False)


class SiteScheduleSchema(Schema):
    frequency = fields.String(required=True, validate=validate.OneOf(FREQUENCIES))
    time_of_day = validation.Checked(time_of_day, load_default="09:00")
    weekdays = fields.List(
        fields.String(validate=validate.OneOf(validation.WEEKDAYS)), load_default=list
    )
    day_of_month = fields.Integer(
        load_default=None, allow_none=True, validate=validate.Range(1, 31)
    )


def host_of(url: str) -> str:
    """The host a site's requests and proofs must stay on, without a leading ``www.``."""
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def _checked(client: Client, site: Website) -> None:
    if site.vault_entry_id is not None:
        entry = db.session.get(VaultEntry, site.vault_entry_id)
        if entry is None or entry.client_id != client.id:
            raise ValidationError.on("vault_entry_id", _("Choose a login of this client's vault."))
    site.name = site.name.strip()
    if not site.name:
        raise ValidationError.on("name", _("Give the site a name."))
    site.checklist = [line.strip() for line in site.checklist if line and line.strip()]


def create(client: Client, data: dict) -> Website:
    values = values_for(SiteSchema(), data)
    site = Website(client_id=client.id, **values)
    with db.session.no_autoflush:
        _checked(client, site)
    db.session.add(site)
    db.session.commit()
    return site


def update(site: Website, data: dict) -> Website:
    values = values_for(SiteSchema(), data, partial=True)
    with db.session.no_autoflush:
        for name, value in values.items():
            setattr(site, name, value)
        _checked(site.client, site)
    rule = site.rule
    if rule is not None and ("checklist" in values or "name" in values):
        rule.title, rule.body = _rule_text(site)
    db.session.commit()
    return site


def remove(site: Website) -> None:
    """The site and its schedule go; the update items already made stay on the queue."""
    rule = site.rule
    db.session.delete(site)
    if rule is not None:
        db.session.delete(rule)
    db.session.commit()


def sites_of(client: Client) -> list[Website]:
    return db.session.scalars(
        select(Website).where(Website.client_id == client.id).order_by(Website.name, Website.id)
    ).all()


def site_of(client: Client, website_id) -> Website:
    found = db.session.scalar(
        select(Website).where(Website.id == website_id, Website.client_id == client.id)
    )
    if found is None:
        raise NotFound()
    return found


def site_of_rule(rule_id) -> Website | None:
    if rule_id is None:
        return None
    return db.session.scalar(select(Website).where(Website.recurring_rule_id == rule_id))


def site_of_item(item) -> Website | None:
    """The site a work item names (a campaign's post), if it is the item's client's."""
    website_id = (item.links or {}).get("website_id")
    if not isinstance(website_id, int):
        return None
    return db.session.scalar(
        select(Website).where(Website.id == website_id, Website.client_id == item.client_id)
    )


def _rule_text(site: Website) -> tuple[str, str | None]:
    title = _("Update the website %(name)s", name=site.name)[:300]
    body = "\n".join(f"☐ {line}" for line in site.checklist) or None
    return title, body


def set_schedule(site: Website, data: dict, user_id: int | None = None) -> Website:
    """Daily, weekly on chosen days, monthly, or none: the site's recurring rule made,
    changed or removed; a schedule that cannot be followed changes nothing."""
    values = values_for(SiteScheduleSchema(), data)
    frequency = values.pop("frequency")
    rule = site.rule
    if frequency == NO_SCHEDULE:
        if rule is not None:
            site.recurring_rule_id = None
            db.session.delete(rule)
            db.session.commit()
        return site
    title, body = _rule_text(site)
    wanted = {**values, "frequency": frequency, "title": title, "body": body}
    if rule is None:
        made = rules.create_rule(
            {**wanted, "client_id": site.client_id, "kind": Kind.website_update.value}, user_id
        )
        site.recurring_rule_id = made.id
        db.session.commit()
    else:
        rules.update_rule(rule, wanted)
    return site


def schedule_view(rule: RecurringRule | None) -> dict:
    if rule is None:
        return {"frequency": NO_SCHEDULE, "time_of_day": None, "weekdays": [],
                "day_of_month": None, "timezone": None, "next": []}  # fmt: skip
    return {
        "frequency": rule.frequency,
        "time_of_day": rule.time_of_day,
        "weekdays": rule.weekdays,
        "day_of_month": rule.day_of_month,
        "timezone": rule.timezone,
        "next": rule.next_occurrences,
    }


def view(site: Website) -> dict:
    return {
        "id": site.id,
        "client_id": site.client_id,
        "name": site.name,
        "url": site.url,
        "platform": site.platform,
        "vault_entry_id": site.vault_entry_id,
        "checklist": site.checklist,
        "approve_before_publishing": site.approve_before_publishing,
        "schedule": schedule_view(site.rule),
    }
