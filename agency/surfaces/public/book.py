"""The client's public booking page: no sign-in. The visitor picks a kind of meeting,
then a free time, gives their name and address, and the meeting is booked; the forms
post with CSRF, and bookings are rate-limited."""

from flask import current_app, render_template, request
from flask_babel import gettext as _

from agency.domains.calendar import booking
from agency.domains.mail.writing import office_name
from agency.extensions import limiter
from agency.kernel import clock
from agency.kernel.database import db
from agency.kernel.errors import ValidationError
from agency.surfaces.public.blueprint import bp
from agency.surfaces.web.forms import ConfirmForm
from tenants import use_agency


@bp.route("/book/<address>", methods=["GET", "POST"], endpoint="book")
@limiter.limit(lambda: current_app.config["BOOKING_RATE_LIMIT"], methods=["POST"])
def book(address):
    form = ConfirmForm()
    agency_id = booking.agency_of(address)
    with use_agency(agency_id):
        page = booking.find(address)
        client = page.client
        chosen = request.values.get("type")
        shown = {"page": page, "client": client, "office": office_name(client), "form": form}
        status, booked, notice, errors = 200, None, None, {}
        if request.method == "POST":
            if not form.validate_on_submit():
                expired = _("The form has expired: open the page again.")
                return render_template("error.html", code=400, message=expired), 400
            try:
                person = {
                    "name": request.form.get("name", ""),
                    "email": request.form.get("email", ""),
                }
                booked = booking.book(page, chosen, request.form.get("start"), person)
            except ValidationError as exc:
                db.session.rollback()
                if exc.status_code == 409:
                    notice, status = exc.message, 409
                elif exc.status_code == 422:
                    errors, status = exc.fields, 422
                else:
                    return render_template("error.html", code=400, message=exc.message), 400
        kind = booking.kind_of(page, chosen) if chosen not in (None, "") else None
        today = clock.now().date()
        return render_template(
            "public/book.html",
            kind=kind,
            chosen=chosen,
            times=booking.times(page, kind) if kind and not booked else [],
            away=booking.away(page, today),
            booked=booked,
            notice=notice,
            errors=errors,
            **shown,
        ), status
