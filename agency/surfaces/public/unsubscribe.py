"""The unsubscribe link of every campaign email: no sign-in, the signed link is the key.
GET shows the address and a button; POST unsubscribes, from that button or in one click
from the reader's mail program (RFC 8058: ``List-Unsubscribe=One-Click`` in the body). It
needs no CSRF token (a mail program has none), does nothing else, and twice is once."""

from flask import current_app, render_template, request
from flask_babel import gettext as _

from agency.domains.promotions import sending
from agency.domains.promotions.models import Campaign, Recipient
from agency.extensions import limiter
from agency.kernel.database import db
from agency.kernel.errors import ValidationError
from agency.surfaces.public.blueprint import bp
from tenants import use_agency


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"], endpoint="unsubscribe")
@limiter.limit(lambda: current_app.config["MEETING_PICK_RATE_LIMIT"], methods=["POST"])
def unsubscribe(token):
    try:
        agency_id, recipient_id = sending.recipient_of_token(token)
        with use_agency(agency_id):
            if request.method == "POST":
                recipient = sending.unsubscribe(recipient_id)
            else:
                recipient = db.session.get(Recipient, recipient_id)
                if recipient is None:
                    raise ValidationError(_("This unsubscribe link is not valid."))
            campaign = db.session.get(Campaign, recipient.campaign_id)
            shown = {"address": recipient.address, "client": campaign.client.name,
                     "done": request.method == "POST"}  # fmt: skip
    except ValidationError as exc:
        db.session.rollback()
        return render_template("error.html", code=400, message=exc.message), 400
    return render_template("public/unsubscribe.html", token=token, **shown)
