"""Fixtures: the app on a real database and Redis, an SMTP server, two agencies."""

import copy
import os
import re
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit, urlunsplit

import pytest
from flask_migrate import upgrade
from sqlalchemy import select

from agency import demo as demo_data
from agency.app import create_app
from agency.domains.accounts.models import Role, User
from agency.domains.accounts.passwords import hash_password
from agency.domains.clients.models import Assignment, Client
from agency.domains.contracts.models import Contract
from agency.domains.staff.models import Secretary
from agency.kernel import clock, live
from agency.kernel.database import db
from tenants import directory, lifecycle, set_current_agency, use_agency
from tests import database, mailbox, servers
from tests.pgbouncer import PgBouncer, users_of

PASSWORD = "correct-horse-battery"


def _redis_url() -> str:
    """The configured Redis, on a database number of this test process's own."""
    base = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/14")
    parts = urlsplit(base)
    number = int(parts.path.strip("/") or 0) + servers.worker_index()
    return urlunsplit(parts._replace(path=f"/{number}"))


REDIS_URL = _redis_url()


def pytest_runtest_setup(item):
    """A PostgreSQL test on another database fails, and says so (a test deselected with
    ``-m "not postgres"`` never gets here)."""
    if "postgres" in item.keywords and not database.is_postgres(database.configured_urls()[0]):
        pytest.fail("needs PostgreSQL: run `make test`, or set TEST_DATABASE_URL")


_SKIPPED: list[str] = []


def pytest_runtest_logreport(report):
    if report.skipped and not hasattr(report, "wasxfail"):
        _SKIPPED.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    """A skipped test fails the run: every test here runs against its real servers."""
    if _SKIPPED and exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter):
    if _SKIPPED:
        terminalreporter.write_line(
            f"{len(_SKIPPED)} test(s) skipped, which fails the run: {', '.join(_SKIPPED[:5])}",
            red=True,
        )


@pytest.fixture(scope="session")
def redis_url():
    servers.require("Redis", REDIS_URL, 6379)
    return REDIS_URL


@pytest.fixture(scope="session")
def run_folder(tmp_path_factory) -> Path:
    """A folder shared by every process of this run (the parallel workers' common root)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if servers.worker_name() != "main" else base


def _migrate(app_url: str, owner_url: str) -> None:
    app = create_app(_config(app_url, owner_url, REDIS_URL))
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def database_urls(run_folder):
    """(app URL, owner URL) of this process's own database, migrated, for the session."""
    app_url, owner_url = database.configured_urls()
    if database.is_postgres(app_url):
        servers.require("PostgreSQL", owner_url, 5432)
    urls = database.prepare(servers.worker_name(), run_folder, _migrate)
    yield urls
    database.drop(urls[1])


@pytest.fixture(scope="session")
def smtp_server():
    controller, box = mailbox.start()
    yield controller, box
    controller.stop()


def _config(app_url, owner_url, redis_url, smtp_url=""):
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": app_url,
        "DATABASE_MIGRATE_URL": owner_url,
        "REDIS_URL": redis_url,
        "SMTP_URL": smtp_url,
        "SECRET_KEY": "test-secret-key",
        "PUBLIC_URL": "http://localhost",
        "SERVER_NAME": None,
        "RATELIMIT_STORAGE_URI": redis_url,
    }


@pytest.fixture(scope="session")
def application(database_urls, redis_url, smtp_server):
    """The one application of this test process (building one costs half a second)."""
    app_url, owner_url = database_urls
    controller, _box = smtp_server
    config = _config(app_url, owner_url, redis_url, f"smtp://127.0.0.1:{controller.port}")
    bouncer = None
    if os.environ.get("TEST_THROUGH_PGBOUNCER"):  # the app's role through PgBouncer
        bouncer = PgBouncer(owner_url, users_of(app_url, owner_url), pool_size=2)
        config.update(SQLALCHEMY_DATABASE_URI=bouncer.url(app_url),
                      DATABASE_TRANSACTION_POOLER=True)  # fmt: skip
    app = create_app(config)
    app.extensions["redis"].flushdb()
    emptier = database.Emptier(owner_url)
    app.extensions["test_emptier"] = emptier
    yield app
    with app.app_context():
        db.engine.dispose()
    emptier.dispose()
    if bouncer is not None:
        bouncer.stop()


@pytest.fixture
def app(application):
    """The application in a context of its own, with its settings as they were at the start
    and, at the end, its database and Redis empty again."""
    settings = copy.deepcopy(dict(application.config))
    with application.app_context():
        yield application
        set_current_agency(None)
        clock.freeze(None)
        db.session.remove()
        lines = application.extensions.pop("voice_lines", None)
        if lines is not None:
            lines.stop()
        live.stop(application)
    application.config.clear()
    application.config.update(settings)
    application.extensions["test_emptier"].empty()
    application.extensions["redis"].flushdb()


