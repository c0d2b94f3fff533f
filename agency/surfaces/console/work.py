"""The console's view of all the agency's work: every item, filtered, and one item with
its timeline, to reassign, cancel or note."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from agency.domains.clients.models import Client
from agency.domains.staff.models import Secretary
from agency.domains.work import access, claims, services
from agency.domains.work.filters import narrowed
from agency.domains.work.models import Kind, Priority, Status, WorkItem
from agency.domains.work.timeline import timeline
from agency.kernel import clock
from agency.kernel.database import db
from agency.kernel.errors import ValidationError
from agency.surfaces.console.blueprint import bp
from agency.surfaces.web.access import managers_only
from agency.surfaces.web.forms import ConfirmForm
from agency.surfaces.web.work import create_from, new_work_form

PAGE = 200


@bp.get("/work")
@managers_only
def work():
    """Open work by default, in queue order; filter by status, client, secretary (or the
    pool) and priority."""
    args = request.args.copy()
    args.setdefault("status", "open")
    statement = (
        select(WorkItem)
        .options(selectinload(WorkItem.client), selectinload(WorkItem.assignee))
        .order_by(*claims.queue_order())
    )
    status = 200
    try:
        items = db.session.scalars(narrowed(statement, args).limit(PAGE)).all()
    except ValidationError as exc:
        flash(_("Those filters cannot be used: %(why)s", why=exc.message), "error")
        items, status = [], 400
    return render_template(
        "console/work.html",
        items=items,
        args=args,
        page=PAGE,
        clients=db.session.scalars(select(Client).order_by(Client.name)).all(),
        secretaries=db.session.scalars(
            select(Secretary).where(Secretary.archived_at.is_(None)).order_by(Secretary.name)
        ).all(),
        statuses=[s.value for s in Status if s != Status.new],
        priorities=[p.value for p in Priority],
        kinds=[k.value for k in Kind],
        now=clock.now(),
    ), status


@bp.route("/work/new", methods=["GET", "POST"])
@managers_only
def new_work():
    """Work made by hand for any client, routed like any other."""
    clients = db.session.scalars(
        select(Client).where(Client.archived_at.is_(None)).order_by(Client.name)
    ).all()
    form = new_work_form(clients)
    status = 200
    if request.method == "POST":
        item, status = create_from(form, "console")
        if item is not None:
            return redirect(url_for("console.work_item", item_id=item.id))
    return render_template("console/work_new.html", form=form), status


def _item_page(item: WorkItem, status: int = 200):
    return render_template(
        "console/work_item.html",
        item=item,
        timeline=timeline(item),
        reassign_to=access.reassign_targets(current_user, item),
        confirm_form=ConfirmForm(),
        now=clock.now(),
    ), status


@bp.get("/work/<int:item_id>")
@managers_only
def work_item(item_id):
    return _item_page(access.item_for(current_user, item_id))


def _act(item_id: int, action, done: str):
    """Run one manager's action on the item; on bad input the page says why, unchanged."""
    item = access.item_for(current_user, item_id)
    if not ConfirmForm().validate_on_submit():
        flash(_("The form expired; try again."), "error")
        return _item_page(item, 400)
    try:
        action(item)
    except ValidationError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return _item_page(item, exc.status_code)
    flash(done, "success")
    return redirect(url_for("console.work_item", item_id=item.id))


@bp.post("/work/<int:item_id>/reassign")
@managers_only
def reassign_work(item_id):
    secretary_id = request.form.get("secretary_id", "")
    return _act(
        item_id,
        lambda item: services.reassign(item, {"secretary_id": secretary_id}, current_user),
        _("Reassigned."),
    )


@bp.post("/work/<int:item_id>/cancel")
@managers_only
def cancel_work(item_id):
    reason = request.form.get("reason", "").strip()
    return _act(
        item_id,
        lambda item: services.cancel(item, {"reason": reason}, current_user),
        _("Cancelled."),
    )


@bp.post("/work/<int:item_id>/note")
@managers_only
def note_on_work(item_id):
    note = request.form.get("note", "")
    return _act(
        item_id,
        lambda item: services.add_note(item, note, current_user),
        _("The note is on the timeline."),
    )
