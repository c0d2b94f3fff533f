"""Through PgBouncer in transaction mode, with a pool of one server connection: two
agencies' requests interleaved on that one connection each see only their own rows, and
the tenant setting of one transaction is never there in the next."""

import threading

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from agency.app import create_app
from agency.kernel.database import db
from tenants import use_agency
from tests.billing_seed import api_as
from tests.conftest import _config
from tests.pgbouncer import PgBouncer, users_of
from tests.together import run_together

pytestmark = pytest.mark.postgres
ROUNDS = 25


@pytest.fixture
def pooled(database_urls, redis_url, application):
    """An app whose role reaches PostgreSQL only through one pooled server connection."""
    app_url, owner_url = database_urls
    bouncer = PgBouncer(owner_url, users_of(app_url, owner_url), pool_size=1)
    config = _config(bouncer.url(app_url), owner_url, redis_url)
    pooled_app = create_app({**config, "DATABASE_TRANSACTION_POOLER": True})
    pooled_app.extensions["test_bouncer"] = (bouncer, app_url)
    yield pooled_app
    with pooled_app.app_context():
        db.engine.dispose()
    bouncer.stop()


def test_the_tenant_setting_never_outlives_its_transaction(app, agency, other_agency, pooled):
    with pooled.app_context():
        seen = []
        for agency_id in (agency.agency.id, None, other_agency.agency.id, None):
            with use_agency(agency_id):
                row = db.session.execute(
                    text(
                        "SELECT pg_backend_pid(), current_setting('app.agency_id', true),"
                        " array_agg(name ORDER BY name) FROM clients"
                    )  # fmt: skip
                ).one()
                db.session.commit()
            seen.append(row)
    pids = {pid for pid, _setting, _names in seen}
    assert len(pids) == 1, "the pool of one server connection was not shared"
    assert [(s or "", n) for _p, s, n in seen] == [
        (str(agency.agency.id), ["Alpha Client"]),
        ("", None),
        (str(other_agency.agency.id), ["Bravo Client"]),
        ("", None),
    ]


def test_two_agencies_interleaved_on_one_server_connection_see_only_their_own(
    app, agency, other_agency, pooled
):
    seen = {"alpha": [], "bravo": []}
    turn = threading.Barrier(2, timeout=30)

    calls = {"alpha": api_as(pooled.test_client(), agency.manager),
             "bravo": api_as(pooled.test_client(), other_agency.manager)}  # fmt: skip

    def run(name):
        call = calls[name]
        for _ in range(ROUNDS):
            turn.wait()  # both agencies' requests go at the same moment
            answer = call("GET", "/api/v1/clients/")
            assert answer.status_code == 200, answer.json
            seen[name].append(sorted(c["name"] for c in answer.json))

    errors = run_together(run, [(name,) for name in calls], 120, on_error=turn.abort)
    assert not errors, errors
    assert seen["alpha"] == [["Alpha Client"]] * ROUNDS
    assert seen["bravo"] == [["Bravo Client"]] * ROUNDS
    bouncer, app_url = pooled.extensions["test_bouncer"]
    role = make_url(app_url)
    with psycopg.connect(host="127.0.0.1", port=bouncer.port, dbname="pgbouncer",
                         user=role.username, password=role.password, autocommit=True,
                         cursor_factory=psycopg.ClientCursor) as console:  # fmt: skip
        servers = console.execute("SHOW SERVERS").fetchall()
    assert len(servers) == 1, servers  # every request of both went over this one
