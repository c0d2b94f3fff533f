"""The vault's entry form, the same on the desk and in the portal."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, TextAreaField
from wtforms.validators import InputRequired


class EntryForm(FlaskForm):
    label = StringField(_l("What it logs into"), validators=[InputRequired()])
    url = StringField(_l("Address"))
    username = StringField(_l("User name"))
    secret = PasswordField(_l("Password or key (kept encrypted; not shown again)"))
    notes = TextAreaField(_l("Notes"))
    expires_on = StringField(_l("Expires on"))

    def payload(self) -> dict:
        return {
            "label": self.label.data, "url": (self.url.data or "").strip() or None,
            "username": self.username.data or None, "secret": self.secret.data or None,
            "notes": self.notes.data or None, "expires_on": self.expires_on.data or None,
        }  # fmt: skip
