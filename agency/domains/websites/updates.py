"""Updates a client asks for on one of their sites: the text, the files, the day they
wish it done, and the work item that carries it to a secretary; then the proof it was
done (the page's address on the site, a note, perhaps a screenshot), which the client
sees in the site's history."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from agency.domains.calendar.schemas import http_url
from agency.domains.clients.models import Client
from agency.domains.websites.models import SiteFile, SiteUpdate, UpdateStatus, Website
from agency.domains.websites.sites import host_of
from agency.domains.work import services as work
from agency.domains.work.access import require_work
from agency.domains.work.creation import create_item
from agency.domains.work.models import Kind, Status, WorkItem
from agency.domains.work.timeline import record
from agency.kernel import clock, validation
from agency.kernel.database import db
from agency.kernel.errors import Conflict, NotFound, ValidationError
from agency.kernel.records import values_for
from agency.kernel.uploads import IMAGES, OFFICE_DOCUMENTS, PDF_OR_IMAGE, checked_file

MAX_FILES = 10
OPEN_TO_COMPLETE = (Status.assigned, Status.in_progress, Status.waiting)
# A wished-for day is due at this hour on the client's clock.
DUE_HOUR = time(17, 0)


class UpdateRequestSchema(Schema):
    text = fields.String(required=True, validate=validate.Length(min=1, max=5000))
    wished_on = fields.Date(load_default=None, allow_none=True)


class UpdateProofSchema(Schema):
    url = validation.Checked(http_url, required=True, validate=validate.Length(max=500))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


def _files(files: list[tuple[str, bytes]], allowed: set[str], field: str) -> list[tuple]:
    """Every file checked before any is kept: (name, type, bytes)."""
    if len(files) > MAX_FILES:
        raise ValidationError.on(field, _("Send at most %(count)s files.", count=MAX_FILES))
    limit = current_app.config["SITE_FILE_MAX_BYTES"]
    return [(*checked_file(name, data, limit, field, allowed), data) for name, data in files]


def _file(client: Client, checked: tuple, role: str, user) -> SiteFile:
    name, kind, data = checked
    return SiteFile(
        client_id=client.id, role=role, filename=name, content_type=kind,
        size_bytes=len(data), data=data, uploaded_by_id=user.id if user else None,
    )  # fmt: skip


def request_update(
    client: Client, site: Website, data: dict, files: list[tuple[str, bytes]], user, source: str
) -> SiteUpdate:
    """The update, its files and its work item, or a clear refusal that keeps nothing."""
    values = values_for(UpdateRequestSchema(), data)
    text = values["text"].strip()
    if not text:
        raise ValidationError.on("text", _("Say what should change on the site."))
    zone = ZoneInfo(client.timezone)
    today = clock.now().astimezone(zone).date()
    wished_on = values["wished_on"]
    if wished_on is not None and wished_on < today:
        raise ValidationError.on("wished_on", _("The wished-for day is in the past."))
    checked = _files(files, PDF_OR_IMAGE | OFFICE_DOCUMENTS, "files")
    update = SiteUpdate(
        client_id=client.id, website_id=site.id, text=text, wished_on=wished_on,
        requested_by_id=user.id if user else None,
    )  # fmt: skip
    db.session.add(update)
    db.session.flush()
    for each in checked:
        update.files.append(_file(client, each, "request", user))
    due = datetime.combine(wished_on, DUE_HOUR, zone) if wished_on else None
    item, _new = create_item(
        {
            "client_id": client.id,
            "kind": Kind.website_update.value,
            "title": _("%(site)s: %(text)s", site=site.name, text=text.splitlines()[0])[:300],
            "body": text,
            "source": source,
            "source_key": f"site-update:{update.id}",
            "due_at": due.isoformat() if due and due > clock.now() else None,
            "links": {"site_update_id": update.id, "website_id": site.id},
        },
        user.id if user else None,
        commit=False,
    )
    update.item_id = item.id
    db.session.commit()
    return update


def mark_done(update: SiteUpdate, data: dict, screenshot: tuple[str, bytes] | None, user):
    """Done, with the page's address on the site, a note and perhaps a screenshot; the
    update's work item is completed with it (refused, keeping nothing, when the item is
    not the person's to complete)."""
    if update.status != UpdateStatus.requested:
        raise Conflict(_("This update is already done."))
    values = values_for(UpdateProofSchema(), data)
    site = update.website
    if host_of(values["url"]) != host_of(site.url):
        raise ValidationError.on(
            "url", _("Give the address of the page on %(host)s.", host=host_of(site.url))
        )
    shot = _files([screenshot], IMAGES, "screenshot")[0] if screenshot else None
    item = db.session.get(WorkItem, update.item_id) if update.item_id else None
    open_item = item is not None and item.status not in (Status.done, Status.cancelled)
    if open_item:  # refused before anything is written
        if item.status not in OPEN_TO_COMPLETE:
            raise Conflict(_("The update's work item waits in the pool: claim it first."))
        require_work(user, item)
    _done(update, values["url"], (values["note"] or "").strip() or None, user)
    if shot is not None:
        update.files.append(_file(update.website.client, shot, "proof", user))
    if open_item:
        outcome = _("Done: %(url)s", url=update.proof_url)
        if update.proof_note:
            outcome += "\n" + update.proof_note
        record(item, "site_update_done", user.id, note=update.proof_url)
        work.complete(item, {"outcome": outcome}, user)
    else:
        db.session.commit()
    return update


