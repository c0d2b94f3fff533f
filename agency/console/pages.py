"""What the console's record pages share: render a form, save it through a service."""

from flask import render_template

from agency.auth.forms import ConfirmForm, show_errors
from agency.errors import ValidationError
from agency.extensions import db

# Schema fields in minor units or minutes, and the form fields people type them in.
FORM_FIELDS = {
    "included_minutes": "included_hours",
    "hourly_rate_minor": "hourly_rate",
    "overage_rate_minor": "overage_rate",
    "cost_rate_minor": "cost_rate",
}


def render_form(template: str, form, status: int = 200, **context):
    return render_template(template, form=form, confirm_form=ConfirmForm(), **context), status


def save_form(form, to_data, save, template: str, **context):
    """Parse the form into the API's shape, call the service, show errors beside fields."""
    try:
        return save(to_data(form))
    except ValidationError as exc:
        db.session.rollback()
        show_errors(form, {FORM_FIELDS.get(k, k): v for k, v in exc.fields.items()})
        if not exc.fields:
            form.form_errors.append(exc.message)
        return render_form(template, form, exc.status_code, **context)
