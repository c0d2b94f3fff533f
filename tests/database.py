"""Each test process's own database, cloned from a template migrated once per run, and
emptied after each test.

On PostgreSQL the template is ``<name>_template`` and a process's copy ``<name>_<worker>``
(``CREATE DATABASE … TEMPLATE``); on SQLite both are files in the run's folder. The
first process to get the lock migrates the template; the others wait for it and clone.
"""

import fcntl
import os
import shutil
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, Engine, make_url

APP_ROLE = "secretariat_app"
READY = "template.ready"


def is_postgres(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


def configured_urls() -> tuple[str, str]:
    """(the app's URL, the migration owner's URL) as the environment names them."""
    app_url = os.environ.get("TEST_DATABASE_URL") or "sqlite://"
    owner_url = os.environ.get("TEST_DATABASE_OWNER_URL") or app_url
    return app_url, owner_url


@contextmanager
def _locked(folder: Path):
    with open(folder / "template.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=False)


def prepare(worker: str, run_folder: Path, migrate: Callable[[str, str], None]) -> tuple[str, str]:
    """This process's (app URL, owner URL), on a copy of the run's migrated template.

    ``migrate(app_url, owner_url)`` brings an empty database to the newest schema.
    """
    app_url, owner_url = configured_urls()
    if not is_postgres(app_url):
        template = run_folder / "template.db"
        with _locked(run_folder):
            if not (run_folder / READY).exists():
                migrate(f"sqlite:///{template}", f"sqlite:///{template}")
                (run_folder / READY).touch()
        own = run_folder / f"{worker}.db"
        shutil.copyfile(template, own)
        return f"sqlite:///{own}", f"sqlite:///{own}"

    app, owner = make_url(app_url), make_url(owner_url)
    template = f"{owner.database}_template"
    own = f"{owner.database}_{worker}"
    admin = create_engine(owner.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with _locked(run_folder), admin.connect() as conn:
            if not (run_folder / READY).exists():
                _create_role(conn, app.username, app.password)
                _recreate(conn, template)
                migrate(_url(app.set(database=template)), _url(owner.set(database=template)))
                (run_folder / READY).touch()
            _recreate(conn, own, template=template)
    finally:
        admin.dispose()
    return _url(app.set(database=own)), _url(owner.set(database=own))


def recreate_postgres(app_url: str, owner_url: str) -> None:
    """An empty database named by ``owner_url``, and the app's role (for the benchmarks,
    which migrate it themselves)."""
    app, owner = make_url(app_url), make_url(owner_url)
    admin = create_engine(owner.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            _recreate(conn, owner.database)
            _create_role(conn, app.username, app.password)
    finally:
        admin.dispose()


def _create_role(conn, role: str, password: str | None) -> None:
    """The app's role: no owner of anything, under row-level security."""
    exists = conn.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role})
    if not exists:
        conn.execute(text(f'CREATE ROLE "{role}" LOGIN NOSUPERUSER NOBYPASSRLS'))
    if password:
        quoted = conn.scalar(text("SELECT quote_literal(:p)"), {"p": password})
        conn.execute(text(f'ALTER ROLE "{role}" PASSWORD {quoted}'))


def _recreate(conn, name: str, template: str | None = None) -> None:
    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    clause = f' TEMPLATE "{template}"' if template else ""
    conn.execute(text(f'CREATE DATABASE "{name}"{clause}'))


def drop(owner_url: str) -> None:
    """Drop this process's PostgreSQL copy at the end of its session."""
    if not is_postgres(owner_url):
        return
    owner = make_url(owner_url)
    admin = create_engine(owner.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{owner.database}" WITH (FORCE)'))
    finally:
        admin.dispose()


class Emptier:
    r"""Empties one database after a test, as the owner, on one connection kept for the
    session. On PostgreSQL one query finds the tables that hold rows and the sequences
    that were drawn from; one round trip then ``DELETE``\s those tables with the key
    triggers off (``session_replication_role``) and starts those sequences again. That
    costs milliseconds where ``TRUNCATE`` of every table costs most of a second."""

    def __init__(self, owner_url: str | URL):
        self.engine: Engine = create_engine(owner_url)
        self._used: str | None = None  # the query for what a test used
        self._tables: list[str] = []

    def _build(self, conn) -> None:
        if conn.dialect.name == "postgresql":
            tables = conn.scalars(
                text(
                    "SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = 'public'"
                    " AND tablename <> 'alembic_version' ORDER BY tablename"
                )
            ).all()
            self._used = " UNION ALL ".join(
                [
                    *(f"SELECT 'DELETE FROM {t}' WHERE EXISTS (SELECT FROM {t})" for t in tables),
                    "SELECT 'ALTER SEQUENCE ' || quote_ident(sequencename) || ' RESTART'"
                    " FROM pg_sequences WHERE schemaname = 'public' AND last_value IS NOT NULL",
                ]
            )
            return
        self._tables = conn.scalars(
            text(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
                " AND name <> 'alembic_version' AND name NOT LIKE 'sqlite_%'"
            )
        ).all()
        if conn.scalar(text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'")):
            self._tables.append("sqlite_sequence")

    def empty(self) -> None:
        with self.engine.begin() as conn:
            if self._used is None and not self._tables:
                self._build(conn)
            if conn.dialect.name == "postgresql":
                statements = conn.exec_driver_sql(self._used).scalars().all()
                if statements:
                    conn.exec_driver_sql(
                        ";".join(["SET LOCAL session_replication_role = replica", *statements])
                    )
                return
            conn.exec_driver_sql("PRAGMA foreign_keys = OFF")
            for table in self._tables:
                conn.exec_driver_sql(f'DELETE FROM "{table}"')

    def dispose(self) -> None:
        self.engine.dispose()
