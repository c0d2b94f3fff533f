from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField
from wtforms.validators import InputRequired


class InviteForm(FlaskForm):
    name = StringField(_l("Name"), validators=[InputRequired()])
    email = EmailField(_l("Email"), validators=[InputRequired()])
    role = SelectField(_l("Role"))
    client_id = SelectField(_l("Client (for client logins)"), validate_choice=False)
