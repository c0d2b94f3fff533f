"""Each client's calendar feed: its secret address, made, reset and found again."""

import hashlib
import re
import secrets
from datetime import timedelta

from sqlalchemy import select

from agency.domains.calendar.models import CalendarFeed
from agency.domains.clients.models import Client
from agency.kernel import clock
from agency.kernel.database import db
from agency.kernel.links import external_url
from tenants import directory

# "<agency id>-<43 URL-safe characters>": 256 random bits, and the agency to look in.
TOKEN_SHAPE = re.compile(r"([1-9][0-9]{0,8})-[A-Za-z0-9_-]{43}", re.ASCII)
# A calendar app polls often; the last fetch is written at most this often.
FETCH_NOTED_EVERY = timedelta(minutes=5)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token(agency_id: int) -> str:
    return f"{agency_id}-{secrets.token_urlsafe(32)}"


def feed_of(client: Client) -> CalendarFeed | None:
    return db.session.scalar(select(CalendarFeed).where(CalendarFeed.client_id == client.id))


def ensure_feed(client: Client) -> CalendarFeed:
    """The client's feed, made the first time it is asked for (committed)."""
    feed = feed_of(client)
    if feed is None:
        token = _new_token(client.agency_id)
        feed = CalendarFeed(client_id=client.id, token=token, token_hash=_digest(token))
        db.session.add(feed)
        db.session.commit()
    return feed


def reset(client: Client) -> CalendarFeed:
    """A new address; the old one answers 404 from now on, and the client subscribes anew."""
    feed = ensure_feed(client)
    feed.token = _new_token(client.agency_id)
    feed.token_hash = _digest(feed.token)
    feed.created_at = clock.now()
    feed.first_fetched_at = feed.last_fetched_at = None
    db.session.commit()
    return feed


def addresses(feed: CalendarFeed) -> dict:
    """The feed's web address (https:// in production, from PUBLIC_URL) and the same
    address as webcal://, which calendar apps open as a subscription."""
    web = external_url("feeds.calendar", feed_token=feed.token)
    return {"web": web, "webcal": "webcal://" + web.split("://", 1)[1]}


def view(feed: CalendarFeed) -> dict:
    """The feed as the API and the console show it."""
    return {
        "client_id": feed.client_id,
        **addresses(feed),
        "created_at": feed.created_at,
        "first_fetched_at": feed.first_fetched_at,
        "last_fetched_at": feed.last_fetched_at,
    }


def agency_of(token: str) -> int | None:
    """The agency a feed address names, or None: malformed, unknown. A suspended
    agency's feeds are still read (its calendar is the client's, and only read)."""
    shape = TOKEN_SHAPE.fullmatch(token or "")
    if shape is None:
        return None
    agency = directory.agency(int(shape.group(1)))
    if agency is None:
        return None
    return agency.id


def find(token: str) -> CalendarFeed | None:
    """The live client's feed behind ``token`` in the current agency (the one
    ``agency_of`` named); None for a reset, made-up or archived client's address."""
    feed = db.session.scalar(
        select(CalendarFeed)
        .join(Client, Client.id == CalendarFeed.client_id)
        .where(CalendarFeed.token_hash == _digest(token), Client.archived_at.is_(None))
    )
    if feed is None or not secrets.compare_digest(feed.token, token):
        return None
    return feed


def note_fetch(feed: CalendarFeed) -> None:
    """Remember that a calendar app fetched the feed: the first time, and now and then."""
    now = clock.now()
    if feed.first_fetched_at is None:
        feed.first_fetched_at = now
    if feed.last_fetched_at is None or now - feed.last_fetched_at >= FETCH_NOTED_EVERY:
        feed.last_fetched_at = now
    db.session.commit()
