from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from agency.surfaces.web.access import platform_only
from agency.surfaces.web.forms import ConfirmForm
from tenants import Agency, directory, lifecycle
from tenants.lifecycle import export_download

bp = Blueprint("platform", __name__, url_prefix="/platform")


def _agency(agency_id: int) -> Agency:
    agency = directory.agency(agency_id)
    if agency is None:
        abort(404)
    return agency


@bp.get("/")
@platform_only
def home():
    agencies = sorted(map(directory.agency, directory.agency_ids()), key=lambda a: a.name)
    return render_template("platform/home.html", agencies=agencies, confirm_form=ConfirmForm())


@bp.post("/agencies/<int:agency_id>/suspend")
@platform_only
def suspend(agency_id):
    agency = _agency(agency_id)
    if ConfirmForm().validate_on_submit():
        lifecycle.suspend(agency, request.form.get("reason", ""))
        flash(_("%(name)s is suspended.", name=agency.name), "success")
    return redirect(url_for("platform.home"))


@bp.post("/agencies/<int:agency_id>/resume")
@platform_only
def resume(agency_id):
    agency = _agency(agency_id)
    if ConfirmForm().validate_on_submit():
        lifecycle.resume(agency)
        flash(_("%(name)s is active again.", name=agency.name), "success")
    return redirect(url_for("platform.home"))


@bp.get("/agencies/<int:agency_id>/export")
@platform_only
def export(agency_id):
    agency = _agency(agency_id)
    return export_download(agency)
