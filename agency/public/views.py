from flask import Blueprint, abort, g, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from agency.extensions import db
from tenants import Agency, set_current_agency

bp = Blueprint("public", __name__)


@bp.get("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for(current_user.home_endpoint))
    return render_template("public/index.html")


@bp.url_value_preprocessor
def _agency_from_slug(endpoint, values):
    """Public agency pages take their tenant from the slug in the URL."""
    if values and "agency_slug" in values:
        agency = db.session.scalar(select(Agency).where(Agency.slug == values["agency_slug"]))
        if agency is None or agency.is_suspended:
            abort(404)
        set_current_agency(agency.id)
        g.agency = agency


@bp.get("/a/<agency_slug>/")
def agency_page(agency_slug):
    return render_template("public/agency.html", agency=g.agency)
