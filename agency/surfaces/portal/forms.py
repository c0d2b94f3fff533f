"""The portal's forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField


class ExtraHoursForm(FlaskForm):
    cap_hours = StringField(_l("Up to how many extra hours (blank: no cap)"))
