"""The database handle every layer uses (Flask-SQLAlchemy, bound in create_app()), and
the single-statement hot path beside its pool."""

from flask import current_app
from flask_sqlalchemy import SQLAlchemy
from psycopg import OperationalError
from sqlalchemy import MetaData, create_engine, event

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
_SHARED_OPTIONS = ("pool_size", "max_overflow", "pool_timeout", "pool_recycle", "connect_args")


def _hot_engine():
    """A second pool on the same database for single statements in autocommit: no
    pre-ping (a round trip of its own) on checkout, disposed with the app's engine."""
    engines = current_app.extensions.setdefault("hot_engines", {})
    engine = engines.get(db.engine)
    if engine is None:
        # Sized like the app's pool. In autocommit there is no transaction to roll back
        # when a connection returns.
        configured = current_app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {})
        shared = {key: configured[key] for key in _SHARED_OPTIONS if key in configured}
        engine = create_engine(
            db.engine.url, isolation_level="AUTOCOMMIT", pool_reset_on_return=None, **shared
        )
        engines[db.engine] = engine
        event.listen(db.engine, "engine_disposed", lambda _engine: engine.dispose())
    return engine


def call_in_autocommit(sql: str, params: tuple, *, read_only: bool = False):
    """The first column of the first row of one driver-level statement (``%s``
    placeholders), run in autocommit on a pooled connection of its own: one round trip,
    no transaction. For the PostgreSQL functions on hot paths (the desk's claim, the
    voice webhook's line).

    A connection the server has dropped is found when it is used, not by a ping: a
    ``read_only`` statement is then run again once on a fresh connection; any other is
    not, since it may have taken effect."""
    engine = _hot_engine()
    for attempt in (1, 2):
        pooled = engine.raw_connection()
        try:
            row = pooled.driver_connection.execute(sql, params).fetchone()
        except OperationalError:
            pooled.invalidate()
            if read_only and attempt == 1:
                continue
            raise
        finally:
            pooled.close()
        return row[0] if row else None
