"""The desk while the phone rings: a screen pop per live call, and the message form."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from agency.domains.agenda import contact_log
from agency.domains.calls import history, messages, services, transfers
from agency.domains.calls.forms import MessageForm
from agency.domains.calls.models import Call
from agency.domains.clients.models import Assignment, Client
from agency.domains.staff.models import Secretary
from agency.domains.work.access import secretary_of
from agency.kernel.database import db
from agency.kernel.errors import ValidationError
from agency.surfaces.web.access import roles_required
from agency.surfaces.web.forms import show_errors

bp = Blueprint("desk_calls", __name__, url_prefix="/desk/calls")


def served_clients() -> list[Client]:
    profile = secretary_of(current_user)
    if profile is None:
        return []
    return db.session.scalars(
        select(Client)
        .join(Assignment, Assignment.client_id == Client.id)
        .where(
            Assignment.secretary_id == profile.id,
            Assignment.ended_at.is_(None),
            Client.archived_at.is_(None),
        )
        .order_by(Client.name)
    ).all()


def screen_pops(served: list[Client], me: Secretary | None = None) -> list[dict]:
    """A screen pop for each call ringing or in progress for these clients: the client's
    greeting, status, instructions, VIPs, the caller's earlier calls and the intake
    questions of each kind of call."""
    by_id = {c.id: c for c in served}
    me = me if me is not None else secretary_of(current_user)
    pops = []
    for call in history.live_calls(list(by_id)):
        client = by_id[call.client_id]
        rules = services.rules_for(client)
        pops.append(
            {
                "call": call,
                "can_put_through": transfers.can_put_through(call, me),
                "client": client,
                "status": services.status_now(client),
                "vips": services.vip_contacts(client.id),
                "rules": rules,
                "history": history.caller_history(client.id, call.from_number, call.id),
                "call_types": rules.call_types or [],
                "caller": contact_log.by_number(client.id, call.from_number),
            }
        )
    return pops


@bp.get("/")
@roles_required("secretary")
def home():
    served = served_clients()
    taken = [m for m in messages.messages(limit=100) if m.client_id in {c.id for c in served}]
    return render_template(
        "calls/desk.html",
        pops=screen_pops(served),
        clients=served,
        messages=taken,
        transfer_labels=transfers.labels(),
    )


@bp.get("/pops")
@roles_required("secretary")
def pops():
    """The screen pops alone: the desk fetches them when its stream says a call rang."""
    return render_template(
        "calls/_pops.html", pops=screen_pops(served_clients()), transfer_labels=transfers.labels()
    )


def _call_types(client: Client) -> list[dict]:
    return services.rules_for(client).call_types or []


def _answers(call_type: str | None, types: list[dict]) -> list[dict]:
    index = next((n for n, t in enumerate(types) if t["name"] == call_type), None)
    if index is None:
        return []
    return [
        {"question": q, "answer": request.form.get(f"answer-{index}-{i}", "").strip()[:2000]}
        for i, q in enumerate(types[index]["questions"])
    ]


@bp.route("/clients/<int:client_id>/message", methods=["GET", "POST"])
@roles_required("secretary")
def take_message(client_id):
    client = next((c for c in served_clients() if c.id == client_id), None)
    if client is None:
        abort(404)
    call_id = request.args.get("call_id", "")
    call_id = int(call_id) if call_id.isdigit() and len(call_id) < 10 else None
    types = _call_types(client)
    form = MessageForm()
    form.call_type.choices = [SelectChoice("", _("—"))] + [
        SelectChoice(t["name"], t["name"]) for t in types
    ]
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                messages.take_message(
                    {
                        "client_id": client.id,
                        "call_id": call_id,
                        "caller_name": (form.caller_name.data or "").strip() or None,
                        "company": (form.company.data or "").strip() or None,
                        "number": (form.number.data or "").strip() or None,
                        "reason": form.reason.data,
                        "urgency": form.urgency.data or None,
                        "callback_wanted": bool(form.callback_wanted.data),
                        "call_type": form.call_type.data or None,
                        "answers": _answers(form.call_type.data, types),
                    },
                    current_user.id,
                )
                flash(_("Message taken for %(client)s.", client=client.name), "success")
                return redirect(url_for(".home"))
            except ValidationError as exc:
                db.session.rollback()
                show_errors(form, exc.fields)
                status = exc.status_code
        else:
            status = 422
    return render_template(
        "calls/message_form.html",
        form=form,
        client=client,
        types=types,
        status=services.status_now(client),
        call_id=call_id,
    ), status


@bp.post("/<int:call_id>/put-through")
@roles_required("secretary")
def put_through(call_id):
    """The secretary who answered a warm put-through hands the caller to the client."""
    call = db.get_or_404(Call, call_id)
    if call.client_id not in {c.id for c in served_clients()}:
        abort(404)
    try:
        transfers.request_put_through(call, secretary_of(current_user))
        flash(_("Putting the caller through to %(client)s.", client=call.client.name), "success")
    except ValidationError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return home(), exc.status_code
    return redirect(url_for(".home"))
