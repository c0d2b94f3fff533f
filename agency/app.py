"""The application factory."""

from pathlib import Path

import fakeredis
from flask import Flask, g, has_request_context, request
from flask.globals import request_ctx
from flask.sessions import SecureCookieSessionInterface
from flask_babel import format_date, format_datetime, format_decimal, get_locale
from flask_login import current_user
from redis import Redis
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from agency import config as settings
from agency.cli import register
from agency.domains.accounts.signin import load_session_user
from agency.domains.calls import line_cache
from agency.domains.travel import reservations, trips
from agency.extensions import babel, csrf, limiter, login_manager, migrate
from agency.kernel import labels, live
from agency.kernel import queue as queues
from agency.kernel.database import db
from agency.kernel.i18n import (
    LANGUAGE_NAMES,
    due,
    duration,
    elapsed,
    format_in_zone,
    language_name,
    last_day,
    money,
    page_language,
    select_locale,
    select_timezone,
    spoken,
    weekday_name,
)
from agency.surfaces.api import register as register_api
from agency.surfaces.auth.views import bp as auth_bp
from agency.surfaces.console.calls import bp as console_calls_bp
from agency.surfaces.console.mail import bp as console_mail_bp
from agency.surfaces.console.views import bp as console_bp
from agency.surfaces.desk.calendar import bp as desk_calendar_bp
from agency.surfaces.desk.calls import bp as desk_calls_bp
from agency.surfaces.desk.campaigns import bp as desk_campaigns_bp
from agency.surfaces.desk.contacts import bp as desk_contacts_bp
from agency.surfaces.desk.mail import bp as desk_mail_bp
from agency.surfaces.desk.paperwork import bp as desk_paperwork_bp
from agency.surfaces.desk.travel import bp as desk_travel_bp
from agency.surfaces.desk.vault import bp as desk_vault_bp
from agency.surfaces.desk.views import bp as desk_bp
from agency.surfaces.desk.websites import bp as desk_websites_bp
from agency.surfaces.hooks.email import bp as hooks_email_bp
from agency.surfaces.hooks.stripe import bp as stripe_hooks_bp
from agency.surfaces.hooks.voice import bp as voice_bp
from agency.surfaces.ops import logs, metrics
from agency.surfaces.ops.views import bp as ops_bp
from agency.surfaces.platform.views import bp as platform_bp
from agency.surfaces.portal.calls import bp as portal_calls_bp
from agency.surfaces.portal.mail import bp as portal_mail_bp
from agency.surfaces.portal.views import bp as portal_bp
from agency.surfaces.public.feeds import bp as feeds_bp
from agency.surfaces.public.join import join as signup_form_view
from agency.surfaces.public.unsubscribe import unsubscribe as unsubscribe_view
from agency.surfaces.public.views import bp as public_bp
from agency.surfaces.web import security
from agency.surfaces.web.errors import register as register_errors
from agency.surfaces.web.suspension import register as register_suspension
from tenants import rls, scoping, set_current_agency


class RowId(IntegerConverter):
    """<int:...> in URLs stops at the database's integer range, so a huge id is a 404."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


class _TryAgain(Exception):
    """The request met a connection the database had dropped before it wrote anything."""


RETRIED = "secretariat.retried"
COMMITTED = "secretariat.committed"


class App(Flask):
    """Flask, with no ping before a request's first statement: a connection the database
    dropped (a restart, an idle timeout) fails that statement, and the request runs once
    more on a new connection, unless it had already committed something."""

    def full_dispatch_request(self):
        try:
            return super().full_dispatch_request()
        except _TryAgain:
            db.session.remove()
            return super().full_dispatch_request()

    def handle_user_exception(self, e):
        dropped = isinstance(e, DBAPIError) and e.connection_invalidated
        if dropped and not request.environ.get(COMMITTED) and not request.environ.get(RETRIED):
            request.environ[RETRIED] = True
            self.logger.warning("the database dropped a connection; the request runs again")
            raise _TryAgain() from e
        return super().handle_user_exception(e)


def _ends_with_the_request() -> bool:
    """Whether the request pushed its own app context (as every served request does; a
    test that holds an app context across requests keeps its session between them)."""
    tokens = getattr(request_ctx._get_current_object(), "_cv_tokens", None)
    return bool(tokens) and tokens[-1][1] is not None


def _note_commit(_session) -> None:
    if has_request_context():
        request.environ[COMMITTED] = True


MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
# Requests from providers (telephony, mail, Stripe), proven by their signatures: no
# cookie session, no signed-in person.
PROVIDER_HOOKS = "/hooks/"


class SessionInterface(SecureCookieSessionInterface):
    """The signed-cookie session, left out for provider hooks (nobody's browser)."""

    def open_session(self, app, request):
        if request.path.startswith(PROVIDER_HOOKS):
            return self.null_session_class()
        return super().open_session(app, request)


def create_app(overrides: dict | None = None) -> Flask:
    app = App(__name__, instance_path=str(settings.INSTANCE_DIR), instance_relative_config=False)
    app.config.update(settings.from_environment())
    if overrides:
        app.config.update(overrides)
    app.url_map.converters["int"] = RowId
    app.session_interface = SessionInterface()
    if app.config["PROXY_FIX_HOPS"]:
        hops = app.config["PROXY_FIX_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    settings.INSTANCE_DIR.mkdir(parents=True, exist_ok=True)

    _init_database(app)
    _init_queue(app)
    _init_web(app)
    _register_surfaces(app)
    _register_cli(app)

    logs.init_app(app)
    metrics.init_app(app)
    return app


def _init_database(app: Flask) -> None:
    if app.config["DATABASE_TRANSACTION_POOLER"]:
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options["connect_args"] = {**options.get("connect_args", {}), "prepare_threshold": None}
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR))
    session_class = db.session.session_factory.class_
    scoping.install(session_class)
    rls.install(session_class)
    queues.install(session_class)
    live.install(session_class)
    line_cache.install(session_class)
    if not event.contains(session_class, "after_commit", _note_commit):
        event.listen(session_class, "after_commit", _note_commit)


