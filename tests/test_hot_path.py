"""The hot-path pool: single statements in autocommit, without a ping per checkout."""

import threading
import time

import psycopg
import pytest
from sqlalchemy import create_engine, make_url, text

from agency.kernel.database import call_in_autocommit, driver_connect_args
from agency.kernel.hotpool import HotPool, PoolTimeout
from agency.kernel.retries import is_transient
from tests.together import run_together

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
    (hot,) = app.extensions["hot_pools"].values()
    assert hot.idle() == 1
    db.engine.dispose()
    assert hot.idle() == 0
    assert call_in_autocommit("SELECT 3", ()) == 3


def _pool(app, **options) -> HotPool:
    return HotPool(driver_connect_args(), **options)


def _backend(pool) -> int:
    return pool.run("SELECT pg_backend_pid()", ())[0]


def test_one_caller_at_a_time_keeps_one_connection_warm(app):
    pool = _pool(app, size=5)
    backends = {_backend(pool) for _ in range(20)}
    assert len(backends) == 1 and pool.idle() == 1
    pool.dispose()


def test_no_more_connections_than_places_and_a_clear_error_when_all_are_busy(app):
    pool = _pool(app, size=2, timeout=0.3)
    holders = [
        threading.Thread(target=pool.run, args=("SELECT pg_sleep(1.5)", ())) for _ in range(2)
    ]
    for holder in holders:
        holder.start()
    time.sleep(0.3)  # both statements are running, each on a place of its own
    with pytest.raises(PoolTimeout, match="all 2 hot-path connections were busy for 0.3 s") as info:
        pool.run("SELECT 1", ())
    assert is_transient(info.value)  # a job that meets it is retried
    for holder in holders:
        holder.join()
    assert pool.idle() == 2
    assert pool.run("SELECT 4", ()) == (4,)
    pool.dispose()


def test_a_refused_statement_keeps_its_connection_and_a_failed_one_does_not(app):
    pool = _pool(app, size=3)
    first = _backend(pool)
    with pytest.raises(psycopg.errors.DivisionByZero):
        pool.run("SELECT 1 / 0", ())
    assert _backend(pool) == first and pool.idle() == 1
    assert _drop_app_connections(app) >= 1
    with pytest.raises(psycopg.OperationalError):
        _backend(pool)
    assert pool.idle() == 0
    assert _backend(pool) != first
    pool.dispose()


def test_a_connection_older_than_recycle_is_replaced(app):
    pool = _pool(app, recycle=0.2)
    first = _backend(pool)
    assert _backend(pool) == first
    time.sleep(0.3)
    assert _backend(pool) != first
    pool.dispose()


def test_a_forked_process_leaves_its_parents_connections_to_the_parent(app):
    pool = _pool(app)
    first = _backend(pool)
    (kept,) = [connection for connection, _opened in pool._idle]
    pool.pid = -1  # as a child sees the pool its parent made
    assert _backend(pool) != first
    assert not kept.closed  # the parent's, still open
    kept.close()
    pool.dispose()


def test_it_keeps_no_more_idle_connections_than_the_apps_pool_size(app):
    pool = _pool(app, size=3, keep=1)
    assert run_together(pool.run, [("SELECT pg_sleep(0.3)", ())] * 3) == []  # three open
    assert pool.idle() == 1  # the other two closed as they came back
    pool.dispose()


def test_it_reaches_the_database_as_the_apps_url_says(app):
    """The URL's parts and query reach the driver decoded: a space in an option (which a
    libpq URI would read as "+"), and a password with reserved characters."""
    args = driver_connect_args("postgresql+psycopg://u:p%20x%40y@h/db?options=-c%20a%3Db")
    assert (args["password"], args["options"]) == ("p x@y", "-c a=b")
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).update_query_dict(
        {"options": "-c statement_timeout=1234"}
    )
    pool = HotPool(driver_connect_args(url.render_as_string(hide_password=False)))
    assert pool.run("SHOW statement_timeout", ()) == ("1234ms",)
    pool.dispose()
