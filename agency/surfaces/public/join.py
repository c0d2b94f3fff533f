"""A client's signup form for their own website, with double opt-in: the hosted page, the
form's POST (also from the snippet embedded in the client's site, so it needs no CSRF
token; rate-limited, and it only sends the confirmation email), and the confirmation
link, which asks once more before it records the consent."""

from flask import current_app, render_template, request
from flask_babel import gettext as _

from agency.domains.clients.models import Client
from agency.domains.promotions import signup
from agency.extensions import limiter
from agency.kernel.database import db
from agency.kernel.errors import ValidationError
from agency.surfaces.public.blueprint import bp
from agency.surfaces.web.forms import ConfirmForm, refusal_text
from tenants import use_agency


def _refused(exc: ValidationError):
    db.session.rollback()
    return render_template("error.html", code=400, message=exc.message), 400


@bp.route("/join/<token>", methods=["GET", "POST"], endpoint="signup_form")
@limiter.limit(lambda: current_app.config["SIGNUP_RATE_LIMIT"], methods=["POST"])
def join(token):
    try:
        agency_id, client_id = signup.client_of_form(token)
    except ValidationError as exc:
        return _refused(exc)
    with use_agency(agency_id):
        client = db.session.get(Client, client_id)
        if client is None or client.archived_at is not None:
            return _refused(ValidationError(_("This signup form's address is not valid.")))
        shown = {"client": client.name, "wording": signup.wording(client), "token": token}
        if request.method == "GET":
            return render_template("public/join.html", **shown)
        data = {"name": request.form.get("name", ""), "email": request.form.get("email", ""),
                "source": request.referrer or signup.form_url(client)}  # fmt: skip
        try:
            signup.ask(client, data)
        except ValidationError as exc:
            db.session.rollback()
            message = refusal_text(exc)
            return render_template("public/join.html", error=message, **shown), 422
    return render_template("public/join.html", asked=True, **shown)


@bp.route("/join/confirm/<token>", methods=["GET", "POST"], endpoint="signup_confirm")
def confirm(token):
    form = ConfirmForm()
    try:
        found = signup.confirmation_of(token)
        with use_agency(found["agency_id"]):
            client = db.session.get(Client, found["client_id"])
            if client is None:
                raise ValidationError(_("This confirmation link is not valid."))
            done = False
            if request.method == "POST":
                if not form.validate_on_submit():
                    raise ValidationError(_("The form has expired: open the link again."))
                signup.confirm(found)
                done = True
            shown = {"client": client.name, "address": found["email"],
                     "wording": found["wording"], "done": done}  # fmt: skip
    except ValidationError as exc:
        return _refused(exc)
    return render_template("public/join_confirm.html", token=token, form=form, **shown)
