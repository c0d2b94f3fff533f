"""A client's call rules and their simulator: the page the console and the portal both
show (each with its own surroundings)."""

from flask import flash, redirect, render_template, request
from flask_babel import gettext as _

from agency.domains.calls import services
from agency.domains.calls.forms import (
    CallRulesForm,
    SimulateForm,
    fill_rules_form,
    local_moment,
    rules_data,
)
from agency.domains.clients.models import Client
from agency.kernel.database import db
from agency.kernel.errors import ValidationError
from agency.surfaces.web.forms import refused


def decision_words() -> dict:
    """The simulator's answer in words: what happens, and why the client was not reached."""
    return {
        "reject": _("The call is rejected."),
        "put_through": _("The call is put through to the client."),
        "ring_secretaries": _("The client's secretaries are rung."),
        "voicemail": _("The caller hears the greeting and leaves a voicemail."),
        "status": _("the client's status"),
        "scheduled_status": _("a planned status"),
        "unavailable_window": _("a weekly unavailable window"),
        "outside_hours": _("outside business hours"),
        "no_client_phone": _("no phone to put calls through to"),
    }


def rules_page(client: Client, template_context: dict):
    """The rules form and the simulator of one client, for the console and the portal."""
    form = CallRulesForm()
    status = 200
    if request.method == "GET":
        fill_rules_form(form, services.rules_view(client), client.timezone)
    elif form.validate_on_submit():
        try:
            extra = {}
            for name, upload in (("vip_numbers", form.vip_csv), ("block_numbers", form.block_csv)):
                if upload.data and getattr(upload.data, "filename", ""):
                    extra[name] = services.numbers_from_csv(upload.data.read(), name)
            services.save_rules(client, rules_data(form, client.timezone, extra), partial=True)
            flash(_("Call rules saved."), "success")
            return redirect(request.path)
        except ValidationError as exc:
            refused(form, exc)
            status = exc.status_code
    else:
        status = 422
    return rules_template(client, form, template_context), status


def rules_template(client: Client, form: CallRulesForm, template_context: dict) -> str:
    simulation, sim_error = simulate_from_query(client)
    return render_template(
        "calls/rules.html",
        form=form,
        client=client,
        sim_form=SimulateForm(request.args, meta={"csrf": False}),
        simulation=simulation,
        sim_error=sim_error,
        number=services.number_of(client.id),
        words=decision_words(),
        status=services.status_now(client),
        templates=services.rules_for(client).status_templates or [],
        vips=services.vip_contacts(client.id),
        **template_context,
    )


def simulate_from_query(client: Client):
    """?caller=&at= on the rules page: the decision the live call would make."""
    if "caller" not in request.args:
        return None, None
    try:
        at = local_moment(request.args.get("at", ""), client.timezone, "at")
        return services.simulate(
            client, {"caller": request.args.get("caller", ""), "at": at.isoformat()}
        ), None
    except ValidationError as exc:
        db.session.rollback()
        return None, " ".join(m for ms in exc.fields.values() for m in ms) or exc.message
