"""A counted link of a campaign (where the client counts clicks): the click is recorded and
the reader goes on to the address the message carried. The address is signed, so this
opens nothing but the links the campaign sent."""

from flask import redirect, render_template

from agency.domains.promotions import clicks
from agency.kernel.database import db
from agency.kernel.errors import ValidationError
from agency.surfaces.public.blueprint import bp
from tenants import use_agency


@bp.get("/c/<token>", endpoint="campaign_click")
def campaign_click(token):
    try:
        agency_id, recipient_id, url = clicks.of_token(token)
    except ValidationError as exc:
        db.session.rollback()
        return render_template("error.html", code=400, message=exc.message), 400
    with use_agency(agency_id):
        clicks.record(recipient_id, url)
    return redirect(url, code=302)
