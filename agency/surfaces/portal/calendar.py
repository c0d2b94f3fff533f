"""The client's calendar in the portal: the feed to subscribe to, and what was arranged."""

from datetime import timedelta

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from agency.domains.calendar import services as feeds
from agency.domains.clients.models import Client
from agency.domains.work.models import EVENT_KINDS, WorkItem
from agency.kernel import clock
from agency.kernel.database import db
from agency.surfaces.portal.blueprint import bp
from agency.surfaces.web.access import roles_required
from agency.surfaces.web.forms import ConfirmForm

# The portal's list starts a week back, so the meeting of last Tuesday is still there.
SHOWN_FROM = timedelta(days=7)


def _client() -> Client:
    client = db.session.get(Client, current_user.client_id) if current_user.client_id else None
    if client is None:
        abort(404)
    return client


def arranged(client: Client) -> list[WorkItem]:
    """The client's meetings and travel with a time, from a week ago on, soonest first."""
    return db.session.scalars(
        select(WorkItem)
        .where(
            WorkItem.client_id == client.id,
            WorkItem.kind.in_(EVENT_KINDS),
            WorkItem.starts_at.is_not(None),
            WorkItem.ends_at >= clock.now() - SHOWN_FROM,
        )
        .order_by(WorkItem.starts_at, WorkItem.id)
        .limit(200)
    ).all()


@bp.get("/calendar")
@roles_required("client")
def calendar():
    client = _client()
    feed = feeds.ensure_feed(client)
    return render_template(
        "portal/calendar.html",
        client=client,
        feed=feed,
        addresses=feeds.addresses(feed),
        items=arranged(client),
        confirm_form=ConfirmForm(),
    )


@bp.post("/calendar/reset")
@roles_required("client")
def reset_calendar():
    client = _client()
    if ConfirmForm().validate_on_submit():
        feeds.reset(client)
        flash(
            _("Your calendar has a new address. The old one no longer works: subscribe again."),
            "success",
        )
    return redirect(url_for(".calendar"))
