"""Row-level security on PostgreSQL, the second fence behind ORM scoping."""

import pytest
from sqlalchemy import create_engine, text

from agency.kernel.database import db
from tenants import all_tenant_models

pytestmark = pytest.mark.postgres


def _raw(app, agency_id, sql):
    """A raw query as the app's role, outside the ORM, with app.agency_id set."""
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        with engine.begin() as conn:
            if agency_id is not None:
                conn.execute(
                    text("SELECT set_config('app.agency_id', :v, true)"), {"v": str(agency_id)}
                )
            return conn.execute(text(sql)).all()
    finally:
        engine.dispose()


def test_the_app_role_is_not_the_owner_and_cannot_bypass_rls(app):
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with engine.connect() as conn:
        role = conn.execute(
            text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        ).one()
        owners = (
            conn.execute(
                text("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'")
            )
            .scalars()
            .all()
        )
        me = conn.execute(text("SELECT current_user")).scalar()
    engine.dispose()
    assert role == (False, False)
    assert me not in owners


def test_raw_select_under_agency_b_returns_none_of_agency_a(app, agency, other_agency):
    for model in all_tenant_models(db.Model.registry):
        table = model.__tablename__
        seen = _raw(app, other_agency.agency.id, f"SELECT agency_id FROM {table}")
        assert agency.agency.id not in {row[0] for row in seen}, table
    clients = _raw(app, other_agency.agency.id, "SELECT name FROM clients")
    assert [row[0] for row in clients] == ["Bravo Client"]


def test_raw_select_with_no_agency_set_returns_nothing(app, agency):
    assert _raw(app, None, "SELECT id FROM users") == []


def test_writing_a_row_for_another_agency_is_refused(app, agency, other_agency):
    from sqlalchemy.exc import ProgrammingError

    with pytest.raises(ProgrammingError, match="row-level security"):
        _raw(
            app,
            other_agency.agency.id,
            f"INSERT INTO clients (agency_id, name, timezone, languages, created_at) "
            f"VALUES ({agency.agency.id}, 'Smuggled', 'UTC', '[]', now()) RETURNING id",
        )


def test_every_tenant_table_has_the_policy(app):
    engine = create_engine(app.config["DATABASE_MIGRATE_URL"])
    with engine.connect() as conn:
        protected = set(
            conn.execute(
                text(
                    "SELECT c.relname FROM pg_class c "
                    "JOIN pg_policies p ON p.tablename = c.relname "
                    "WHERE c.relrowsecurity AND p.policyname = 'tenant_isolation'"
                )
            ).scalars()
        )
    engine.dispose()
    tables = {model.__tablename__ for model in all_tenant_models(db.Model.registry)}
    assert tables - protected == set()
