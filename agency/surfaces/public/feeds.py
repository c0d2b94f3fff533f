"""The client's calendar feed, read by calendar apps: no sign-in, the secret address is
the key. Anything but a live feed's address is a bare 404."""

import hashlib

from flask import Blueprint, Response, abort, current_app, request

from agency.domains.calendar import ics
from agency.domains.calendar import services as feeds
from agency.extensions import limiter
from agency.kernel import clock
from tenants import use_agency

bp = Blueprint("feeds", __name__, url_prefix="/feeds")


def _per_feed() -> str:
    return "feed:" + hashlib.sha256(request.path.encode()).hexdigest()


@bp.get("/<feed_token>.ics")
@limiter.limit(lambda: current_app.config["FEED_RATE_LIMIT"], key_func=_per_feed)
@limiter.limit(lambda: current_app.config["FEED_ADDRESS_RATE_LIMIT"])
def calendar(feed_token):
    agency_id = feeds.agency_of(feed_token)
    if agency_id is None:
        abort(404)
    # The feed's agency is the tenant while it is read; whoever may be signed in on this
    # browser keeps theirs for the rest of the request.
    with use_agency(agency_id):
        feed = feeds.find(feed_token)
        if feed is None:
            abort(404)
        body = ics.calendar(feed.client, clock.now())
        feeds.note_fetch(feed)
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'inline; filename="calendar.ics"'
    response.headers["Cache-Control"] = "private, max-age=300"
    response.set_etag(hashlib.sha256(body).hexdigest())
    return response.make_conditional(request)
