from flask import abort, g, redirect, render_template, request, url_for
from flask_login import current_user

from agency.extensions import login_manager
from agency.surfaces.public.blueprint import bp
from tenants import directory, set_current_agency


@bp.get("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for(current_user.home_endpoint))
    return render_template("public/index.html")


@bp.before_request
def _agency_from_slug():
    """Public agency pages take their tenant from the slug in the URL. Someone signed in
    to another agency (or the platform) sees them as any visitor does: their own records
    are not this agency's to read."""
    slug = (request.view_args or {}).get("agency_slug")
    if slug is not None:
        agency = directory.agency_at(slug)
        if agency is None or agency.is_suspended:
            abort(404)
        if getattr(current_user, "agency_id", None) != agency.id:
            g._login_user = login_manager.anonymous_user()  # for this request only
        set_current_agency(agency.id)
        g.agency = agency


@bp.get("/a/<agency_slug>/")
def agency_page(agency_slug):
    return render_template("public/agency.html", agency=g.agency)
