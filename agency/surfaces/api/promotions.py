"""A client's promotions over the API: consent records of the contacts, the addresses no
longer written to, and campaigns from draft to sent, with their counts."""

from flask import request
from flask_babel import gettext as _
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from agency.domains.accounts.models import Role
from agency.domains.promotions import campaigns, clicks, consent, images, segments
from agency.kernel.errors import NotAllowed
from agency.surfaces.api.base import (
    BINARY_BODY,
    api_user,
    client_person_client,
    full_access_client,
    json_body,
    json_payload,
    office_client,
    token_required,
)
from agency.surfaces.web.files import image_response

bp = Blueprint(
    "api_promotions",
    __name__,
    url_prefix="/api/v1/clients",
    description="A client's promotions: consent, suppressed addresses and campaigns",
)
blueprints = (bp,)


class ConsentViewSchema(Schema):
    id = fields.Integer()
    given = fields.Boolean()
    method = fields.String()
    source = fields.String(allow_none=True)
    wording = fields.String(allow_none=True)
    at = fields.DateTime()


class SuppressionViewSchema(Schema):
    address = fields.String()
    reason = fields.String()
    at = fields.DateTime()


class CampaignCountsSchema(Schema):
    total = fields.Integer()
    queued = fields.Integer()
    sending = fields.Integer()
    sent = fields.Integer()
    failed = fields.Integer()
    bounced = fields.Integer()
    unsubscribed = fields.Integer()
    clicked = fields.Integer(metadata={"description": "Readers who followed a link"})


class SavedListViewSchema(Schema):
    id = fields.Integer()
    client_id = fields.Integer()
    name = fields.String()
    kinds = fields.List(fields.String())
    tags = fields.List(fields.String())
    languages = fields.List(fields.String())
    contacted_within_days = fields.Integer(allow_none=True)
    quiet_for_days = fields.Integer(allow_none=True)
    count = fields.Integer(metadata={"description": "Consenting contacts who fit it now"})


class CampaignSettingsOutSchema(Schema):
    track_clicks = fields.Boolean()


class CampaignViewSchema(Schema):
    id = fields.Integer()
    client_id = fields.Integer()
    subject = fields.String()
    body = fields.String()
    kinds = fields.List(fields.String())
    tags = fields.List(fields.String())
    languages = fields.List(fields.String())
    contacted_within_days = fields.Integer(allow_none=True)
    quiet_for_days = fields.Integer(allow_none=True)
    send_at = fields.DateTime()
    website_id = fields.Integer(allow_none=True)
    image_name = fields.String(allow_none=True, metadata={"description": "Its picture's file"})
    status = fields.String()
    review_note = fields.String(allow_none=True)
    counts = fields.Nested(CampaignCountsSchema)
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)


def _office(client_id):
    return office_client(
        client_id, _("The office writes and sends the campaigns; you approve them.")
    )


def _client_person(client_id):
    return client_person_client(client_id, _("Only the client approves their campaigns."))


@bp.get("/<int:client_id>/contacts/<int:contact_id>/consents")
@bp.response(200, ConsentViewSchema(many=True))
@token_required()
def list_consents(client_id, contact_id):
    """The contact's consent records, newest first: the first holds."""
    client = full_access_client(client_id)
    return [consent.view(c) for c in consent.history(consent.contact_of(client.id, contact_id))]


@bp.post("/<int:client_id>/contacts/<int:contact_id>/consents")
@json_body(bp, consent.ConsentSchema)
@bp.response(201, ConsentViewSchema)
@token_required()
def record_consent(client_id, contact_id):
    """Consent ``given`` or withdrawn, by ``method`` (signup_form, import, in_person,
    office), with its ``source`` (required for an import) and the ``wording`` shown."""
    client = full_access_client(client_id)
    contact = consent.contact_of(client.id, contact_id)
    return consent.view(consent.record(contact, json_payload(), api_user()))


@bp.get("/<int:client_id>/suppressed-addresses")
@bp.response(200, SuppressionViewSchema(many=True))
@token_required()
def list_suppressions(client_id):
    """Addresses the client's campaigns never write to again, and why."""
    client = full_access_client(client_id)
    return [{"address": s.address, "reason": s.reason, "at": s.at}
            for s in consent.suppressions_of(client.id)]  # fmt: skip


@bp.get("/<int:client_id>/lists")
@bp.response(200, SavedListViewSchema(many=True))
@token_required()
def list_segments(client_id):
    """The client's saved lists, with how many consenting contacts fit each now."""
    return [segments.view(s) for s in segments.segments_of(full_access_client(client_id))]


@bp.post("/<int:client_id>/lists")
@json_body(bp, segments.SavedListSchema)
@bp.response(201, SavedListViewSchema)
@token_required()
def create_segment(client_id):
    """A saved list: a ``name`` (one per client) and the audience it stands for."""
    return segments.view(segments.create(_office(client_id), json_payload()))


@bp.put("/<int:client_id>/lists/<int:list_id>")
@json_body(bp, segments.SavedListSchema)
@bp.response(200, SavedListViewSchema)
@token_required()
def update_segment(client_id, list_id):
    found = segments.segment_of(_office(client_id).id, list_id)
    return segments.view(segments.update(found, json_payload()))


