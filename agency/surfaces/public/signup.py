"""The agency's public client signup page (plans, details, login, terms and a card), the
step that makes the card's SetupIntent when the form is sent, and the agency's terms."""

from flask import abort, current_app, flash, g, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from agency.domains.billing import signup, stripe_account
from agency.extensions import limiter
from agency.kernel.errors import ValidationError
from agency.surfaces.public.blueprint import bp
from agency.surfaces.web.errors import json_error
from agency.surfaces.web.forms import refused


class ClientSignupForm(FlaskForm):
    plan_id = RadioField(_l("Plan"), validate_choice=False, validators=[InputRequired()])
    business_name = StringField(_l("Business name"), validators=[InputRequired()])
    name = StringField(_l("Your name"), validators=[InputRequired()])
    email = EmailField(_l("Email"), validators=[InputRequired()])
    phone = StringField(_l("Phone (optional)"))
    languages = StringField(_l("Languages your callers speak (e.g. en, pt)"))
    password = PasswordField(_l("Password"), validators=[InputRequired()])
    accept_terms = BooleanField(_l("I accept the terms of service"))
    terms_version = HiddenField()
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
        "terms_version": _whole(form.terms_version.data),
        "setup_intent": form.setup_intent.data or "",
    }


def _whole(text):
    text = (text or "").strip()
    return int(text) if text.isdigit() else None


def _page(form, status: int = 200):
    plans = signup.open_plans()
    form.plan_id.choices = [SelectChoice(str(p.id), p.name) for p in plans]
    terms = signup.terms()
    if terms is not None and not form.terms_version.data:
        form.terms_version.data = str(terms.terms_version)
    settings = stripe_account.account()
    reasons = signup.closed_because()
    return (
        render_template(
            "public/signup.html",
            agency=g.agency,
            form=form,
            plans=plans,
            opened=not reasons,
            # Why it is closed, said to the agency's own managers only.
            reasons=reasons if _manages(g.agency) else [],
            card=signup.needs_card(),
            terms=terms,
            publishable_key=settings.stripe_publishable_key if settings else None,
            stripe_js=stripe_account.stripe_js_url(),
        ),
        status,
    )


def _manages(agency) -> bool:
    return bool(
        current_user.is_authenticated
        and getattr(current_user, "agency_id", None) == agency.id
        and getattr(current_user, "is_manager", False)
    )


@bp.post("/a/<agency_slug>/signup/card")
@limiter.limit(lambda: current_app.config["SIGNUP_CARD_RATE_LIMIT"])
def client_signup_card(agency_slug):
    """The step before the card goes to Stripe: the client secret of the session's
    SetupIntent (CSRF-protected like the form; made here, not when the page is shown)."""
    try:
        return jsonify(signup.start_card_setup())
    except ValidationError as exc:
        return json_error(exc.status_code, exc.code, exc.message, exc.fields)


@bp.get("/a/<agency_slug>/terms")
def client_terms(agency_slug):
    """The terms a new client accepts, with their version and date."""
    terms = signup.terms()
    if terms is None:
        abort(404)
    return render_template("public/terms.html", agency=g.agency, terms=terms)


@bp.route("/a/<agency_slug>/signup", methods=["GET", "POST"])
def client_signup(agency_slug):
    form = ClientSignupForm()
    if not form.validate_on_submit():
        return _page(form, 422 if form.is_submitted() else 200)
    try:
        user = signup.signup_client(_data(form))
    except ValidationError as exc:
        refused(form, exc)
        return _page(form, exc.status_code)
    login_user(user)
    if signup.needs_card():
        flash(_("Welcome! Your plan has started."), "success")
    else:
        flash(
            _(
                "Welcome! Your plan has started. No card was needed: %(agency)s sends your "
                "invoices by email.",
                agency=g.agency.name,
            ),
            "success",
        )
    return redirect(url_for("portal.onboarding"))