@pytest.fixture(scope="session")
def stripe_process():
    from tests import stripe_server as fake_stripe

    process, base_url = fake_stripe.start()
    yield base_url
    process.terminate()
    process.wait(10)


@pytest.fixture
def stripe_server(stripe_process):
    """localstripe on loopback; its base URL goes in the app's STRIPE_API_BASE. Each test's
    database starts its ids again, so the idempotency keys seen before are forgotten."""
    from tests import stripe_server as fake_stripe

    fake_stripe.forget_idempotency_keys(stripe_process)
    return stripe_process


@pytest.fixture
def stripe_alpha(app, agency, stripe_server):
    """Alpha's own Stripe account (localstripe), 23 % tax, its webhook secret; a client
    of that account to look at what Stripe holds."""
    import stripe

    from agency.domains.billing.models import BillingAccount
    from tests.billing_seed import ALPHA_STRIPE_KEY, WEBHOOK_SECRET

    app.config["STRIPE_API_BASE"] = stripe_server
    with use_agency(agency.agency.id):
        db.session.add(
            BillingAccount(
                stripe_secret_key=ALPHA_STRIPE_KEY,
                stripe_webhook_secret=WEBHOOK_SECRET,
                tax_basis_points=2300,
            )
        )
        db.session.commit()
    return stripe.StripeClient(ALPHA_STRIPE_KEY, base_addresses={"api": stripe_server})


@pytest.fixture
def platform(app, stripe_server):
    """The platform's own Stripe account (localstripe): the agencies' seat subscriptions."""
    import stripe

    from tests.billing_seed import PLATFORM_HOOK_SECRET, PLATFORM_KEY

    app.config.update(
        STRIPE_API_BASE=stripe_server,
        STRIPE_API_KEY=PLATFORM_KEY,
        STRIPE_WEBHOOK_SECRET=PLATFORM_HOOK_SECRET,
    )
    return stripe.StripeClient(PLATFORM_KEY, base_addresses={"api": stripe_server})


@pytest.fixture(scope="session")
def wordpress(tmp_path_factory):
    """A real WordPress on loopback, on a fresh database of the machine's MariaDB."""
    from tests import wordpress_server

    site = wordpress_server.start(tmp_path_factory.mktemp("wordpress"))
    yield site
    site.stop()


@pytest.fixture(scope="session")
def twilio_server():
    """The fake telephony REST API on loopback, for the whole session."""
    from tests import twilio_server as fake_twilio

    server, fake, base_url = fake_twilio.start()
    yield fake, base_url
    server.shutdown()
    server.server_close()


@pytest.fixture
def twilio_api(app, twilio_server):
    """The fake REST API, emptied, with the app's TWILIO_API_BASE pointed at it; register
    an account with ``twilio_api.accounts[sid] = token``."""
    fake, base_url = twilio_server
    fake.clear()
    app.config["TWILIO_API_BASE"] = base_url
    return fake


@pytest.fixture
def mail(smtp_server):
    _controller, box = smtp_server
    box.clear()
    return box


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def drain(app):
    """Run every queued job now, in this process, with the project's worker on real Redis."""
    from agency.kernel.queue import QUEUE_NAMES
    from workers.worker import AgencyWorker

    def run() -> int:
        """Work the queues empty; returns how many jobs were waiting."""
        worker = AgencyWorker(list(QUEUE_NAMES), connection=app.extensions["redis"], app=app)
        waiting = sum(queue.count for queue in worker.queues)
        worker.work(burst=True)
        return waiting

    return run


def read_inbound(app) -> int:
    """Run the queued jobs that read inbound mail now, with the project's worker on real
    Redis, and only those (every other job stays queued); how many ran."""
    from rq import Queue

    from agency.domains.mail.inbound import READ_JOB
    from workers.worker import AgencyWorker

    redis = app.extensions["redis"]
    queue = Queue("mail", connection=redis)
    worker = AgencyWorker(["mail"], connection=redis, app=app)
    jobs = [job for job in queue.get_jobs() if job.func_name == READ_JOB]
    for job in jobs:
        queue.remove(job)
        worker.execute_job(job, queue)
    return len(jobs)


MISSING_ITEM = 2**31 - 1


