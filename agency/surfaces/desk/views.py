from zoneinfo import ZoneInfo

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from agency.domains.billing import overage
from agency.domains.calendar import meeting_requests
from agency.domains.calls import browser, transfers
from agency.domains.calls import services as calls
from agency.domains.clients import services as clients
from agency.domains.clients.models import Assignment, Client
from agency.domains.mail import conversations
from agency.domains.staff import services as staff
from agency.domains.staff.models import ShiftStatus
from agency.domains.travel import reservations, trips
from agency.domains.websites import sites
from agency.domains.websites import updates as site_updates
from agency.domains.work import access, claims, services, shifts
from agency.domains.work.access import item_for, secretary_of
from agency.domains.work.desk import desk_rows
from agency.domains.work.models import EVENT_KINDS, WorkItem
from agency.domains.work.timeline import timeline
from agency.kernel import clock
from agency.kernel.database import db
from agency.kernel.errors import Conflict, NotAllowed, ValidationError
from agency.surfaces.desk import live as desk_live
from agency.surfaces.desk.calls import screen_pops, served_clients
from agency.surfaces.desk.forms import EventForm, event_data, fill_event_form
from agency.surfaces.web.access import roles_required, signs_in_lazily
from agency.surfaces.web.errors import json_error
from agency.surfaces.web.forms import ConfirmForm, show_errors
from agency.surfaces.web.work import create_from, new_work_form

bp = Blueprint("desk", __name__, url_prefix="/desk")

SHIFT_SAID = {
    ShiftStatus.on_shift: lambda: _("You are on shift: work comes to your desk."),
    ShiftStatus.on_break: lambda: _("You are on a break: new work goes to others."),
    ShiftStatus.off: lambda: _(
        "You are off shift: work you had not started goes to whoever is on."
    ),
}


@bp.get("/")
@roles_required("secretary")
def home():
    return _home_page()


def _home_page():
    desk = desk_live.desk()
    profile = secretary_of(current_user)
    clients_served, overrides = [], []
    if profile is not None:
        today = clock.now().astimezone(ZoneInfo(profile.timezone or "UTC")).date()
        overrides = staff.upcoming_shift_overrides(profile.id, today)
        clients_served = db.session.scalars(
            select(Client)
            .join(Assignment, Assignment.client_id == Client.id)
            .where(
                Assignment.secretary_id == profile.id,
                Assignment.ended_at.is_(None),
                Client.archived_at.is_(None),
            )
            .order_by(Client.name)
        ).all()
    return render_template(
        "desk/home.html",
        profile=profile,
        clients=clients_served,
        shift_overrides=overrides,
        items=desk_rows(desk.scope) if desk is not None else [],
        now=clock.now(),
        confirm_form=ConfirmForm(),
        shift_labels=shifts.labels(),
        pops=screen_pops(clients_served, profile),
        answers_in_browser=bool(profile and not profile.phone and browser.ready()),
        transfer_labels=transfers.labels(),
    )


@bp.get("/queue")
@signs_in_lazily
def queue():
    """The queue alone, fetched by the desk when the live stream says it changed: 304,
    from Redis alone, when the page has it already."""
    desk = desk_live.desk()
    if desk is None:
        return render_template("desk/_queue.html", items=[], now=clock.now())
    tag = desk_live.version(desk)
    unchanged = desk_live.not_modified(desk, tag)
    if unchanged is not None:
        return unchanged
    current_user._get_current_object()  # signs in, and sets the tenant, for the query
    page = render_template("desk/_queue.html", items=desk_rows(desk.scope), now=clock.now())
    return desk_live.tagged(make_response(page), tag)


@bp.get("/live")
@signs_in_lazily
def live():
    """The desk's event stream: a `change` event names what changed (the page fetches
    that part again); nothing is read from the database while it stays open."""
    desk = desk_live.desk()
    if desk is None:
        return "", 204  # nothing to follow: the browser stops asking
    return desk_live.stream(desk)


@bp.post("/voice/token")
@roles_required("secretary")
def voice_token():
    """The access token her desk answers calls in the browser with (JSON; the page's
    CSRF token in ``X-CSRFToken``, as for every POST)."""
    try:
        found = browser.token_for(secretary_of(current_user))
    except (NotAllowed, Conflict) as exc:
        return json_error(exc.status_code, exc.code, exc.message)
    return {"token": found.token, "identity": found.identity, "expires_in": found.expires_in}


@bp.post("/next")
@roles_required("secretary")
def next_item():
    profile = secretary_of(current_user)
    item_id = claims.claim_next(profile, current_user.id) if profile else None
    if item_id is None:
        flash(_("Nothing is waiting for you."), "success")
        return redirect(url_for("desk.home"))
    return redirect(url_for("desk.item", item_id=item_id))


