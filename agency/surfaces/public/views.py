from flask import abort, g, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from agency.kernel.database import db
from agency.surfaces.public.blueprint import bp
from tenants import Agency, set_current_agency


@bp.get("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for(current_user.home_endpoint))
    return render_template("public/index.html")


@bp.before_request
def _agency_from_slug():
    """Public agency pages take their tenant from the slug in the URL."""
    slug = (request.view_args or {}).get("agency_slug")
    if slug is not None:
        agency = db.session.scalar(select(Agency).where(Agency.slug == slug))
        if agency is None or agency.is_suspended:
            abort(404)
        set_current_agency(agency.id)
        g.agency = agency


@bp.get("/a/<agency_slug>/")
def agency_page(agency_slug):
    return render_template("public/agency.html", agency=g.agency)
