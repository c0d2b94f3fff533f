"""Flask extensions, created unbound and bound in create_app()."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData

naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=naming_convention))
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


class JsonApi(Api):
    """flask-smorest without its own error handlers: the app renders every error."""

    def _register_error_handlers(self):
        pass


api = JsonApi()


def on_postgres() -> bool:
    return db.engine.dialect.name == "postgresql"


def call_in_autocommit(sql: str, params: tuple):
    """The first column of the first row of one driver-level statement (``%s``
    placeholders), run in autocommit on a pooled connection of its own: one round trip,
    no transaction. For the PostgreSQL functions on hot paths (the desk's claim, the
    voice webhook's line)."""
    pooled = db.engine.raw_connection()
    connection = pooled.driver_connection
    try:
        connection.autocommit = True
        row = connection.execute(sql, params).fetchone()
    finally:
        connection.autocommit = False
        pooled.close()
    return row[0] if row else None
