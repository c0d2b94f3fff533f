"""A client's calendar feed over the API, for the agency's managers."""

from flask_smorest import Blueprint

from agency.domains.calendar import services as feeds
from agency.domains.calendar.schemas import CalendarFeedSchema
from agency.domains.clients.models import Client
from agency.kernel.database import db
from agency.surfaces.api.base import token_required

feed_bp = Blueprint(
    "api_calendar_feed",
    __name__,
    url_prefix="/api/v1/clients",
    description="A client's calendar feed",
)
blueprints = (feed_bp,)


@feed_bp.get("/<int:client_id>/calendar-feed")
@feed_bp.response(200, CalendarFeedSchema)
@token_required(managers=True)
def get_feed(client_id):
    """The address of the client's iCalendar feed (made on first request), as https://
    and webcal://, and when a calendar app first and last read it."""
    return feeds.view(feeds.ensure_feed(db.get_or_404(Client, client_id)))


@feed_bp.post("/<int:client_id>/calendar-feed/reset")
@feed_bp.response(200, CalendarFeedSchema)
@token_required(managers=True)
def reset_feed(client_id):
    """A new address for the feed; the old one answers 404 from now on."""
    return feeds.view(feeds.reset(db.get_or_404(Client, client_id)))
