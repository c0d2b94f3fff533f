from zoneinfo import ZoneInfo

from flask import Response, flash, redirect, render_template, url_for
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from wtforms.fields.choices import SelectChoice

from agency.domains.accounts import invitations
from agency.domains.accounts import services as accounts
from agency.domains.accounts.models import INVITABLE_ROLES, Invitation, User
from agency.domains.clients.models import Client
from agency.domains.contracts.models import Contract
from agency.domains.reports import services as reports
from agency.domains.reports.export import section_csv
from agency.domains.staff import services as staff
from agency.domains.staff.models import Secretary
from agency.kernel import clock
from agency.kernel.database import db
from agency.kernel.errors import ValidationError
from agency.surfaces.console.blueprint import bp
from agency.surfaces.console.forms import InviteForm
from agency.surfaces.web.access import managers_only
from agency.surfaces.web.forms import ConfirmForm, refused
from tenants.lifecycle import export_download


@bp.get("/")
@managers_only
def home():
    """The dashboard: open and late work, utilisation, client hours, and the record."""
    secretaries = db.session.scalars(
        select(Secretary).where(Secretary.archived_at.is_(None)).order_by(Secretary.name)
    ).all()
    active_contracts = db.session.scalar(
        select(func.count(Contract.id)).where(Contract.status == "active")
    )
    return render_template(
        "console/home.html",
        figures=reports.dashboard(),
        secretaries=secretaries,
        clients=reports.client_table(),
        active_contracts=active_contracts,
        format_timedelta=format_timedelta,
    )


@bp.get("/dashboard/<section>.csv")
@managers_only
def dashboard_csv(section):
    """One section of the dashboard as a CSV file (an unknown section is a 404)."""
    body = section_csv(section)
    today = clock.now().astimezone(ZoneInfo(current_user.agency.timezone)).date()
    filename = f"{section}-{today.isoformat()}.csv"
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _invite_form():
    form = InviteForm()
    clients = db.session.scalars(select(Client).order_by(Client.name)).all()
    form.role.choices = [SelectChoice(r.value, accounts.role_label(r)) for r in INVITABLE_ROLES]
    form.client_id.choices = [SelectChoice("", "—")] + [
        SelectChoice(str(c.id), c.name) for c in clients
    ]
    return form


def _team_page(form, status=200):
    users = db.session.scalars(select(User).order_by(User.name)).all()
    invitations = db.session.scalars(
        select(Invitation)
        .where(Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))
        .order_by(Invitation.created_at.desc())
    ).all()
    return render_template(
        "console/team.html",
        users=users,
        invitations=invitations,
        form=form,
        confirm_form=ConfirmForm(),
        role_label=accounts.role_label,
    ), status


@bp.get("/team")
@managers_only
def team():
    return _team_page(_invite_form())


@bp.post("/team/invitations")
@managers_only
def invite():
    form = _invite_form()
    if not form.validate_on_submit():
        return _team_page(form, 422)
    data = {
        "email": form.email.data,
        "name": form.name.data,
        "role": form.role.data,
        "client_id": form.client_id.data or None,
        "client_access": form.client_access.data,
    }
    try:
        invitation = invitations.invite(current_user, data)
    except ValidationError as exc:
        refused(form, exc)
        return _team_page(form, exc.status_code)
    flash(_("Invitation sent to %(email)s.", email=invitation.email), "success")
    return redirect(url_for("console.team"))


@bp.post("/team/desk")
@managers_only
def work_the_desk():
    """The signed-in owner or manager works the desk too, with this login."""
    if ConfirmForm().validate_on_submit():
        staff.work_the_desk(current_user)
        flash(_("Your desk is ready: calls and work come to you as to any secretary."), "success")
        return redirect(url_for("desk.home"))
    return redirect(url_for("console.team"))


@bp.post("/team/invitations/<int:invitation_id>/withdraw")
@managers_only
def withdraw_invitation(invitation_id):
    if ConfirmForm().validate_on_submit():
        invitations.withdraw_invitation(current_user, invitation_id)
        flash(_("Invitation withdrawn."), "success")
    return redirect(url_for("console.team"))


@bp.get("/export")
@managers_only
def export():
    agency = current_user.agency
    return export_download(agency)
