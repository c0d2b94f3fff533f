"""What every request costs before its own work: the tenant set once per transaction,
the signed-in user read once, no ping before the first statement; a connection the
database dropped is recovered by trying the request's first statement again."""

import threading

import pytest
from sqlalchemy import create_engine, text

from agency.kernel.database import db
from tests.conftest import sign_in
from tests.test_desk_live import Statements

pytestmark = pytest.mark.postgres


def _count(statements, fragment):
    return sum(fragment in s for s in statements.seen)


def _served(client, path: str):
    """GET ``path`` as a server does: in a thread of its own, with its own app context
    (the test's own app context would keep the session between requests)."""
    answers = []
    thread = threading.Thread(target=lambda: answers.append(client.get(path)))
    thread.start()
    thread.join(10)
    return answers[0]


@pytest.mark.parametrize("path", ["/account", "/console/", "/console/work"])
def test_a_page_sets_the_tenant_once_and_reads_the_user_once(app, client, agency, path):
    sign_in(client, agency.manager)
    assert _served(client, path).status_code == 200  # warm: the first request compiles
    with Statements() as statements:
        assert _served(client, path).status_code == 200
    assert _count(statements, "set_config") == 1, statements.seen
    assert _count(statements, "FROM users") == 1, statements.seen


def test_no_ping_before_the_first_statement(app):
    assert not app.config["SQLALCHEMY_ENGINE_OPTIONS"].get("pool_pre_ping")


def test_a_dropped_connection_is_recovered_by_trying_again(app, client, agency):
    sign_in(client, agency.manager)
    db.session.remove()
    db.engine.dispose()  # the pool holds only the connection of the next request
    assert _served(client, "/console/work").status_code == 200
    with db.engine.connect() as connection:
        pid = connection.execute(text("SELECT pg_backend_pid()")).scalar()
    owner = create_engine(app.config["DATABASE_MIGRATE_URL"])
    with owner.connect() as connection:  # the database drops it, as a restart would
        assert connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
    owner.dispose()
    page = _served(client, "/console/work")
    assert page.status_code == 200
    assert "Alpha Client" in page.get_data(as_text=True)
