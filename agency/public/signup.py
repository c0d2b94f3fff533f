"""The agency's public client signup page: plans, details, login, terms and a card."""

from flask import flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, RadioField, StringField
from wtforms.validators import InputRequired

from agency.auth.forms import show_errors
from agency.billing import signup, stripe_account
from agency.errors import ValidationError
from agency.extensions import db
from agency.public.views import bp


class ClientSignupForm(FlaskForm):
    plan_id = RadioField(_l("Plan"), validate_choice=False, validators=[InputRequired()])
    business_name = StringField(_l("Business name"), validators=[InputRequired()])
    name = StringField(_l("Your name"), validators=[InputRequired()])
    email = EmailField(_l("Email"), validators=[InputRequired()])
    phone = StringField(_l("Phone (optional)"))
    languages = StringField(_l("Languages your callers speak (e.g. en, pt)"))
    password = PasswordField(_l("Password"), validators=[InputRequired()])
    accept_terms = BooleanField(_l("I accept the terms of service"))
    setup_intent = HiddenField()


def _data(form: ClientSignupForm) -> dict:
    languages = [part.strip() for part in (form.languages.data or "").split(",") if part.strip()]
    plan = (form.plan_id.data or "").strip()
    return {
        "plan_id": int(plan) if plan.isdigit() else plan,
        "business_name": form.business_name.data,
        "name": form.name.data,
        "email": form.email.data,
        "phone": (form.phone.data or "").strip() or None,
        "languages": languages,
        "password": form.password.data,
        "accept_terms": bool(form.accept_terms.data),
        "setup_intent": form.setup_intent.data or "",
    }


def _page(form, status: int = 200):
    plans = signup.open_plans()
    form.plan_id.choices = [(str(p.id), p.name) for p in plans]
    opened = signup.is_open()
    return (
        render_template(
            "public/signup.html",
            agency=g.agency,
            form=form,
            plans=plans,
            opened=opened,
            card=signup.start_card_setup() if opened and plans else None,
            stripe_js=stripe_account.stripe_js_url(),
        ),
        status,
    )


@bp.route("/a/<agency_slug>/signup", methods=["GET", "POST"])
def client_signup(agency_slug):
    form = ClientSignupForm()
    if not form.validate_on_submit():
        return _page(form, 422 if form.is_submitted() else 200)
    try:
        user = signup.signup_client(_data(form))
    except ValidationError as exc:
        db.session.rollback()
        show_errors(form, exc.fields)
        if not exc.fields:
            form.form_errors.append(exc.message)
        return _page(form, exc.status_code)
    login_user(user)
    flash(_("Welcome! Your plan has started."), "success")
    return redirect(url_for("portal.onboarding"))