def fail_a_job(app, agency_id: int) -> str:
    """A real failed job of ``agency_id``: routing an item that does not exist (on the
    bulk queue, worked alone, so nothing else queued runs)."""
    from agency.kernel.queue import enqueue
    from workers.worker import AgencyWorker

    job = enqueue(
        "workers.jobs.route_item", agency_id, MISSING_ITEM, queue="bulk", agency_id=agency_id
    )
    AgencyWorker(["bulk"], connection=app.extensions["redis"], app=app).work(burst=True)
    return job.id


def snapshot(obj) -> SimpleNamespace:
    """A detached copy of a row's columns, safe to read with no tenant set."""
    return SimpleNamespace(**{c.key: getattr(obj, c.key) for c in obj.__mapper__.column_attrs})


class Team(SimpleNamespace):
    """An agency with one person in each role, and a client with a contract."""


def make_team(slug: str, name: str) -> Team:
    from datetime import date

    with use_agency(None):  # the tenant as it was, once the agency is made
        agency = lifecycle.create(name=name, slug=slug, timezone="Europe/Lisbon", currency="EUR")
    with use_agency(agency.id):
        hashed = hash_password(PASSWORD)

        def user(role, email, **extra):
            u = User(email=email, name=f"{name} {role}", role=role, password_hash=hashed, **extra)
            db.session.add(u)
            db.session.flush()
            return u

        owner = user(Role.owner, f"owner@{slug}.example")
        manager = user(Role.manager, f"manager@{slug}.example")
        secretary = user(Role.secretary, f"secretary@{slug}.example")
        profile = Secretary(
            user_id=secretary.id,
            name=f"{name} Secretary",
            email=secretary.email,
            languages=[{"code": "en", "level": "C2"}],
        )
        db.session.add(profile)
        db.session.flush()
        client_record = Client(
            name=f"{name} Client",
            email=f"client@{slug}.example",
            instructions=f"Instructions of {name}",
        )
        db.session.add(client_record)
        db.session.flush()
        assignment = Assignment(client_id=client_record.id, secretary_id=profile.id, role="primary")
        db.session.add(assignment)
        contract = Contract(
            client_id=client_record.id,
            plan_name=f"{name} Plan",
            included_minutes=600,
            hourly_rate_minor=3000,
            overage_rate_minor=4000,
            currency="EUR",
            starts_on=date(2026, 1, 1),
            status="active",
        )
        db.session.add(contract)
        client_user = user(Role.client, f"client@{slug}.example", client_id=client_record.id)
        db.session.commit()
        return Team(
            agency=snapshot(agency),
            owner=snapshot(owner),
            manager=snapshot(manager),
            secretary=snapshot(secretary),
            client_user=snapshot(client_user),
            profile=snapshot(profile),
            client=snapshot(client_record),
            contract=snapshot(contract),
            assignment=snapshot(assignment),
        )


@pytest.fixture
def agency(app):
    return make_team("alpha", "Alpha")


@pytest.fixture
def other_agency(app):
    return make_team("bravo", "Bravo")


@pytest.fixture
def inbox(agency):
    """Agency A's inbound key and its client's alias address."""
    from agency.domains.mail import settings as mail_settings

    with use_agency(agency.agency.id):
        key = mail_settings.agency_settings().inbound_secret
        client = db.session.get(Client, agency.client.id)
        address = mail_settings.alias_address(mail_settings.rules_for(client))
        db.session.commit()
    return key, address


def body_of(response) -> str:
    """A response's body; of an event stream (which stays open), its first event only."""
    if response.mimetype == "text/event-stream":
        first = next(iter(response.response), b"")
        response.close()
        return first.decode() if isinstance(first, bytes) else first
    return response.get_data(as_text=True)


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'<meta name="csrf-token" content="([^"]+)"', html
    )
    assert match, "no CSRF token on the page"
    return match.group(1)


def post_form(http, url: str, data: dict, page: str | None = None, **kwargs):
    """POST a form the way a browser does: read the page first for its CSRF token."""
    html = http.get(page or url).get_data(as_text=True)
    return http.post(url, data={**data, "csrf_token": csrf_from(html)}, **kwargs)


def sign_in(http, user, password: str = PASSWORD):
    response = post_form(http, "/login", {"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


@pytest.fixture
def login_as(client):
    def as_user(user):
        sign_in(client, user)
        return client

    return as_user


def rows(model, agency_id: int):
    with use_agency(agency_id):
        return db.session.scalars(select(model)).all()


@pytest.fixture
def demo(app):
    """The demo agency of `make run`, loaded with its activity; its id."""
    assert demo_data.load()
    agency_id = directory.agency_of_slug(demo_data.DEMO_SLUG)
    db.session.remove()
    return agency_id