def _item_page(work: WorkItem, event_form: EventForm | None = None) -> str:
    recent = db.session.scalars(
        select(WorkItem)
        .where(WorkItem.client_id == work.client_id, WorkItem.id != work.id)
        .order_by(WorkItem.created_at.desc())
        .limit(5)
    ).all()
    if event_form is None:
        event_form = EventForm(formdata=None)
        fill_event_form(event_form, work, work.client.timezone)
    desk = desk_live.desk()
    return render_template(
        "desk/item.html",
        items=desk_rows(desk.scope) if desk is not None else [],
        actions=access.desk_actions(current_user, work),
        conversation=conversations.conversation(work) if work.kind == "email" else [],
        item=work,
        client=work.client,
        contacts=clients.contacts_of(work.client),
        vip_ids={c.id for c in calls.vip_contacts(work.client_id)},
        status=calls.status_now(work.client),
        recent=recent,
        now=clock.now(),
        confirm_form=ConfirmForm(),
        may_work=access.may_work(current_user, work),
        reassign_to=access.reassign_targets(current_user, work),
        timeline=timeline(work),
        hours_refusal=overage.refusal(work.client_id),
        event_form=event_form,
        has_event=work.kind in EVENT_KINDS,
        meeting_requests=meeting_requests.requests_of_item(work) if work.kind == "meeting" else [],
        reservations=reservations.of_item(work) if work.kind == "email" else [],
        planned_trips=trips.planned(work.client) if work.kind == "email" else [],
        site_work=_site_work(work) if work.kind == "website_update" else None,
    )


def _site_work(work: WorkItem) -> dict | None:
    """The website update the item carries: the client's request, or the site whose
    schedule made it (with its checklist)."""
    asked = site_updates.of_item(work)
    if asked is not None:
        return {"site": asked.website, "asked": asked}
    links = work.links or {}
    site = sites.site_of_rule(links.get("recurring_rule_id")) or sites.site_of_item(work)
    return {"site": site, "asked": None} if site is not None else None


@bp.get("/items/<int:item_id>")
@roles_required("secretary")
def item(item_id):
    return _item_page(item_for(current_user, item_id))


@bp.route("/items/new", methods=["GET", "POST"])
@roles_required("secretary")
def new_item():
    """Work made by hand for a client the secretary serves, routed like any other."""
    form = new_work_form(served_clients())
    status = 200
    if request.method == "POST":
        item, status = create_from(form, "desk", served_only=True)
        if item is not None:
            return redirect(url_for("desk.item", item_id=item.id))
    return render_template("desk/item_new.html", form=form), status


@bp.post("/items/<int:item_id>/event")
@roles_required("secretary")
def event(item_id):
    """Set the time, place and people of the meeting or journey this item arranges."""
    work = item_for(current_user, item_id)
    form = EventForm()
    if not form.validate_on_submit():
        return _item_page(work, form), 400
    try:
        services.update_item(work, event_data(form), current_user.id)
    except ValidationError as exc:
        db.session.rollback()
        show_errors(form, exc.fields)
        return _item_page(work, form), exc.status_code
    flash(_("The meeting or journey is saved; it is in the client's calendar."), "success")
    return redirect(url_for("desk.item", item_id=work.id))


ACTIONS = {
    "claim": lambda item, user: claims.claim(item.id, secretary_of(user), user.id),
    "start": services.start_timer,
    "pause": services.pause_timer,
    "wait": services.wait_on_client,
    "handback": services.hand_back,
    "escalate": services.escalate,
    "note": lambda item, user: services.add_note(item, request.form.get("note", ""), user),
    "complete": lambda item, user: services.complete(
        item, {"outcome": request.form.get("outcome", "")}, user
    ),
    "reassign": lambda item, user: services.reassign(
        item, {"secretary_id": request.form.get("secretary_id", "")}, user
    ),
}


@bp.post("/items/<int:item_id>/<any(" + ", ".join(ACTIONS) + "):action>")
@roles_required("secretary")
def act(item_id, action):
    work = item_for(current_user, item_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("desk.item", item_id=work.id))
    try:
        ACTIONS[action](work, current_user)
    except ValidationError as exc:  # said on the page, nothing changed
        db.session.rollback()
        flash(exc.message, "error")
        return _item_page(work), exc.status_code
    if action in ("handback", "escalate", "complete") or (
        action == "reassign" and not access.may_work(current_user, work)
    ):
        return redirect(url_for("desk.home"))
    return redirect(url_for("desk.item", item_id=work.id))


@bp.post("/shift")
@roles_required("secretary")
def shift():
    """On shift, on a break, or off: the secretary's own word to routing."""
    profile = secretary_of(current_user)
    if profile is None or not ConfirmForm().validate_on_submit():
        return redirect(url_for("desk.home"))
    try:
        shifts.set_shift(profile, {"shift_status": request.form.get("shift_status")}, current_user)
    except ValidationError as exc:
        db.session.rollback()
        flash(exc.fields and _("Choose on shift, on a break or off.") or exc.message, "error")
        return _home_page(), exc.status_code
    flash(SHIFT_SAID[profile.shift_status](), "success")
    return redirect(url_for("desk.home"))
