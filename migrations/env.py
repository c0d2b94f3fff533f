"""Alembic environment: migrations run as the owner role, then grant the app's role."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tenants.rls import grant_statements

config = context.config
fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

target_db = current_app.extensions["migrate"].db
app_url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
owner_url = make_url(current_app.config["DATABASE_MIGRATE_URL"] or app_url)


def _skip_empty_autogenerate(context_, revision, directives):
    if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        logger.info("No changes in schema detected.")


def run_migrations_offline() -> None:
    context.configure(
        url=owner_url.render_as_string(hide_password=False),
        target_metadata=target_db.metadata,
        literal_binds=True,
        render_as_batch=owner_url.get_backend_name() == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    options = dict(current_app.extensions["migrate"].configure_args)
    options.setdefault("process_revision_directives", _skip_empty_autogenerate)
    options["render_as_batch"] = owner_url.get_backend_name() == "sqlite"
    own_engine = owner_url != app_url
    engine = create_engine(owner_url) if own_engine else target_db.engine
    try:
        with engine.connect() as connection:
            context.configure(
                connection=connection,
                target_metadata=target_db.metadata,
                **options,
            )
            with context.begin_transaction():
                context.run_migrations()
                if (
                    connection.dialect.name == "postgresql"
                    and app_url.username != owner_url.username
                ):
                    for statement in grant_statements(app_url.username):
                        connection.execute(text(statement))
    finally:
        if own_engine:
            engine.dispose()  # the owner's connection closes with the migration


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
