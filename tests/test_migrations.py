"""The migrations and the models describe the same schema."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from agency.domains.hours import totals
from agency.kernel.database import db

pytestmark = pytest.mark.sqlite

# Tables PostgreSQL's triggers keep from other tables, as an index is kept: no model.
KEPT_BY_TRIGGERS = {totals.DAYS.name}


def _modelled(name, type_, _parent_names) -> bool:
    return not (type_ == "table" and name in KEPT_BY_TRIGGERS)


def test_models_and_migrations_agree(app):
    engine = create_engine(app.config["DATABASE_MIGRATE_URL"])
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_name": _modelled}
        )
        differences = compare_metadata(context, db.metadata)
    engine.dispose()
    assert differences == []
