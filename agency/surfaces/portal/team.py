"""The client's own people: who signs in to the portal, with full access (billing, the
contract and the instructions included) or limited access (messages, calls, mail and the
calendar). A full user invites colleagues and sets their access."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from agency.domains.accounts import invitations
from agency.kernel.errors import ValidationError
from agency.surfaces.portal.blueprint import bp
from agency.surfaces.portal.forms import AccessForm, ColleagueForm
from agency.surfaces.web.access import full_client_access, roles_required
from agency.surfaces.web.forms import ConfirmForm, refused


def _page(form: ColleagueForm | None = None, status: int = 200):
    people, invited = invitations.client_people(current_user.client_id)
    return render_template(
        "portal/team.html",
        form=form or ColleagueForm(),
        people=people,
        invited=invited,
        access_form=AccessForm(),
        confirm_form=ConfirmForm(),
    ), status


@bp.get("/team")
@roles_required("client")
@full_client_access
def team():
    return _page()


@bp.post("/team/invitations")
@roles_required("client")
@full_client_access
def invite_colleague():
    form = ColleagueForm()
    if not form.validate_on_submit():
        return _page(form, 422)
    data = {"email": form.email.data, "name": form.name.data}
    data["client_access"] = form.client_access.data
    try:
        invitation = invitations.invite(current_user, data)
    except ValidationError as exc:
        refused(form, exc)
        return _page(form, exc.status_code)
    flash(_("Invitation sent to %(email)s.", email=invitation.email), "success")
    return redirect(url_for("portal.team"))


@bp.post("/team/invitations/<int:invitation_id>/withdraw")
@roles_required("client")
@full_client_access
def withdraw_colleague_invitation(invitation_id):
    if not ConfirmForm().validate_on_submit():
        return _page(status=400)
    invitations.withdraw_invitation(current_user, invitation_id)
    flash(_("Invitation withdrawn."), "success")
    return redirect(url_for("portal.team"))


@bp.post("/team/<int:user_id>/access")
@roles_required("client")
@full_client_access
def set_access(user_id):
    invitations.client_person(current_user, user_id)  # another client's: 404
    form = AccessForm()
    if not form.validate_on_submit():
        return _page(status=422)
    person = invitations.set_client_access(
        current_user, user_id, {"client_access": form.client_access.data}
    )
    flash(_("%(name)s now has the access chosen.", name=person.name), "success")
    return redirect(url_for("portal.team"))
