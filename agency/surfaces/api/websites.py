"""A client's websites over the API: the sites, their update schedule, the updates the
client asks for and their proof, and the posts published to WordPress."""

from flask import request
from flask_babel import gettext as _
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from agency.domains.websites import publishing, sites, updates
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
from agency.surfaces.web.files import attachment_response

bp = Blueprint(
    "api_websites",
    __name__,
    url_prefix="/api/v1/clients",
    description="A client's websites: schedules, update requests, publishing to WordPress",
)
blueprints = (bp,)


class ScheduleViewSchema(Schema):
    frequency = fields.String()
    time_of_day = fields.String(allow_none=True)
    weekdays = fields.List(fields.String())
    day_of_month = fields.Integer(allow_none=True)
    timezone = fields.String(allow_none=True)
    next = fields.List(fields.DateTime(), metadata={"description": "The next five, in UTC"})


class SiteViewSchema(Schema):
    id = fields.Integer()
    client_id = fields.Integer()
    name = fields.String()
    url = fields.String()
    platform = fields.String()
    vault_entry_id = fields.Integer(allow_none=True)
    checklist = fields.List(fields.String())
    approve_before_publishing = fields.Boolean()
    schedule = fields.Nested(ScheduleViewSchema)


class SiteFileViewSchema(Schema):
    id = fields.Integer()
    role = fields.String()
    filename = fields.String()
    content_type = fields.String()
    size_bytes = fields.Integer()


class SiteUpdateViewSchema(Schema):
    id = fields.Integer()
    website_id = fields.Integer()
    item_id = fields.Integer(allow_none=True)
    text = fields.String()
    wished_on = fields.Date(allow_none=True)
    status = fields.String()
    created_at = fields.DateTime()
    done_at = fields.DateTime(allow_none=True)
    proof_url = fields.String(allow_none=True)
    proof_note = fields.String(allow_none=True)
    files = fields.List(fields.Nested(SiteFileViewSchema))


class PublicationViewSchema(Schema):
    id = fields.Integer()
    website_id = fields.Integer()
    update_id = fields.Integer(allow_none=True)
    item_id = fields.Integer(allow_none=True)
    kind = fields.String()
    publish_as = fields.String()
    title = fields.String()
    body = fields.String()
    image_id = fields.Integer(allow_none=True)
    state = fields.String()
    review_note = fields.String(allow_none=True)
    error = fields.String(allow_none=True)
    remote_id = fields.Integer(allow_none=True)
    remote_url = fields.String(allow_none=True)
    created_at = fields.DateTime()
    published_at = fields.DateTime(allow_none=True)


def _client(client_id):
    return full_access_client(client_id)


def _office_client(client_id):
    """A client whose sites the API user works on: their secretaries and managers."""
    return office_client(client_id, _("The office does this; ask for an update instead."))


def _client_person(client_id):
    return client_person_client(
        client_id, _("Only the client approves what is published on their site.")
    )


@bp.get("/<int:client_id>/sites")
@bp.response(200, SiteViewSchema(many=True))
@token_required()
def list_sites(client_id):
    """The client's websites, each with its update schedule."""
    return [sites.view(s) for s in sites.sites_of(_client(client_id))]


@bp.post("/<int:client_id>/sites")
@json_body(bp, sites.SiteSchema)
@bp.response(201, SiteViewSchema)
@token_required()
def create_site(client_id):
    """A website: ``name``, ``url``, ``platform``, the ``vault_entry_id`` that logs into
    it, the standing ``checklist`` and ``approve_before_publishing``."""
    return sites.view(sites.create(_office_client(client_id), json_payload()))


@bp.get("/<int:client_id>/sites/<int:website_id>")
@bp.response(200, SiteViewSchema)
@token_required()
def get_site(client_id, website_id):
    return sites.view(sites.site_of(_client(client_id), website_id))


@bp.patch("/<int:client_id>/sites/<int:website_id>")
@json_body(bp, sites.SiteSchema)
@bp.response(200, SiteViewSchema)
@token_required()
def update_site(client_id, website_id):
    site = sites.site_of(_office_client(client_id), website_id)
    return sites.view(sites.update(site, json_payload()))


@bp.delete("/<int:client_id>/sites/<int:website_id>")
@bp.response(204)
@token_required()
def remove_site(client_id, website_id):
    """The site and its schedule; update items already made stay on the queue."""
    sites.remove(sites.site_of(_office_client(client_id), website_id))
    return ""


@bp.put("/<int:client_id>/sites/<int:website_id>/schedule")
@json_body(bp, sites.SiteScheduleSchema)
@bp.response(200, SiteViewSchema)
@token_required()
def set_schedule(client_id, website_id):
    """``frequency`` none, daily, weekly (with ``weekdays``) or monthly (with
    ``day_of_month``), at ``time_of_day`` on the client's clock; each occurrence is a work
    item with the site's checklist."""
    site = sites.site_of(_office_client(client_id), website_id)
    return sites.view(sites.set_schedule(site, json_payload(), api_user().id))


