"""The migrations and the models describe the same schema."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from agency.kernel.database import db

pytestmark = pytest.mark.sqlite


def test_models_and_migrations_agree(app):
    engine = create_engine(app.config["DATABASE_MIGRATE_URL"])
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    engine.dispose()
    assert differences == []
