"""What the console's record pages share: render a form, save it through a service."""

from flask import flash, redirect, render_template

from agency.kernel.database import db
from agency.kernel.errors import ValidationError
from agency.surfaces.web.forms import ConfirmForm, show_errors

# Schema fields in minor units or minutes, and the form fields people type them in.
FORM_FIELDS = {
    "included_minutes": "included_hours",
    "hourly_rate_minor": "hourly_rate",
    "overage_rate_minor": "overage_rate",
    "cost_rate_minor": "cost_rate",
}


def render_form(template: str, form, status: int = 200, **context):
    return render_template(template, form=form, confirm_form=ConfirmForm(), **context), status


def form_page(form, template: str, to_data, save, done, **context):
    """Show the form; on a valid post, parse it into the API's shape, save it through the
    service and finish with ``done(record)``; errors go beside their fields."""
    if not form.validate_on_submit():
        return render_form(template, form, 422 if form.is_submitted() else 200, **context)
    try:
        record = save(to_data(form))
    except ValidationError as exc:
        db.session.rollback()
        show_errors(form, {FORM_FIELDS.get(k, k): v for k, v in exc.fields.items()})
        if not exc.fields:
            form.form_errors.append(exc.message)
        return render_form(template, form, exc.status_code, **context)
    return done(record)


def saved(message: str, url: str):
    flash(message, "success")
    return redirect(url)
