"""The hot-path pool: single statements in autocommit, without a ping per checkout."""

import psycopg
import pytest
from sqlalchemy import create_engine, text

from agency.kernel.database import call_in_autocommit

pytestmark = [pytest.mark.postgres, pytest.mark.alone]


def _drop_app_connections(app) -> int:
    """The server ends every idle session of the app's role, as a restart would."""
    owner = create_engine(app.config["DATABASE_MIGRATE_URL"])
    try:
        with owner.begin() as conn:
            return len(
                conn.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE usename = 'secretariat_app' AND datname = current_database() "
                        "AND pid <> pg_backend_pid() "
                        "AND state = 'idle'"
                    )
                ).all()
            )
    finally:
        owner.dispose()


def test_a_statement_runs_in_autocommit_without_a_transaction(app):
    assert call_in_autocommit("SELECT current_setting('transaction_isolation')", ()) == (
        "read committed"
    )
    assert call_in_autocommit("SELECT now() = statement_timestamp()", ()) is True


def test_a_dropped_connection_is_replaced_for_a_read_only_statement(app):
    before = call_in_autocommit("SELECT pg_backend_pid()", (), read_only=True)
    assert _drop_app_connections(app) >= 1
    after = call_in_autocommit("SELECT pg_backend_pid()", (), read_only=True)
    assert after != before


def test_a_statement_with_effects_is_not_run_twice_on_a_dropped_connection(app):
    call_in_autocommit("SELECT 1", ())
    assert _drop_app_connections(app) >= 1
    with pytest.raises(psycopg.OperationalError):
        call_in_autocommit("SELECT 1", ())
    assert call_in_autocommit("SELECT 2", ()) == 2  # the broken connection left the pool


def test_the_pool_is_disposed_with_the_apps_engine(app):
    from agency.kernel.database import db

    call_in_autocommit("SELECT 1", ())
    (hot,) = app.extensions["hot_engines"].values()
    assert hot.pool.checkedin() == 1
    db.engine.dispose()
    assert hot.pool.checkedin() == 0