def _done(update: SiteUpdate, url: str, note: str | None, user) -> None:
    update.status = UpdateStatus.done.value
    update.done_at = clock.now()
    update.done_by_id = user.id if user else None
    update.proof_url = url
    update.proof_note = note


def done_by_publishing(update: SiteUpdate, url: str) -> None:
    """The update was published to the site at ``url``: its proof; in the caller's
    transaction."""
    if update.status == UpdateStatus.requested:
        _done(update, url, None, None)


def updates_of(site: Website) -> list[SiteUpdate]:
    return db.session.scalars(
        select(SiteUpdate)
        .where(SiteUpdate.website_id == site.id)
        .order_by(SiteUpdate.created_at.desc(), SiteUpdate.id.desc())
        .limit(200)
    ).all()


def update_of(client: Client, update_id) -> SiteUpdate:
    found = db.session.scalar(
        select(SiteUpdate).where(SiteUpdate.id == update_id, SiteUpdate.client_id == client.id)
    )
    if found is None:
        raise NotFound()
    return found


def of_item(item: WorkItem) -> SiteUpdate | None:
    update_id = (item.links or {}).get("site_update_id")
    if not isinstance(update_id, int):
        return None
    return db.session.scalar(
        select(SiteUpdate).where(SiteUpdate.id == update_id, SiteUpdate.client_id == item.client_id)
    )


def file_of(client: Client, file_id) -> SiteFile:
    found = db.session.scalar(
        select(SiteFile).where(SiteFile.id == file_id, SiteFile.client_id == client.id)
    )
    if found is None:
        raise NotFound()
    return found


def file_view(found: SiteFile) -> dict:
    return {
        "id": found.id,
        "role": found.role,
        "filename": found.filename,
        "content_type": found.content_type,
        "size_bytes": found.size_bytes,
    }


def view(update: SiteUpdate) -> dict:
    return {
        "id": update.id,
        "website_id": update.website_id,
        "item_id": update.item_id,
        "text": update.text,
        "wished_on": update.wished_on,
        "status": update.status,
        "created_at": update.created_at,
        "done_at": update.done_at,
        "proof_url": update.proof_url,
        "proof_note": update.proof_note,
        "files": [file_view(f) for f in update.files],
    }


def add_file(update: SiteUpdate, filename: str, data: bytes, user) -> SiteFile:
    """One more of the client's files on an update still asked for."""
    if update.status != UpdateStatus.requested:
        raise Conflict(_("This update is already done."))
    if len(update.files) >= MAX_FILES:
        raise ValidationError.on("file", _("Send at most %(count)s files.", count=MAX_FILES))
    checked = _files([(filename, data)], PDF_OR_IMAGE | OFFICE_DOCUMENTS, "file")[0]
    found = _file(update.website.client, checked, "request", user)
    update.files.append(found)
    db.session.commit()
    return found
