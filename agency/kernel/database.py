"""The database handle every layer uses (Flask-SQLAlchemy, bound in create_app()), and
the single-statement hot path beside its pool."""

import threading

from flask import current_app
from flask_sqlalchemy import SQLAlchemy
from psycopg import OperationalError
from sqlalchemy import MetaData, event, make_url

from agency.kernel.hotpool import HotPool

naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=naming_convention))


def on_postgres() -> bool:
    return db.engine.dialect.name == "postgresql"


# The hot pool's places when the app's pool has no limit.
UNBOUNDED = 1000
_creating = threading.Lock()


def driver_connect_args(url: str | None = None) -> dict:
    """What ``psycopg.connect`` takes to reach ``url`` (the app's database by default),
    worked out by SQLAlchemy's own dialect as its pool connects: the URL's parts and
    query decoded, several hosts kept."""
    found = make_url(url) if url is not None else db.engine.url
    _args, params = db.engine.dialect.create_connect_args(found)
    return params


def _hot_pool() -> HotPool:
    """A second pool on the same database for single statements in autocommit, sized as
    the app's engine is (``SQLALCHEMY_ENGINE_OPTIONS``: its size and overflow, timeout,
    recycling, and how it connects, e.g. without prepared statements behind a
    transaction pooler); no ping before a statement; disposed with the app's engine."""
    pools = current_app.extensions.setdefault("hot_pools", {})
    pool = pools.get(db.engine)
    if pool is not None:  # every statement but the first: no lock taken
        return pool
    with _creating:
        pool = pools.get(db.engine)
        if pool is None:
            options = current_app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {})
            keep, overflow = options.get("pool_size", 5), options.get("max_overflow", 10)
            size = keep + overflow if keep > 0 and overflow >= 0 else UNBOUNDED
            pool = pools[db.engine] = HotPool(
                {**driver_connect_args(), **options.get("connect_args", {})},
                size=size,
                keep=keep if keep > 0 else UNBOUNDED,  # as SQLAlchemy reads 0: no limit
                timeout=options.get("pool_timeout", 30.0),
                recycle=options.get("pool_recycle"),
            )
            event.listen(db.engine, "engine_disposed", lambda _engine: pool.dispose())
    return pool


def call_in_autocommit(sql: str, params: tuple, *, read_only: bool = False):
    """The first column of the first row of one driver-level statement (``%s``
    placeholders), run in autocommit on a pooled connection of its own: one round trip,
    no transaction. For the PostgreSQL functions on hot paths (the desk's claim, the
    voice webhook's line).

    A connection the server has dropped is found when it is used, not by a ping: a
    ``read_only`` statement is then run again once on a fresh connection; any other is
    not, since it may have taken effect."""
    pool = _hot_pool()
    for attempt in (1, 2):
        try:
            row = pool.run(sql, params)
        except OperationalError:
            if read_only and attempt == 1:
                continue
            raise
        return row[0] if row else None
