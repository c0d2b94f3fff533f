"""A client's campaigns on the desk: written here, sent to the client for approval, and
followed while they go (a progress bar, paused and resumed, cancelled)."""

from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from agency.domains.clients.access import client_for, open_clients
from agency.domains.clients.models import Client
from agency.domains.promotions import campaigns, consent, images, segments, signup
from agency.domains.promotions.forms import CampaignForm, CampaignPictureForm, SegmentForm
from agency.domains.websites import sites
from agency.kernel import clock
from agency.kernel.database import db
from agency.kernel.errors import ValidationError
from agency.surfaces.web.access import roles_required
from agency.surfaces.web.files import image_response
from agency.surfaces.web.forms import ConfirmForm, refusal_text, refused

bp = Blueprint("desk_campaigns", __name__, url_prefix="/desk/campaigns")
PEOPLE = ("secretary", "owner", "manager")
STEPS = {
    "submit": (campaigns.submit, lambda: _("Sent to the client for approval.")),
    "pause": (campaigns.pause, lambda: _("Paused: nothing more goes until it is resumed.")),
    "resume": (campaigns.resume, lambda: _("Resumed.")),
    "cancel": (campaigns.cancel, lambda: _("Cancelled: nothing more goes.")),
}


@bp.get("/")
@roles_required(*PEOPLE)
def home():
    clients = open_clients(current_user)
    return render_template("desk/campaign_clients.html", clients=clients)


def _campaign_form(client: Client, **kwargs) -> CampaignForm:
    return CampaignForm(sites=sites.sites_of(client), lists=segments.segments_of(client), **kwargs)


def _page(client: Client, form=None, status: int = 200, list_form=None):
    if form is None:
        form = _campaign_form(client, formdata=None)
        tomorrow = clock.now().astimezone(ZoneInfo(client.timezone)).date()
        form.send_at.data = f"{tomorrow.isoformat()}T09:00"
    return render_template(
        "desk/campaigns.html",
        client=client,
        report=campaigns.client_report(client),
        campaigns=campaigns.views(campaigns.campaigns_of(client), True),
        audience=consent.count_consenting(client.id),
        signup_url=signup.form_url(client),
        form=form,
        lists=[segments.view(s) for s in segments.segments_of(client)],
        list_form=list_form or SegmentForm(formdata=None),
        confirm_form=ConfirmForm(),
    ), status


@bp.get("/<int:client_id>")
@roles_required(*PEOPLE)
def client(client_id):
    return _page(client_for(current_user, client_id))


@bp.post("/<int:client_id>")
@roles_required(*PEOPLE)
def new_campaign(client_id):
    found = client_for(current_user, client_id)
    form = _campaign_form(found)
    if not form.validate_on_submit():
        return _page(found, form, 422)
    picture = form.image.data
    try:
        data = picture.read() if picture else b""
        if picture:  # checked before anything is kept
            images.checked_picture(picture.filename, data)
        made = campaigns.create(found, form.payload(), current_user)
        if picture:
            images.attach(made, picture.filename, data)
    except ValidationError as exc:
        refused(form, exc)
        return _page(found, form, exc.status_code)
    flash(_("The campaign is a draft: read it through, then send it to the client."), "success")
    return redirect(url_for(".campaign", client_id=found.id, campaign_id=made.id))


@bp.post("/<int:client_id>/lists")
@roles_required(*PEOPLE)
def new_list(client_id):
    """A saved list: a name for an audience."""
    found = client_for(current_user, client_id)
    form = SegmentForm()
    if not form.validate_on_submit():
        return _page(found, status=422, list_form=form)
    try:
        segments.create(found, form.payload())
    except ValidationError as exc:
        refused(form, exc)
        return _page(found, status=exc.status_code, list_form=form)
    flash(_("The list is saved: choose it for a campaign."), "success")
    return redirect(url_for(".client", client_id=found.id))


@bp.post("/<int:client_id>/lists/<int:list_id>/delete")
@roles_required(*PEOPLE)
def delete_list(client_id, list_id):
    found = client_for(current_user, client_id)
    chosen = segments.segment_of(found.id, list_id)
    if ConfirmForm().validate_on_submit():
        segments.delete(chosen)
        flash(_("The list is deleted; campaigns that used it keep their audience."), "success")
    return redirect(url_for(".client", client_id=found.id))


def _campaign_page(client, campaign, template="desk/campaign.html"):
    return render_template(
        template,
        client=client,
        campaign=campaigns.view(campaign, True),
        confirm_form=ConfirmForm(),
        picture_form=CampaignPictureForm(),
    )


@bp.get("/<int:client_id>/<int:campaign_id>")
@roles_required(*PEOPLE)
def campaign(client_id, campaign_id):
    found = client_for(current_user, client_id)
    return _campaign_page(found, campaigns.campaign_of(found.id, campaign_id))


@bp.get("/<int:client_id>/<int:campaign_id>/image")
@roles_required(*PEOPLE)
def picture(client_id, campaign_id):
    found = client_for(current_user, client_id)
    data, kind, _name = images.picture_of(campaigns.campaign_of(found.id, campaign_id))
    return image_response(data, kind)


@bp.post("/<int:client_id>/<int:campaign_id>/image")
@roles_required(*PEOPLE)
def change_picture(client_id, campaign_id):
    """A new picture for the draft, or none (``remove``)."""
    found = client_for(current_user, client_id)
    chosen = campaigns.campaign_of(found.id, campaign_id)
    form = CampaignPictureForm()
    if form.validate_on_submit():
        upload = form.image.data
        try:
            if request.form.get("remove"):
                images.detach(chosen)
                flash(_("The picture is removed."), "success")
            else:
                data = upload.read() if upload else b""
                images.attach(chosen, upload.filename if upload else "", data)
                flash(_("The picture is at the top of the email."), "success")
        except ValidationError as exc:
            db.session.rollback()
            flash(refusal_text(exc), "error")
    return redirect(url_for(".campaign", client_id=found.id, campaign_id=campaign_id))


@bp.get("/<int:client_id>/<int:campaign_id>/progress")
@roles_required(*PEOPLE)
def progress(client_id, campaign_id):
    """The progress part of the page, fetched again while the campaign goes."""
    found = client_for(current_user, client_id)
    chosen = campaigns.campaign_of(found.id, campaign_id)
    return _campaign_page(found, chosen, "desk/_campaign_progress.html")


@bp.post("/<int:client_id>/<int:campaign_id>/<any(submit, pause, resume, cancel):campaign_step>")
@roles_required(*PEOPLE)
def step(client_id, campaign_id, campaign_step):
    found = client_for(current_user, client_id)
    chosen = campaigns.campaign_of(found.id, campaign_id)
    if ConfirmForm().validate_on_submit():
        act, said = STEPS[campaign_step]
        try:
            act(chosen)
        except ValidationError as exc:
            db.session.rollback()
            flash(refusal_text(exc), "error")
        else:
            flash(said(), "success")
    return redirect(url_for(".campaign", client_id=found.id, campaign_id=campaign_id))
