"""Work items and the desk over the API."""

from flask import Response, request
from flask_smorest import Blueprint
from sqlalchemy import select

from agency.domains.work import claims, creation, services, shifts
from agency.domains.work.access import desk_secretary, item_for, visible
from agency.domains.work.filters import narrowed
from agency.domains.work.models import WorkItem
from agency.domains.work.schemas import (
    CancelSchema,
    CompleteSchema,
    ReassignSchema,
    ShiftSchema,
    WorkItemDetailSchema,
    WorkItemSchema,
    WorkItemUpdateSchema,
)
from agency.kernel.database import db
from agency.surfaces.api.base import api_user, json_body, json_payload, token_required

items_bp = Blueprint(
    "api_work_items", __name__, url_prefix="/api/v1/work-items", description="Work items"
)
desk_bp = Blueprint("api_desk", __name__, url_prefix="/api/v1/desk", description="The desk")
blueprints = (items_bp, desk_bp)


@items_bp.get("/")
@items_bp.response(200, WorkItemSchema(many=True))
@token_required()
def list_items():
    """Items the caller may see, in queue order; filter by status (``open`` for every
    open one), client_id, assignee_id (``pool`` for unassigned), priority, kind and source
    (repeat a filter for several values)."""
    statement = select(WorkItem).where(visible(api_user())).order_by(*claims.queue_order())
    return db.session.scalars(narrowed(statement, request.args).limit(500)).all()


@items_bp.post("/")
@json_body(items_bp, WorkItemSchema)
@items_bp.response(201, WorkItemSchema)
@items_bp.alt_response(200, schema=WorkItemSchema, description="Already created: same source key")
@token_required(managers=True)
def create_item():
    """Create an item; it is routed to a secretary by the queue. A repeated source key
    returns the existing item with 200."""
    item, created = creation.create_item(json_payload(), api_user().id)
    return item, 201 if created else 200


@items_bp.get("/<int:item_id>")
@items_bp.response(200, WorkItemDetailSchema)
@token_required()
def get_item(item_id):
    """The item with its timeline."""
    return item_for(api_user(), item_id)


@items_bp.patch("/<int:item_id>")
@json_body(items_bp, WorkItemUpdateSchema)
@items_bp.response(200, WorkItemSchema)
@token_required(managers=True)
def update_item(item_id):
    return services.update_item(item_for(api_user(), item_id), json_payload(), api_user().id)


@items_bp.post("/<int:item_id>/claim")
@items_bp.response(200, WorkItemSchema)
@token_required()
def claim_item(item_id):
    """Take this item: 409 if someone else already has it."""
    user = api_user()
    item = item_for(user, item_id)
    claims.claim(item.id, desk_secretary(user), user.id)
    db.session.refresh(item)
    return item


@items_bp.post("/<int:item_id>/start")
@items_bp.response(200, WorkItemSchema)
@token_required()
def start_item(item_id):
    """Start working: the item is in progress and its timer runs."""
    user = api_user()
    return services.start_timer(item_for(user, item_id), user)


@items_bp.post("/<int:item_id>/pause")
@items_bp.response(200, WorkItemSchema)
@token_required()
def pause_item(item_id):
    """Pause the timer: the time so far becomes a time entry on the client's contract."""
    user = api_user()
    return services.pause_timer(item_for(user, item_id), user)


@items_bp.post("/<int:item_id>/wait")
@items_bp.response(200, WorkItemSchema)
@token_required()
def wait_item(item_id):
    """Put the item aside, waiting on the client."""
    user = api_user()
    return services.wait_on_client(item_for(user, item_id), user)


@items_bp.post("/<int:item_id>/handback")
@items_bp.response(200, WorkItemSchema)
@token_required()
def hand_back(item_id):
    """Give the item back to the pool; it is routed again."""
    user = api_user()
    return services.hand_back(item_for(user, item_id), user)


@items_bp.post("/<int:item_id>/escalate")
@items_bp.response(200, WorkItemSchema)
@token_required()
def escalate_item(item_id):
    """Hand the item to the assignee's team lead."""
    user = api_user()
    return services.escalate(item_for(user, item_id), user)


@items_bp.post("/<int:item_id>/complete")
@json_body(items_bp, CompleteSchema)
@items_bp.response(200, WorkItemSchema)
@token_required()
def complete_item(item_id):
    user = api_user()
    return services.complete(item_for(user, item_id), json_payload(), user)


@items_bp.post("/<int:item_id>/assign")
@json_body(items_bp, ReassignSchema)
@items_bp.response(200, WorkItemSchema)
@token_required()
def assign_item(item_id):
    """Give the item to a secretary: managers to anyone active, a team lead among their
    team for an assistant's item."""
    user = api_user()
    return services.reassign(item_for(user, item_id), json_payload(), user)


@items_bp.post("/<int:item_id>/cancel")
@json_body(items_bp, CancelSchema)
@items_bp.response(200, WorkItemSchema)
@token_required(managers=True)
def cancel_item(item_id):
    """Call the work off, with a reason (managers)."""
    user = api_user()
    return services.cancel(item_for(user, item_id), json_payload(), user)


@desk_bp.post("/next")
@desk_bp.response(200, WorkItemSchema)
@desk_bp.alt_response(204, description="Nothing waiting")
@token_required()
def next_item():
    """Claim the top item of the caller's queue atomically."""
    user = api_user()
    item_id = claims.claim_next(desk_secretary(user), user.id)
    if item_id is None:
        return Response(status=204)
    return db.session.get(WorkItem, item_id, populate_existing=True)


@desk_bp.get("/shift")
@desk_bp.response(200, ShiftSchema)
@token_required()
def get_shift():
    """The caller's shift status: on_shift, on_break or off."""
    return desk_secretary(api_user())


@desk_bp.put("/shift")
@json_body(desk_bp, ShiftSchema)
@desk_bp.response(200, ShiftSchema)
@token_required()
def set_shift():
    """Come on shift (work is routed to you, and what waits in the pool comes to you), take
    a break, or go off (running timers stop; items not started go to whoever is on)."""
    user = api_user()
    return shifts.set_shift(desk_secretary(user), json_payload(), user)