@bp.get("/<int:client_id>/sites/<int:website_id>/updates")
@bp.response(200, SiteUpdateViewSchema(many=True))
@token_required()
def list_updates(client_id, website_id):
    """The site's updates, newest first, with their proof."""
    site = sites.site_of(_client(client_id), website_id)
    return [updates.view(u) for u in updates.updates_of(site)]


@bp.post("/<int:client_id>/sites/<int:website_id>/updates")
@json_body(bp, updates.UpdateRequestSchema)
@bp.response(201, SiteUpdateViewSchema)
@token_required()
def request_update(client_id, website_id):
    """Ask for an update: ``text`` and the ``wished_on`` day; it becomes a work item.
    Files follow, one per request, to the update's ``files``."""
    client = _client(client_id)
    site = sites.site_of(client, website_id)
    return updates.view(updates.request_update(client, site, json_payload(), [], api_user(), "api"))


@bp.post("/<int:client_id>/site-updates/<int:site_update_id>/files")
@bp.doc(**BINARY_BODY)
@bp.response(201, SiteFileViewSchema)
@token_required()
def add_update_file(client_id, site_update_id):
    """A file for the update, sent as the body with its name in ``?filename=``: a PDF,
    an image or an office document (415 otherwise), at most SITE_FILE_MAX_BYTES (413)."""
    update = updates.update_of(_client(client_id), site_update_id)
    found = updates.add_file(
        update, request.args.get("filename", ""), request.get_data(), api_user()
    )
    return updates.file_view(found)


@bp.get("/<int:client_id>/site-files/<int:site_file_id>")
@bp.response(200, description="The file, as a download")
@token_required()
def get_site_file(client_id, site_file_id):
    return attachment_response(updates.file_of(_client(client_id), site_file_id))


@bp.post("/<int:client_id>/site-updates/<int:site_update_id>/done")
@json_body(bp, updates.UpdateProofSchema)
@bp.response(200, SiteUpdateViewSchema)
@token_required()
def mark_update_done(client_id, site_update_id):
    """Done, with the proof: the ``url`` of the page on the site and a ``note``; the
    update's work item is completed."""
    update = updates.update_of(_office_client(client_id), site_update_id)
    return updates.view(updates.mark_done(update, json_payload(), None, api_user()))


@bp.get("/<int:client_id>/sites/<int:website_id>/publications")
@bp.response(200, PublicationViewSchema(many=True))
@token_required()
def list_publications(client_id, website_id):
    site = sites.site_of(_client(client_id), website_id)
    return [publishing.view(p) for p in publishing.publications_of(site)]


@bp.post("/<int:client_id>/sites/<int:website_id>/publications")
@json_body(bp, publishing.PublicationSchema)
@bp.response(201, PublicationViewSchema)
@token_required()
def create_publication(client_id, website_id):
    """A post or page for a WordPress site, not yet published: ``title``, ``body``,
    ``kind`` (post, page), ``publish_as`` (publish, draft), an ``image_id`` of the
    client's files, the ``update_id`` or ``item_id`` it answers."""
    site = sites.site_of(_office_client(client_id), website_id)
    return publishing.view(publishing.create(site, json_payload(), None, api_user()))


@bp.post("/<int:client_id>/publications/<int:publication_id>/publish")
@bp.response(200, PublicationViewSchema)
@token_required()
def publish(client_id, publication_id):
    """Publish now, or put it before the client when the site asks for approval. A site
    that refuses answers 424 with the reason, kept on the publication and its item."""
    client = _office_client(client_id)
    found = publishing.publication_of(client.id, publication_id)
    return publishing.view(publishing.submit(found, api_user()))


@bp.post("/<int:client_id>/publications/<int:publication_id>/approve")
@bp.response(200, PublicationViewSchema)
@token_required()
def approve_publication(client_id, publication_id):
    """The client approves; it is published (the site's refusal, if any, is in ``error``)."""
    client = _client_person(client_id)
    found = publishing.publication_of(client.id, publication_id)
    return publishing.view(publishing.approve(found, api_user()))


@bp.post("/<int:client_id>/publications/<int:publication_id>/decline")
@json_body(bp, publishing.PublicationDeclineSchema)
@bp.response(200, PublicationViewSchema)
@token_required()
def decline_publication(client_id, publication_id):
    """The client sends it back with a ``note``."""
    client = _client_person(client_id)
    found = publishing.publication_of(client.id, publication_id)
    return publishing.view(publishing.decline(found, json_payload(), api_user()))
