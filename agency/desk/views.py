from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import select

from agency.access import roles_required
from agency.clients.models import Client
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
            .where(Client.primary_secretary_id == profile.id, Client.archived_at.is_(None))
            .order_by(Client.name)
        ).all()
    return render_template("desk/home.html", profile=profile, clients=clients)