def _init_queue(app: Flask) -> None:
    if app.config["REDIS_URL"]:
        app.extensions["redis"] = Redis.from_url(app.config["REDIS_URL"])
    else:
        app.extensions["redis"] = fakeredis.FakeStrictRedis(server=fakeredis.FakeServer())


def _init_web(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_session_user)

    csrf.init_app(app)
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"] or "memory://")
    limiter.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)

    @app.before_request
    def _start_request():
        """Resolve the user, and with it the tenant, afresh for every request.

        ``g`` outlives a request when an app context was already pushed (as in tests),
        so request-scoped caches (the user, the CSRF token, the locale) are cleared.
        """
        set_current_agency(None)
        g.__dict__.clear()
        g.agency = None
        if request.path.startswith(PROVIDER_HOOKS):
            return  # signed by the provider: nobody signs in, each hook finds its agency
        if getattr(app.view_functions.get(request.endpoint), "signs_in_lazily", False):
            return  # the view signs in when it needs to (and the tenant with it)
        user = current_user._get_current_object()
        set_current_agency(getattr(user, "agency_id", None))

    @app.teardown_request
    def _end_request(exc):
        if exc is not None or (_ends_with_the_request() and db.session().in_transaction()):
            # The session ends with the request's app context anyway: ending its
            # transaction a moment earlier spares a statement that would only clear
            # the tenant of a transaction nobody uses again.
            db.session.rollback()
        set_current_agency(None)

    app.jinja_env.globals.update(
        money=money,
        format_in_zone=format_in_zone,
        format_date=format_date,
        format_datetime=format_datetime,
        format_decimal=format_decimal,
        get_locale=get_locale,
        page_language=page_language,
        label=labels.label,
        labels_of=labels.labels,
        duration=duration,
        due=due,
        elapsed=elapsed,
        last_day=last_day,
        language_name=language_name,
        weekday_name=weekday_name,
        spoken=spoken,
        segment_title=trips.segment_title,
        trip_span=trips.span,
        proposal_summary=reservations.summary,
    )

    @app.context_processor
    def _inject():
        agency = getattr(current_user, "agency", None) if current_user else None
        return {"current_agency": agency, "language_names": LANGUAGE_NAMES}


def _register_surfaces(app: Flask) -> None:
    for blueprint in (auth_bp, console_bp, desk_bp, portal_bp, platform_bp, ops_bp, public_bp):
        app.register_blueprint(blueprint)
    for blueprint in (
        voice_bp, console_calls_bp, desk_calls_bp, portal_calls_bp, desk_calendar_bp,
        desk_travel_bp, desk_paperwork_bp, desk_contacts_bp, desk_vault_bp, desk_websites_bp,
        desk_campaigns_bp,
    ):  # fmt: skip
        app.register_blueprint(blueprint)
    for blueprint in (console_mail_bp, desk_mail_bp, portal_mail_bp, hooks_email_bp):
        app.register_blueprint(blueprint)
    csrf.exempt(hooks_email_bp)
    # A mail program's one-click unsubscribe has no token; the signed link is the key.
    csrf.exempt(unsubscribe_view)
    # The signup form embedded in a client's own website posts from there.
    csrf.exempt(signup_form_view)
    app.register_blueprint(stripe_hooks_bp)
    app.register_blueprint(feeds_bp)
    csrf.exempt(stripe_hooks_bp)
    register_api(app)
    register_errors(app)
    register_suspension(app)
    csrf.exempt(ops_bp)

    app.after_request(security.add_headers)


def _register_cli(app: Flask) -> None:
    register(app)
