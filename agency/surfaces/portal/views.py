from flask import abort, render_template
from flask_login import current_user

from agency.domains.billing.ledger import hours
from agency.domains.calls import services as calls
from agency.domains.clients.models import Client
from agency.kernel.database import db
from agency.surfaces.portal.blueprint import bp
from agency.surfaces.portal.forms import ExtraHoursForm
from agency.surfaces.web.access import roles_required


@bp.get("/")
@roles_required("client")
def home():
    client = db.session.get(Client, current_user.client_id) if current_user.client_id else None
    if client is None:
        abort(404)
    return render_template(
        "portal/home.html",
        client=client,
        contract=client.active_contract,
        status=calls.status_now(client),
        summary=hours(client),
        extra_form=ExtraHoursForm(),
    )
