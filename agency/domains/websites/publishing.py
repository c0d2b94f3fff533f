"""What the office writes for a WordPress site and publishes to it: a post or a page, as
a draft or live, with its image in the site's media library, through the site's REST API
and the application password of the site's vault login. When the site asks for it, the
client approves first in the portal (as with outbound mail), and the approval publishes.

A publication that the site takes records its address as the proof of the update and
completes the work item; one that the site refuses keeps the reason in words, on the
publication and the item's timeline, and nothing is marked done."""

from flask import current_app
from flask_babel import gettext as _
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from agency.domains.vault import entries
from agency.domains.websites import updates, wordpress
from agency.domains.websites.models import (
    Platform,
    Publication,
    PublicationState,
    SiteFile,
    SiteUpdate,
    Website,
)
from agency.domains.work import services as work
from agency.domains.work.models import Kind, Status, WorkItem
from agency.domains.work.timeline import record
from agency.kernel import clock, labels, validation
from agency.kernel.database import db
from agency.kernel.errors import Conflict, NotFound, ValidationError
from agency.kernel.records import values_for
from agency.kernel.uploads import IMAGES, checked_file

# From these states the office may publish (or send for approval) again.
PUBLISHABLE = (PublicationState.draft, PublicationState.approved, PublicationState.failed)


class PublishFailed(ValidationError):
    """The site refused or could not be reached: the reason in words, nothing done."""

    status_code = 424  # Failed Dependency: the site it depends on did not take it

    def __init__(self, reason: str, code: str):
        super().__init__(reason, code=code)


class PublicationSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=300))
    body = fields.String(required=True, validate=validate.Length(min=1, max=20000))
    kind = fields.String(load_default="post", validate=validate.OneOf(["post", "page"]))
    publish_as = fields.String(
        load_default="publish", validate=validate.OneOf(["publish", "draft"])
    )
    image_id = validation.Id(load_default=None, allow_none=True)
    update_id = validation.Id(load_default=None, allow_none=True)
    item_id = validation.Id(load_default=None, allow_none=True)


class PublicationDeclineSchema(Schema):
    note = fields.String(required=True, validate=validate.Length(min=1, max=2000))


def _item_for(site: Website, values: dict) -> tuple[SiteUpdate | None, int | None]:
    update = None
    if values["update_id"] is not None:
        update = db.session.get(SiteUpdate, values["update_id"])
        if update is None or update.website_id != site.id:
            raise ValidationError.on("update_id", _("Choose an update of this site."))
    item_id = values["item_id"] or (update.item_id if update else None)
    if values["item_id"] is not None:
        item = db.session.get(WorkItem, values["item_id"])
        if item is None or item.client_id != site.client_id or item.kind != Kind.website_update:
            raise ValidationError.on("item_id", _("Choose a website update of this client."))
    return update, item_id


def create(site: Website, data: dict, image: tuple[str, bytes] | None, user) -> Publication:
    """A post or page for the site, not yet published; refused, keeping nothing, for a
    site that is not WordPress or an image that is not one."""
    values = values_for(PublicationSchema(), data)
    if site.platform != Platform.wordpress:
        raise ValidationError.on("website_id", _("Publishing goes to WordPress sites only."))
    for name in ("title", "body"):
        values[name] = values[name].strip()
        if not values[name]:
            raise ValidationError.on(name, _("Write the post's title and text."))
    update, item_id = _item_for(site, values)
    picture = None
    if values["image_id"] is not None:
        picture = db.session.get(SiteFile, values["image_id"])
        if picture is None or picture.client_id != site.client_id:
            raise ValidationError.on("image_id", _("Choose an image of this client's updates."))
        if picture.content_type not in IMAGES:
            raise ValidationError.on("image_id", _("Choose an image, not another kind of file."))
    elif image is not None:
        limit = current_app.config["SITE_FILE_MAX_BYTES"]
        name, kind = checked_file(image[0], image[1], limit, "image", IMAGES)
        picture = SiteFile(
            client_id=site.client_id, role="publication", filename=name, content_type=kind,
            size_bytes=len(image[1]), data=image[1], uploaded_by_id=user.id,
        )  # fmt: skip
        db.session.add(picture)
        db.session.flush()
    publication = Publication(
        client_id=site.client_id, website_id=site.id, update_id=update.id if update else None,
        item_id=item_id, kind=values["kind"], publish_as=values["publish_as"],
        title=values["title"], body=values["body"], image_id=picture.id if picture else None,
        created_by_id=user.id,
    )  # fmt: skip
    db.session.add(publication)
    db.session.commit()
    return publication


def submit(publication: Publication, user) -> Publication:
    """Publish, or put it before the client first when the site asks for approval."""
    if publication.state not in PUBLISHABLE:
        raise Conflict(_("This post is %(state)s; it cannot be published now.",
                         state=_state_word(publication)))  # fmt: skip
    site = publication.website
    if site.approve_before_publishing and publication.decided_at is None:
        _login(site)  # a site it cannot be published to is said now, not after approval
        publication.state = PublicationState.awaiting_approval.value
        _note(publication, "publication_awaits_approval", user)
        db.session.commit()
        return publication
    return publish(publication, user)


def approve(publication: Publication, user) -> Publication:
    """The client approves: the post is published (a refusal by the site is kept on it)."""
    if publication.state != PublicationState.awaiting_approval:
        raise Conflict(_("This post is not waiting for approval."))
    publication.state = PublicationState.approved.value
    publication.decided_at = clock.now()
    _note(publication, "publication_approved", user)
    db.session.commit()
    try:
        return publish(publication, user)
    except PublishFailed:
        return publication  # the reason is on the publication and the item


