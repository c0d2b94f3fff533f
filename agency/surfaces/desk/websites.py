"""A client's websites on the desk: the sites and their logins, checklists and update
schedules; each update the client asked for, done with proof; posts written here and
published to WordPress (after the client's approval where the site asks for it)."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from agency.domains.clients.access import client_for, open_clients
from agency.domains.clients.models import Client
from agency.domains.vault import entries
from agency.domains.websites import publishing, sites, updates
from agency.domains.websites.forms import ProofForm, PublicationForm, ScheduleForm, SiteForm
from agency.domains.websites.models import Platform
from agency.domains.work.models import WorkItem
from agency.kernel.database import db
from agency.kernel.errors import ValidationError
from agency.kernel.uploads import IMAGES
from agency.surfaces.web.access import roles_required
from agency.surfaces.web.files import attachment_response
from agency.surfaces.web.forms import ConfirmForm, refusal_text, refused

bp = Blueprint("desk_websites", __name__, url_prefix="/desk/sites")
PEOPLE = ("secretary", "owner", "manager")


def _upload(name: str) -> tuple[str, bytes] | None:
    upload = request.files.get(name)
    return (upload.filename, upload.stream.read()) if upload and upload.filename else None


@bp.get("/")
@roles_required(*PEOPLE)
def home():
    clients = open_clients(current_user)
    return render_template("desk/sites_clients.html", clients=clients)


def _sites_page(client: Client, form=None, status: int = 200):
    return render_template(
        "desk/sites.html",
        client=client,
        sites=[(s, sites.schedule_view(s.rule)) for s in sites.sites_of(client)],
        form=form or SiteForm(formdata=None, entries=entries.entries_of(client)),
    ), status


@bp.get("/<int:client_id>")
@roles_required(*PEOPLE)
def client(client_id):
    return _sites_page(client_for(current_user, client_id))


@bp.post("/<int:client_id>")
@roles_required(*PEOPLE)
def add_site(client_id):
    found = client_for(current_user, client_id)
    form = SiteForm(entries=entries.entries_of(found))
    if not form.validate_on_submit():
        return _sites_page(found, form, 422)
    try:
        site = sites.create(found, form.payload())
    except ValidationError as exc:
        refused(form, exc)
        return _sites_page(found, form, exc.status_code)
    flash(_("The site is added."), "success")
    return redirect(url_for(".site", client_id=found.id, website_id=site.id))


def _site_page(client, site, status=200, **forms):
    site_form = forms.get("site_form")
    if site_form is None:
        site_form = SiteForm(formdata=None, entries=entries.entries_of(client))
        site_form.fill(site)
    schedule_form = forms.get("schedule_form")
    if schedule_form is None:
        schedule_form = ScheduleForm(formdata=None)
        schedule_form.fill(sites.schedule_view(site.rule))
    return render_template(
        "desk/site.html",
        client=client,
        site=site,
        schedule=sites.schedule_view(site.rule),
        site_form=site_form,
        schedule_form=schedule_form,
        publication_form=forms.get("publication_form") or _prefilled(site),
        history=updates.updates_of(site),
        publications=publishing.publications_of(site),
        confirm_form=ConfirmForm(),
        wordpress=site.platform == Platform.wordpress,
    ), status


def _prefilled(site):
    """The post form, with the text of the work item it is opened for (a campaign's)."""
    form = PublicationForm(formdata=None, images=_images(site))
    item_id = request.args.get("item", type=int)
    item = db.session.get(WorkItem, item_id) if item_id else None
    if item is not None and item.client_id == site.client_id:
        form.title.data = (item.links or {}).get("post_title") or ""
        form.body.data = item.body or ""
    return form


def _images(site, update=None):
    chosen = [update] if update is not None else updates.updates_of(site)
    return [f for u in chosen for f in u.files if f.content_type in IMAGES]


@bp.get("/<int:client_id>/<int:website_id>")
@roles_required(*PEOPLE)
def site(client_id, website_id):
    found = client_for(current_user, client_id)
    return _site_page(found, sites.site_of(found, website_id))


@bp.post("/<int:client_id>/<int:website_id>")
@roles_required(*PEOPLE)
def edit_site(client_id, website_id):
    found = client_for(current_user, client_id)
    site = sites.site_of(found, website_id)
    form = SiteForm(entries=entries.entries_of(found))
    if not form.validate_on_submit():
        return _site_page(found, site, 422, site_form=form)
    try:
        sites.update(site, form.payload())
    except ValidationError as exc:
        refused(form, exc)
        return _site_page(found, sites.site_of(found, website_id), exc.status_code, site_form=form)
    flash(_("The site is saved."), "success")
    return redirect(url_for(".site", client_id=found.id, website_id=site.id))


@bp.post("/<int:client_id>/<int:website_id>/schedule")
@roles_required(*PEOPLE)
def schedule(client_id, website_id):
    found = client_for(current_user, client_id)
    site = sites.site_of(found, website_id)
    form = ScheduleForm()
    if not form.validate_on_submit():
        return _site_page(found, site, 422, schedule_form=form)
    try:
        sites.set_schedule(site, form.payload(), current_user.id)
    except ValidationError as exc:
        refused(form, exc)
        site = sites.site_of(found, website_id)
        return _site_page(found, site, exc.status_code, schedule_form=form)
    flash(_("The update schedule is saved."), "success")
    return redirect(url_for(".site", client_id=found.id, website_id=site.id))


@bp.post("/<int:client_id>/<int:website_id>/remove")
@roles_required(*PEOPLE)
def remove_site(client_id, website_id):
    found = client_for(current_user, client_id)
    site = sites.site_of(found, website_id)
    if ConfirmForm().validate_on_submit():
        sites.remove(site)
        flash(_("The site and its schedule are removed."), "success")
    return redirect(url_for(".client", client_id=found.id))


def _update_page(client, update, status=200, proof_form=None, publication_form=None):
    site = update.website
    if publication_form is None:
        publication_form = PublicationForm(formdata=None, images=_images(site, update))
        publication_form.body.data = update.text
    return render_template(
        "desk/site_update.html",
        client=client,
        site=site,
        update=update,
        proof_form=proof_form or ProofForm(formdata=None),
        publication_form=publication_form,
        publications=[p for p in publishing.publications_of(site) if p.update_id == update.id],
        confirm_form=ConfirmForm(),
        wordpress=site.platform == Platform.wordpress,
    ), status


@bp.get("/<int:client_id>/updates/<int:site_update_id>")
@roles_required(*PEOPLE)
def update(client_id, site_update_id):
    found = client_for(current_user, client_id)
    return _update_page(found, updates.update_of(found, site_update_id))


@bp.post("/<int:client_id>/updates/<int:site_update_id>/done")
@roles_required(*PEOPLE)
def mark_done(client_id, site_update_id):
    found = client_for(current_user, client_id)
    chosen = updates.update_of(found, site_update_id)
    form = ProofForm()
    if not form.validate_on_submit():
        return _update_page(found, chosen, 422, proof_form=form)
    data = {"url": (form.url.data or "").strip(), "note": form.note.data or None}
    try:
        updates.mark_done(chosen, data, _upload("screenshot"), current_user)
    except ValidationError as exc:
        refused(form, exc)
        return _update_page(found, updates.update_of(found, site_update_id), exc.status_code,
                            proof_form=form)  # fmt: skip
    flash(_("The update is done; the client sees the proof."), "success")
    return redirect(url_for(".update", client_id=found.id, site_update_id=chosen.id))


@bp.post("/<int:client_id>/<int:website_id>/publications")
@roles_required(*PEOPLE)
def publish_new(client_id, website_id):
    """Write the post and publish it (or send it for approval) at once."""
    found = client_for(current_user, client_id)
    site = sites.site_of(found, website_id)
    update_id = request.args.get("update", type=int)
    chosen = updates.update_of(found, update_id) if update_id else None
    item_id = request.args.get("item", type=int)
    form = PublicationForm(images=_images(site, chosen))
    back = _publication_back(found, site, chosen, form)
    if not form.validate_on_submit():
        return back(422)
    try:
        made = publishing.create(
            site, form.payload(chosen.id if chosen else None, item_id), _upload("image"),
            current_user,
        )  # fmt: skip
    except ValidationError as exc:
        refused(form, exc)
        return back(exc.status_code)
    return _submit(found, made)


def _publication_back(client, site, chosen, form):
    def back(status):
        if chosen is not None:
            return _update_page(client, chosen, status, publication_form=form)
        return _site_page(client, site, status, publication_form=form)

    return back


def _submit(client, publication):
    site_id, update_id = publication.website_id, publication.update_id
    try:
        done = publishing.submit(publication, current_user)
    except ValidationError as exc:
        db.session.rollback()
        flash(refusal_text(exc), "error")
    else:
        if done.state == "published":
            flash(_("Published: %(url)s", url=done.remote_url), "success")
        else:
            flash(_("Sent to the client for approval."), "success")
    if update_id:
        return redirect(url_for(".update", client_id=client.id, site_update_id=update_id))
    return redirect(url_for(".site", client_id=client.id, website_id=site_id))


@bp.post("/<int:client_id>/publications/<int:publication_id>/publish")
@roles_required(*PEOPLE)
def publish_again(client_id, publication_id):
    found = client_for(current_user, client_id)
    publication = publishing.publication_of(found.id, publication_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for(".site", client_id=found.id, website_id=publication.website_id))
    return _submit(found, publication)


@bp.get("/<int:client_id>/files/<int:site_file_id>")
@roles_required(*PEOPLE)
def file(client_id, site_file_id):
    found = client_for(current_user, client_id)
    return attachment_response(updates.file_of(found, site_file_id))