@bp.delete("/<int:client_id>/lists/<int:list_id>")
@bp.response(204)
@token_required()
def delete_segment(client_id, list_id):
    """Campaigns that used it keep their audience."""
    segments.delete(segments.segment_of(_office(client_id).id, list_id))


@bp.get("/<int:client_id>/campaigns")
@bp.response(200, CampaignViewSchema(many=True))
@token_required()
def list_campaigns(client_id):
    return campaigns.views(campaigns.campaigns_of(full_access_client(client_id)))


@bp.post("/<int:client_id>/campaigns")
@json_body(bp, campaigns.CampaignSchema)
@bp.response(201, CampaignViewSchema)
@token_required()
def create_campaign(client_id):
    """A draft: ``subject`` and ``body`` (with {first_name}, {name}, {client_name}), the
    contact ``kinds`` of the audience (all when empty) and ``send_at``."""
    return campaigns.view(campaigns.create(_office(client_id), json_payload(), api_user()))


@bp.get("/<int:client_id>/campaigns/<int:campaign_id>")
@bp.response(200, CampaignViewSchema)
@token_required()
def get_campaign(client_id, campaign_id):
    client = full_access_client(client_id)
    return campaigns.view(campaigns.campaign_of(client.id, campaign_id))


@bp.patch("/<int:client_id>/campaigns/<int:campaign_id>")
@json_body(bp, campaigns.CampaignSchema)
@bp.response(200, CampaignViewSchema)
@token_required()
def update_campaign(client_id, campaign_id):
    client = _office(client_id)
    found = campaigns.campaign_of(client.id, campaign_id)
    return campaigns.view(campaigns.update(found, json_payload()))


@bp.put("/<int:client_id>/campaigns/<int:campaign_id>/image")
@bp.doc(**BINARY_BODY)
@bp.response(200, CampaignViewSchema)
@token_required()
def set_campaign_image(client_id, campaign_id):
    """The draft's picture, sent as the body with its name in ``?filename=``: a PNG, JPEG,
    GIF or WebP (415 otherwise), at most CAMPAIGN_IMAGE_MAX_BYTES (413)."""
    found = campaigns.campaign_of(_office(client_id).id, campaign_id)
    attached = images.attach(found, request.args.get("filename", ""), request.get_data())
    return campaigns.view(attached)


@bp.delete("/<int:client_id>/campaigns/<int:campaign_id>/image")
@bp.response(200, CampaignViewSchema)
@token_required()
def remove_campaign_image(client_id, campaign_id):
    found = campaigns.campaign_of(_office(client_id).id, campaign_id)
    return campaigns.view(images.detach(found))


@bp.get("/<int:client_id>/campaigns/<int:campaign_id>/image")
@bp.response(200, description="The picture")
@token_required()
def get_campaign_image(client_id, campaign_id):
    found = campaigns.campaign_of(full_access_client(client_id).id, campaign_id)
    data, kind, _name = images.picture_of(found)
    return image_response(data, kind)


OFFICE_ACTIONS = {
    "submit": campaigns.submit,
    "pause": campaigns.pause,
    "resume": campaigns.resume,
    "cancel": campaigns.cancel,
}


STEP_RULE = "/<int:client_id>/campaigns/<int:campaign_id>/<any({}):campaign_step>"


@bp.post(STEP_RULE.format(", ".join(OFFICE_ACTIONS)))
@bp.response(200, CampaignViewSchema)
@token_required()
def campaign_step(client_id, campaign_id, campaign_step):
    """``submit`` for the client's approval; ``pause``, ``resume`` or ``cancel`` it."""
    client = _office(client_id)
    found = campaigns.campaign_of(client.id, campaign_id)
    return campaigns.view(OFFICE_ACTIONS[campaign_step](found))


@bp.post("/<int:client_id>/campaigns/<int:campaign_id>/approve")
@bp.response(200, CampaignViewSchema)
@token_required()
def approve_campaign(client_id, campaign_id):
    """The client approves: it is sent at its time."""
    client = _client_person(client_id)
    return campaigns.view(campaigns.approve(campaigns.campaign_of(client.id, campaign_id)))


@bp.post("/<int:client_id>/campaigns/<int:campaign_id>/decline")
@json_body(bp, campaigns.CampaignDeclineSchema)
@bp.response(200, CampaignViewSchema)
@token_required()
def decline_campaign(client_id, campaign_id):
    """The client sends it back with a ``note``; it is a draft again."""
    client = _client_person(client_id)
    found = campaigns.campaign_of(client.id, campaign_id)
    return campaigns.view(campaigns.decline(found, json_payload()))


@bp.get("/<int:client_id>/campaign-settings")
@bp.response(200, CampaignSettingsOutSchema)
@token_required()
def get_campaign_settings(client_id):
    """Whether the links of the client's campaigns count clicks (off until turned on)."""
    return {"track_clicks": clicks.settings_of(full_access_client(client_id)).track_clicks}


@bp.put("/<int:client_id>/campaign-settings")
@json_body(bp, clicks.CampaignSettingsSchema)
@bp.response(200, CampaignSettingsOutSchema)
@token_required()
def set_campaign_settings(client_id):
    """The client's own choice (and the managers')."""
    client = full_access_client(client_id)
    user = api_user()
    if not (user.is_manager or user.role == Role.client):
        raise NotAllowed(_("Only the client or a manager can do that."))
    return {"track_clicks": clicks.save_settings(client, json_payload()).track_clicks}
