from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from agency.domains.accounts import api_tokens, invitations, services, signin
from agency.domains.accounts.models import PlatformAdmin
from agency.kernel.database import db
from agency.kernel.errors import ValidationError
from agency.surfaces.auth.forms import (
    AcceptInvitationForm,
    AgencySignupForm,
    ForgotPasswordForm,
    LanguageForm,
    LoginForm,
    ResetPasswordForm,
    SecondFactorForm,
    TokenForm,
    TotpConfirmForm,
)
from agency.surfaces.web.forms import ConfirmForm, refused, show_errors
from tenants import directory, set_current_agency

bp = Blueprint("auth", __name__)

PENDING_2FA = "pending_second_factor"


def _home():
    return redirect(url_for(current_user.home_endpoint))


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return _home()
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = signin.authenticate(
                form.email.data, form.password.data, request.remote_addr, form.agency.data or None
            )
        except signin.LoginThrottled:
            return render_template("auth/login.html", form=form, throttled=True), 429
        except ValidationError as exc:
            show_errors(form, exc.fields)
            form.form_errors.append(exc.message)
            return render_template("auth/login.html", form=form), 401
        if user.totp_enabled:
            session[PENDING_2FA] = user.get_id()
            return redirect(url_for("auth.second_factor"))
        return _sign_in(user)
    return render_template("auth/login.html", form=form)


def _sign_in(user):
    session.pop(PENDING_2FA, None)
    login_user(user)
    signin.record_login(user)
    return redirect(url_for(user.home_endpoint))


@bp.route("/login/code", methods=["GET", "POST"])
def second_factor():
    pending = session.get(PENDING_2FA)
    user = signin.load_session_user(pending) if pending else None
    if user is None:
        return redirect(url_for("auth.login"))
    form = SecondFactorForm()
    if form.validate_on_submit():
        try:
            signin.complete_second_factor(user, form.code.data, request.remote_addr)
        except signin.LoginThrottled:
            return render_template("auth/second_factor.html", form=form, throttled=True), 429
        except ValidationError as exc:
            show_errors(form, exc.fields)
            return render_template("auth/second_factor.html", form=form), 401
        return _sign_in(user)
    return render_template("auth/second_factor.html", form=form)


@bp.route("/platform/login", methods=["GET", "POST"])
def platform_login():
    form = LoginForm()
    if form.validate_on_submit():
        try:
            admin = signin.authenticate_platform_admin(
                form.email.data, form.password.data, request.remote_addr
            )
        except signin.LoginThrottled:
            return render_template("auth/login.html", form=form, throttled=True, platform=True), 429
        except ValidationError as exc:
            form.form_errors.append(exc.message)
            return render_template("auth/login.html", form=form, platform=True), 401
        login_user(admin)
        return redirect(url_for("platform.home"))
    return render_template("auth/login.html", form=form, platform=True)


@bp.post("/logout")
def logout():
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    form = AgencySignupForm()
    if form.validate_on_submit():
        data = {name: field.data for name, field in form._fields.items() if name != "csrf_token"}
        try:
            _agency, owner = services.signup_agency(data)
        except ValidationError as exc:
            db.session.rollback()
            set_current_agency(None)
            show_errors(form, exc.fields)
            return render_template("auth/signup.html", form=form), exc.status_code
        login_user(owner)
        flash(_("Welcome to Secretariat. Your agency is ready."), "success")
        return redirect(url_for("console.home"))
    return render_template("auth/signup.html", form=form)


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def accept_invitation(token):
    try:
        invitation = invitations.open_invitation(token)
    except ValidationError as exc:
        return render_template("error.html", code=400, message=exc.message), 400
    agency = directory.agency(invitation.agency_id)
    form = AcceptInvitationForm(name=invitation.name)
    if form.validate_on_submit():
        try:
            user = invitations.accept_invitation(
                token, {"name": form.name.data, "password": form.password.data}
            )
        except ValidationError as exc:
            refused(form, exc)
            return render_template(
                "auth/accept.html", form=form, invitation=invitation, agency=agency
            ), exc.status_code
        logout_user()
        login_user(user)
        flash(_("Welcome, %(name)s.", name=user.name), "success")
        return redirect(url_for(user.home_endpoint))
    return render_template("auth/accept.html", form=form, invitation=invitation, agency=agency)


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        invitations.request_password_reset(form.email.data)
        return render_template("auth/forgot_sent.html")
    return render_template("auth/forgot.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token):
    try:
        invitations.user_for_reset(token)
    except ValidationError as exc:
        return render_template("error.html", code=400, message=exc.message), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            invitations.reset_password(token, {"password": form.password.data})
        except ValidationError as exc:
            db.session.rollback()
            show_errors(form, exc.fields)
            return render_template("auth/reset.html", form=form), 422
        flash(_("Your password is changed. Sign in with the new one."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form)


# --- the user's own settings --------------------------------------------------------


def _agency_user():
    if isinstance(current_user._get_current_object(), PlatformAdmin):
        return None
    return current_user


@bp.get("/account")
@login_required
def account():
    user = _agency_user()
    if user is None:
        return redirect(url_for("platform.home"))
    tokens = api_tokens.tokens_of(user)
    return render_template(
        "auth/account.html",
        language_form=LanguageForm(locale=user.locale or ""),
        token_form=TokenForm(),
        totp_form=TotpConfirmForm(),
        confirm_form=ConfirmForm(),
        tokens=tokens,
        new_token=session.pop("new_token", None),
        totp_uri=signin.totp_uri(user) if user.totp_secret and not user.totp_enabled else None,
    )


@bp.post("/account/language")
@login_required
def set_language():
    form = LanguageForm()
    if form.validate_on_submit() and _agency_user():
        services.set_locale(current_user, form.locale.data)
    return redirect(url_for("auth.account"))


@bp.post("/account/tokens")
@login_required
def create_token():
    form = TokenForm()
    if form.validate_on_submit() and _agency_user():
        _token, plain = api_tokens.issue_api_token(current_user, form.name.data)
        session["new_token"] = plain
    return redirect(url_for("auth.account"))


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id):
    if not ConfirmForm().validate_on_submit() or not _agency_user():
        return redirect(url_for("auth.account"))
    api_tokens.revoke_api_token(current_user, token_id)
    flash(_("The token is revoked."), "success")
    return redirect(url_for("auth.account"))


@bp.post("/account/totp")
@login_required
def start_totp():
    if ConfirmForm().validate_on_submit() and _agency_user():
        signin.start_totp(current_user)
    return redirect(url_for("auth.account"))


@bp.post("/account/totp/confirm")
@login_required
def confirm_totp():
    form = TotpConfirmForm()
    if form.validate_on_submit() and _agency_user():
        try:
            signin.confirm_totp(current_user, form.code.data)
            flash(_("Two-factor sign-in is on."), "success")
        except ValidationError as exc:
            flash(exc.message, "error")
    return redirect(url_for("auth.account"))


@bp.post("/account/totp/disable")
@login_required
def disable_totp():
    if ConfirmForm().validate_on_submit() and _agency_user():
        signin.disable_totp(current_user)
        flash(_("Two-factor sign-in is off."), "success")
    return redirect(url_for("auth.account"))