def decline(publication: Publication, data: dict, user) -> Publication:
    values = values_for(PublicationDeclineSchema(), data)
    if publication.state != PublicationState.awaiting_approval:
        raise Conflict(_("This post is not waiting for approval."))
    publication.state = PublicationState.declined.value
    publication.review_note = values["note"].strip()
    _note(publication, "publication_declined", user, note=publication.review_note)
    db.session.commit()
    return publication


def revise(publication: Publication, data: dict, user) -> Publication:
    """A post sent back (or refused by the site) rewritten: it can be published again,
    and asks for approval again when the site wants it."""
    if publication.state not in (PublicationState.declined, PublicationState.failed,
                                 PublicationState.draft):  # fmt: skip
        raise Conflict(_("This post can no longer be changed."))
    values = values_for(PublicationSchema(only=("title", "body")), data, partial=True)
    for name, value in values.items():
        if not value.strip():
            raise ValidationError.on(name, _("Write the post's title and text."))
        setattr(publication, name, value.strip())
    if publication.state == PublicationState.declined:
        publication.state = PublicationState.draft.value
        publication.decided_at = None
    db.session.commit()
    return publication


def _login(site: Website) -> tuple[str, str]:
    entry = site.vault_entry
    if entry is None or not entry.username or not entry.secret:
        raise ValidationError.on(
            "vault_entry_id",
            _("The site needs a login in the vault with its user name and an application "
              "password."),
        )  # fmt: skip
    return entry.username, entry.secret


def publish(publication: Publication, user) -> Publication:
    """Send it to the site now. Taken: the address is the proof, the item is done (for a
    live post). Refused: the reason is kept and said (PublishFailed), nothing is done."""
    site = publication.website
    if publication.state not in PUBLISHABLE:
        raise Conflict(_("This post is %(state)s; it cannot be published now.",
                         state=_state_word(publication)))  # fmt: skip
    if site.approve_before_publishing and publication.decided_at is None:
        raise Conflict(_("The client approves this post first."))
    username, password = _login(site)
    entries.record_use(site.vault_entry, user, site.url)  # kept whether the site takes it
    timeout = current_app.config["WEBSITE_TIMEOUT_SECONDS"]
    client = wordpress.Client(site.url, username, password, timeout)
    try:
        client.check_login()
        fields = {"title": publication.title, "status": publication.publish_as}
        image_url = None
        if publication.image is not None:
            picture = publication.image
            media_id, image_url = client.upload_image(
                picture.filename, picture.content_type, picture.data
            )
            if publication.kind == "post":
                fields["featured_media"] = media_id
        fields["content"] = wordpress.content_html(publication.body, image_url, publication.title)
        done = client.publish(publication.kind, fields)
    except wordpress.SiteRefused as refused:
        publication.state = PublicationState.failed.value
        publication.error = refused.reason[:500]
        _note(publication, "publish_failed", user, reason=refused.reason)
        db.session.commit()
        raise PublishFailed(refused.reason, refused.code) from refused
    publication.state = PublicationState.published.value
    publication.error = None
    publication.remote_id = done.remote_id
    publication.remote_url = done.url[:500]
    publication.published_at = clock.now()
    live = publication.publish_as == "publish"
    _finish(publication, user, live)
    db.session.commit()
    return publication


def _finish(publication: Publication, user, live: bool) -> None:
    item = db.session.get(WorkItem, publication.item_id) if publication.item_id else None
    action = "published" if live else "published_draft"
    if item is None:
        return
    if not live:
        record(item, action, user.id, note=publication.remote_url)
        return
    if publication.update_id is not None:
        update = db.session.get(SiteUpdate, publication.update_id)
        if update is not None:
            updates.done_by_publishing(update, publication.remote_url)
    if item.status in (Status.assigned, Status.in_progress, Status.waiting):
        work.finish(item, _("Published: %(url)s", url=publication.remote_url), action,
                    note=publication.remote_url)  # fmt: skip
    else:
        record(item, action, user.id, note=publication.remote_url)


def _note(publication: Publication, action: str, user, **detail) -> None:
    if publication.item_id is not None:
        record(publication.item_id, action, user.id if user else None, **detail)


def _state_word(publication: Publication) -> str:
    return labels.label("publication_state", publication.state)


def publications_of(site: Website) -> list[Publication]:
    return db.session.scalars(
        select(Publication)
        .where(Publication.website_id == site.id)
        .order_by(Publication.created_at.desc(), Publication.id.desc())
        .limit(200)
    ).all()


def awaiting_approval(client_id: int) -> list[Publication]:
    return db.session.scalars(
        select(Publication)
        .where(
            Publication.client_id == client_id,
            Publication.state == PublicationState.awaiting_approval,
        )
        .order_by(Publication.id)
    ).all()


def publication_of(client_id: int, publication_id) -> Publication:
    found = db.session.scalar(
        select(Publication).where(
            Publication.id == publication_id, Publication.client_id == client_id
        )
    )
    if found is None:
        raise NotFound()
    return found


def view(publication: Publication) -> dict:
    return {
        "id": publication.id,
        "website_id": publication.website_id,
        "update_id": publication.update_id,
        "item_id": publication.item_id,
        "kind": publication.kind,
        "publish_as": publication.publish_as,
        "title": publication.title,
        "body": publication.body,
        "image_id": publication.image_id,
        "state": publication.state,
        "review_note": publication.review_note,
        "error": publication.error,
        "remote_id": publication.remote_id,
        "remote_url": publication.remote_url,
        "created_at": publication.created_at,
        "published_at": publication.published_at,
    }
