"""The database handle every layer uses (Flask-SQLAlchemy, bound in create_app()), and
the single-statement hot path beside its pool."""

from flask import current_app
from flask_sqlalchemy import SQLAlchemy
from psycopg import OperationalError
from sqlalchemy import MetaData, event

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


# What the hot pool takes from the app's engine options: its size, and how it connects
# (behind a transaction pooler, without prepared statements).
_SHARED_OPTIONS = {
    "pool_size": "size",
    "pool_timeout": "timeout",
    "pool_recycle": "recycle",
    "connect_args": "connect_args",
}


# The hot pool's places when the app's pool has no limit.
UNBOUNDED = 1000


def _hot_pool() -> HotPool:
    """A second pool on the same database for single statements in autocommit: no
    pre-ping (a round trip of its own) on checkout, disposed with the app's engine."""
    pools = current_app.extensions.setdefault("hot_pools", {})
    pool = pools.get(db.engine)
    if pool is None:
        configured = current_app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {})
        options = {
            name: configured[key] for key, name in _SHARED_OPTIONS.items() if key in configured
        }
        overflow = configured.get("max_overflow", 10)  # as SQLAlchemy's: -1 is no limit
        options["size"] = options.get("size", 5) + overflow if overflow >= 0 else UNBOUNDED
        url = db.engine.url.set(drivername="postgresql")
        pool = pools[db.engine] = HotPool(url.render_as_string(hide_password=False), **options)
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
