"""The page a digest's "block this caller" link lands on: it blocks once confirmed."""

from flask import render_template

from agency.domains.calls import messages
from agency.kernel.database import db
from agency.kernel.errors import ValidationError
from agency.surfaces.public.blueprint import bp
from agency.surfaces.web.forms import ConfirmForm
from tenants import use_agency


@bp.route("/calls/block/<token>", methods=["GET", "POST"])
def block_caller(token):
    """The link carries the agency and the message, and the page works as that agency
    whoever is signed in; the button posts with CSRF."""
    form = ConfirmForm()
    try:
        agency_id, message_id = messages.read_block_link(token)
        with use_agency(agency_id):
            message = messages.message_to_block(message_id)
            shown = {
                "number": message.number,
                "client": message.client.name,
                "caller_name": message.caller_name or "",
                "reason": message.reason,
            }
            blocked = form.validate_on_submit()
            if blocked:
                messages.block_caller(message)
    except ValidationError as exc:
        db.session.rollback()
        return render_template("error.html", code=400, message=exc.message), 400
    return render_template("public/block_caller.html", message=shown, form=form, blocked=blocked)
