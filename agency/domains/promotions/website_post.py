"""The promotion on the client's website too, when the campaign goes.

A WordPress site with its login in the vault gets the post straight away, in a job:
the campaign's text without the reader's greeting, its picture as the featured image,
approved by the client with the campaign. Any other site, or a WordPress site that
refuses the post, gets a website update on the desk with the text (and the site's reason
in words), which the secretary publishes from the site."""

import re

from flask_babel import gettext as _
from sqlalchemy import select

from agency.domains.accounts.models import User
from agency.domains.promotions.models import Campaign
from agency.domains.websites import publishing
from agency.domains.websites.models import Platform, Publication, PublicationState, Website
from agency.domains.work.creation import create_item
from agency.domains.work.models import Kind, Source
from agency.domains.work.timeline import record
from agency.kernel import clock
from agency.kernel.database import db
from agency.kernel.queue import enqueue_after_commit

# The reader's name, with the comma or mark after it; a line this short that has it greets.
_READER = re.compile(r"\{(?:first_name|name)\}[,!]?\s*")
GREETING = 40


def for_everyone(text: str, client_name: str, title: bool = False) -> str:
    """The text without its reader, for a website: a short line that greets the reader
    goes, and the reader's name is left out elsewhere."""
    lines = []
    for line in text.splitlines():
        if not title and _READER.search(line) and len(line) <= GREETING:
            continue
        lines.append(_READER.sub("", line))
    found = "\n".join(lines).format(first_name="", name="", client_name=client_name).strip()
    return found[:1].upper() + found[1:] if title else found


def _publishable(site: Website) -> bool:
    entry = site.vault_entry
    return site.platform == Platform.wordpress and bool(entry and entry.username and entry.secret)


def start(campaign: Campaign) -> None:
    """In the caller's transaction, as the campaign starts."""
    site = db.session.get(Website, campaign.website_id) if campaign.website_id else None
    if site is None:
        return
    if _publishable(site) and campaign.created_by_id is not None:
        enqueue_after_commit("workers.jobs.publish_campaign_post", campaign.agency_id,
                             campaign.id)  # fmt: skip
    else:
        _work_item(campaign, site)


def _work_item(campaign: Campaign, site: Website):
    shown = for_everyone(campaign.body, campaign.client.name)
    title = for_everyone(campaign.subject, campaign.client.name, title=True)
    item, _new = create_item(
        {
            "client_id": campaign.client_id,
            "kind": Kind.website_update.value,
            "title": _("Post on %(site)s: %(subject)s", site=site.name, subject=title)[:300],
            "body": shown,
            "source": Source.schedule.value,
            "source_key": f"campaign-post:{campaign.id}",
            "links": {"website_id": site.id, "campaign_id": campaign.id, "post_title": title},
        },
        commit=False,
    )
    return item


def publish(campaign_id: int) -> Publication | None:
    """The post on the WordPress site, once however often the job runs; a refusal leaves
    a website update on the desk with the reason."""
    campaign = db.session.get(Campaign, campaign_id)
    site = (
        db.session.get(Website, campaign.website_id) if campaign and campaign.website_id else None
    )
    author = db.session.get(User, campaign.created_by_id) if campaign else None
    if site is None or author is None:
        return None
    source = f"campaign-post:{campaign.id}"
    post = db.session.scalar(select(Publication).where(Publication.source_key == source))
    if post is not None and post.state == PublicationState.published:
        return post
    if post is None:
        picture = (campaign.image_name, campaign.image) if campaign.image_name else None
        text = {"title": for_everyone(campaign.subject, campaign.client.name, title=True),
                "body": for_everyone(campaign.body, campaign.client.name)}  # fmt: skip
        post = publishing.create(site, text, picture, author)
        post.source_key = source
        post.decided_at = campaign.approved_at or clock.now()  # approved with the campaign
        db.session.commit()
    try:
        return publishing.publish(post, author)
    except publishing.PublishFailed as failed:  # the secretary takes it from here
        item = _work_item(campaign, site)
        db.session.flush()
        post.item_id = item.id
        record(item, "publish_failed", author.id, reason=failed.message)
        db.session.commit()
        return post
