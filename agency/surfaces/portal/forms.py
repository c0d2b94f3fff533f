"""The portal's forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField
from wtforms.validators import InputRequired

from agency.domains.accounts.models import ClientAccess
from agency.kernel import labels


class ExtraHoursForm(FlaskForm):
    cap_hours = StringField(_l("Up to how many extra hours (blank: no cap)"))


def _access_choices():
    return [(access.value, labels.label("client_access", access)) for access in ClientAccess]


class ColleagueForm(FlaskForm):
    """A colleague of the client invited to the portal."""

    name = StringField(_l("Name"), validators=[InputRequired()])
    email = EmailField(_l("Email"), validators=[InputRequired()])
    client_access = SelectField(
        _l("Access"), choices=_access_choices, default=ClientAccess.full.value
    )


class AccessForm(FlaskForm):
    client_access = SelectField(_l("Access"), choices=_access_choices)
