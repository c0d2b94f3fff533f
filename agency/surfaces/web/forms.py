"""What every surface's forms share: the button-only confirm form, and a service's field
errors shown beside the form's fields."""

from flask_wtf import FlaskForm


class ConfirmForm(FlaskForm):
    """A button-only form: CSRF for a state change."""


def show_errors(form: FlaskForm, fields: dict[str, list[str]]) -> None:
    """Put a service's field errors beside the form's fields."""
    for name, messages in fields.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = list(field.errors) + list(messages)
        else:
            form.form_errors.extend(messages)
