"""Web forms: CSRF and field rendering; the rules live in accounts.services."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from agency.kernel.i18n import LANGUAGE_NAMES, LANGUAGES


def _language_choices():
    return [SelectChoice(code, LANGUAGE_NAMES[code]) for code in LANGUAGES]


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[InputRequired()])
    password = PasswordField(_l("Password"), validators=[InputRequired()])
    agency = StringField(_l("Agency address (only if asked)"))


class SecondFactorForm(FlaskForm):
    code = StringField(
        _l("Six-digit code from your authenticator app"), validators=[InputRequired()]
    )


class AgencySignupForm(FlaskForm):
    name = StringField(_l("Agency name"), validators=[InputRequired()])
    slug = StringField(_l("Agency address"), validators=[InputRequired()])
    timezone = StringField(_l("Time zone"), default="Europe/Lisbon", validators=[InputRequired()])
    locale = SelectField(_l("Language"), choices=_language_choices, default="en")
    currency = StringField(_l("Currency"), default="EUR", validators=[InputRequired()])
    owner_name = StringField(_l("Your name"), validators=[InputRequired()])
    owner_email = EmailField(_l("Your email"), validators=[InputRequired()])
    owner_password = PasswordField(_l("Password"), validators=[InputRequired()])


class AcceptInvitationForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[InputRequired()])
    password = PasswordField(_l("Choose a password"), validators=[InputRequired()])


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[InputRequired()])


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[InputRequired()])


class LanguageForm(FlaskForm):
    locale = SelectField(
        _l("Language"),
        choices=lambda: [SelectChoice("", _l("As my browser"))] + _language_choices(),
    )


class TokenForm(FlaskForm):
    name = StringField(_l("Token name"), validators=[InputRequired()])


class TotpConfirmForm(FlaskForm):
    code = StringField(_l("Code"), validators=[InputRequired()])
