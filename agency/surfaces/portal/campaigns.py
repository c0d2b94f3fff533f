"""The client's campaigns in the portal: each one waiting for approval, read and approved
or sent back with a note, and the report of every campaign sent (sent, bounced,
unsubscribed)."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from agency.domains.clients.models import Client
from agency.domains.promotions import campaigns, clicks, images
from agency.kernel.database import db
from agency.kernel.errors import ValidationError
from agency.surfaces.portal.blueprint import bp
from agency.surfaces.web.access import full_client_access, own_client, roles_required
from agency.surfaces.web.files import image_response
from agency.surfaces.web.forms import ConfirmForm, refusal_text


def _page(client: Client, status: int = 200):
    return render_template(
        "portal/campaigns.html",
        client=client,
        report=campaigns.client_report(client),
        counting=clicks.settings_of(client).track_clicks,
        campaigns=campaigns.views(
            [c for c in campaigns.campaigns_of(client) if c.status != "draft"], True
        ),
        confirm_form=ConfirmForm(),
    ), status


@bp.get("/campaigns")
@roles_required("client")
@full_client_access
def campaigns_page():
    return _page(own_client())


@bp.post("/campaigns/settings")
@roles_required("client")
@full_client_access
def campaign_settings():
    """Whether the links of the client's campaigns count clicks."""
    client = own_client()
    if ConfirmForm().validate_on_submit():
        clicks.save_settings(client, {"track_clicks": request.form.get("track_clicks") == "y"})
        flash(_("Saved."), "success")
    return redirect(url_for(".campaigns_page"))


@bp.get("/campaigns/<int:campaign_id>/image")
@roles_required("client")
@full_client_access
def campaign_picture(campaign_id):
    data, kind, _name = images.picture_of(campaigns.campaign_of(own_client().id, campaign_id))
    return image_response(data, kind)


@bp.post("/campaigns/<int:campaign_id>/<any(approve, decline):decision>")
@roles_required("client")
@full_client_access
def decide_campaign(campaign_id, decision):
    client = own_client()
    found = campaigns.campaign_of(client.id, campaign_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for(".campaigns_page"))
    try:
        if decision == "approve":
            campaigns.approve(found)
            flash(_("Approved: it goes at its time."), "success")
        else:
            campaigns.decline(found, {"note": request.form.get("note", "")})
            flash(_("Sent back to your secretary."), "success")
    except ValidationError as exc:
        db.session.rollback()
        flash(refusal_text(exc), "error")
        return _page(client, exc.status_code)
    return redirect(url_for(".campaigns_page"))
