from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import select

from agency.access import roles_required
from agency.clients.models import Assignment, Client
from agency.extensions import db
from agency.staff.models import Secretary

bp = Blueprint("desk", __name__, url_prefix="/desk")


@bp.get("/")
@roles_required("secretary")
def home():
    profile = db.session.scalar(select(Secretary).where(Secretary.user_id == current_user.id))
    clients = []
    if profile is not None:
        clients = db.session.scalars(
            select(Client)
            .join(Assignment, Assignment.client_id == Client.id)
            .where(
                Assignment.secretary_id == profile.id,
                Assignment.ended_at.is_(None),
                Client.archived_at.is_(None),
            )
            .order_by(Client.name)
        ).all()
    return render_template("desk/home.html", profile=profile, clients=clients)
