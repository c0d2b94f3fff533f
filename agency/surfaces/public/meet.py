"""The page a meeting invitation's link opens: no sign-in, the link is the key. The
participant sees the times offered on the client's clock and picks one, or says none
fits; once another participant's pick has arranged the meeting, says whether they can
come. The buttons post with CSRF."""

from datetime import datetime

from flask import current_app, render_template, request
from flask_babel import gettext as _

from agency.domains.calendar import invitations, meetings
from agency.extensions import limiter
from agency.kernel.database import db
from agency.kernel.errors import ValidationError
from agency.surfaces.public.blueprint import bp
from agency.surfaces.web.forms import ConfirmForm
from tenants import use_agency


@bp.route("/meet/<token>", methods=["GET", "POST"], endpoint="meet_pick")
@limiter.limit(lambda: current_app.config["MEETING_PICK_RATE_LIMIT"], methods=["POST"])
def pick(token):
    form = ConfirmForm()
    try:
        agency_id, invitee_id = invitations.agency_of_token(token)
        with use_agency(agency_id):
            invitee = invitations.invitee_or_404(invitee_id)
            notice, status = None, 200
            if request.method == "POST":
                if not form.validate_on_submit():
                    raise ValidationError(_("The form has expired: open the link again."))
                try:
                    if request.form.get("coming") in ("yes", "no"):
                        meetings.answer_arranged(invitee, request.form["coming"] == "yes")
                    elif request.form.get("none"):
                        meetings.none_fit(invitee)
                    else:
                        meetings.pick(invitee, _start(request.form.get("start", "")))
                except ValidationError as exc:
                    if exc.status_code != 409:
                        raise
                    db.session.rollback()
                    notice, status = exc.message, 409
                invitee = invitations.invitee_or_404(invitee_id)
            shown = _shown(invitee)
    except ValidationError as exc:
        db.session.rollback()
        return render_template("error.html", code=400, message=exc.message), 400
    return render_template(
        "public/meet.html", token=token, form=form, notice=notice, **shown
    ), status


def _start(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValidationError(_("Choose one of the times offered.")) from exc


def _shown(invitee) -> dict:
    request_ = db.session.get(meetings.MeetingRequest, invitee.request_id)
    client = request_.client
    return {
        "invitee": invitee,
        "meeting": request_,
        "client": client,
        "office": meetings.office_name(client),
        "times": invitations.offered_times(request_),
        "arranged": request_.event,
    }
