"""The client's websites in the portal: an update asked for (text, pictures and files,
the day it is wished for), each site's history with the proof of what was done, and the
posts waiting for the client's approval."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from agency.domains.clients.models import Client
from agency.domains.websites import publishing, sites, updates
from agency.domains.websites.forms import UpdateRequestForm
from agency.kernel.database import db
from agency.kernel.errors import ValidationError
from agency.surfaces.portal.blueprint import bp
from agency.surfaces.web.access import full_client_access, own_client, roles_required
from agency.surfaces.web.files import attachment_response
from agency.surfaces.web.forms import ConfirmForm, refusal_text, refused


def _page(client: Client, form=None, form_site_id=None, status: int = 200):
    listed = [
        {
            "site": site,
            "schedule": sites.schedule_view(site.rule),
            "history": updates.updates_of(site),
            "published": [p for p in publishing.publications_of(site) if p.remote_url],
            "form": form
            if form is not None and form_site_id == site.id
            else UpdateRequestForm(formdata=None, prefix=f"site{site.id}"),
        }
        for site in sites.sites_of(client)
    ]
    return render_template(
        "portal/sites.html",
        client=client,
        listed=listed,
        waiting=publishing.awaiting_approval(client.id),
        confirm_form=ConfirmForm(),
    ), status


@bp.get("/sites")
@roles_required("client")
@full_client_access
def sites_page():
    return _page(own_client())


@bp.post("/sites/<int:website_id>/updates")
@roles_required("client")
@full_client_access
def ask_for_site_update(website_id):
    client = own_client()
    site = sites.site_of(client, website_id)
    form = UpdateRequestForm(prefix=f"site{site.id}")
    if not form.validate_on_submit():
        return _page(client, form, site.id, 422)
    files = [(f.filename, f.stream.read()) for f in form.files.data or [] if f and f.filename]
    data = {"text": form.text.data or "", "wished_on": (form.wished_on.data or "").strip() or None}
    try:
        updates.request_update(client, site, data, files, current_user, "portal")
    except ValidationError as exc:
        refused(form, exc)
        return _page(client, form, site.id, exc.status_code)
    flash(_("Your secretary has the update; you will see it here when it is done."), "success")
    return redirect(url_for(".sites_page") + f"#site-{site.id}")


@bp.post("/publications/<int:publication_id>/<any(approve, decline):decision>")
@roles_required("client")
@full_client_access
def decide_publication(publication_id, decision):
    client = own_client()
    found = publishing.publication_of(client.id, publication_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for(".sites_page"))
    try:
        if decision == "approve":
            done = publishing.approve(found, current_user)
            if done.remote_url:
                flash(_("Approved and published: %(url)s", url=done.remote_url), "success")
            else:
                flash(_("Approved. The site did not take it yet; your secretary will see why."),
                      "error")  # fmt: skip
        else:
            publishing.decline(found, {"note": request.form.get("note", "")}, current_user)
            flash(_("Sent back to your secretary."), "success")
    except ValidationError as exc:
        db.session.rollback()
        flash(refusal_text(exc), "error")
        return _page(client, status=exc.status_code)
    return redirect(url_for(".sites_page"))


@bp.get("/site-files/<int:site_file_id>")
@roles_required("client")
@full_client_access
def site_file(site_file_id):
    return attachment_response(updates.file_of(own_client(), site_file_id))
