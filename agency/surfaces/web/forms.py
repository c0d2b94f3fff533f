"""What every surface's forms share: the button-only confirm form, and a service's field
errors shown beside the form's fields."""

from datetime import datetime

from flask_babel import gettext as _
from flask_wtf import FlaskForm

from agency.kernel.database import db
from agency.kernel.errors import ValidationError

# How a person types a moment on a wall clock.
LOCAL_FORMAT = "%Y-%m-%d %H:%M"


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


def refused(form: FlaskForm, exc) -> None:
    """A service refused what the form sent: nothing it wrote is kept, and its reasons
    go beside the fields they name, or above the form when they name none."""
    db.session.rollback()
    show_errors(form, exc.fields)
    if not exc.fields:
        form.form_errors.append(exc.message)


def wall_clock(text: str | None, field: str) -> str | None:
    """A time typed on the client's wall clock, as ISO 8601 without an offset: the
    service reads it in the client's zone."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        return datetime.strptime(text, LOCAL_FORMAT).isoformat()
    except ValueError as exc:
        raise ValidationError.on(field, _("Write the time as YYYY-MM-DD HH:MM.")) from exc


def refusal_text(exc) -> str:
    """A service's refusal in one line: its field messages, else its message."""
    return " ".join(m for v in exc.fields.values() for m in v) or exc.message
