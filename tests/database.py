"""A fresh test database, migrated once per session and emptied after each test."""

import os
import tempfile

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

APP_ROLE = "secretariat_app"


def urls() -> tuple[str, str]:
    """(the app's URL, the migration owner's URL)."""
    app_url = os.environ.get("TEST_DATABASE_URL") or "sqlite://"
    if app_url == "sqlite://":
        path = os.path.join(tempfile.mkdtemp(prefix="secretariat-test-"), "test.db")
        app_url = f"sqlite:///{path}"
    owner_url = os.environ.get("TEST_DATABASE_OWNER_URL") or app_url
    return app_url, owner_url


def is_postgres(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


def recreate_postgres(app_url: str, owner_url: str) -> None:
    owner = make_url(owner_url)
    role = make_url(app_url).username
    admin = create_engine(owner.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{owner.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{owner.database}"'))
        exists = conn.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role})
        if not exists:
            conn.execute(text(f'CREATE ROLE "{role}" LOGIN NOSUPERUSER NOBYPASSRLS'))
    admin.dispose()


def empty_all_tables(owner_url: str, table_names: list[str]) -> None:
    engine = create_engine(owner_url)
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t}"' for t in table_names)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            conn.execute(text("PRAGMA foreign_keys = OFF"))
            for name in table_names:
                conn.execute(text(f'DELETE FROM "{name}"'))
    engine.dispose()
