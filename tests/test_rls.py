"""Row-level security on PostgreSQL, the second fence behind ORM scoping."""

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import ProgrammingError

from agency.kernel.database import db
from tenants import all_tenant_models, use_agency

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


def test_every_tenant_table_and_agencies_have_the_policy_and_force_it(app):
    """FORCE fences the tables' owner too; the list is read from the models, so a new
    tenant table without both fails here."""
    engine = create_engine(app.config["DATABASE_MIGRATE_URL"])
    with engine.connect() as conn:
        fenced = set(
            conn.execute(
                text(
                    "SELECT c.relname FROM pg_class c "
                    "JOIN pg_policies p ON p.tablename = c.relname "
                    "WHERE c.relrowsecurity AND c.relforcerowsecurity "
                    "AND p.policyname = 'tenant_isolation'"
                )
            ).scalars()
        )
    engine.dispose()
    tables = {model.__tablename__ for model in all_tenant_models(db.Model.registry)}
    assert (tables | {"agencies"}) - fenced == set()


def test_an_agency_sees_and_changes_only_its_own_row(app, agency, other_agency):
    a, b = agency.agency.id, other_agency.agency.id
    assert _raw(app, None, "SELECT id FROM agencies") == []
    assert _raw(app, b, "SELECT id FROM agencies") == [(b,)]
    assert _raw(app, b, f"UPDATE agencies SET name = 'Taken' WHERE id = {a} RETURNING id") == []
    assert _raw(app, None, "UPDATE agencies SET name = 'Taken' RETURNING id") == []
    with pytest.raises(ProgrammingError, match="row-level security"):
        _raw(
            app,
            b,
            f"INSERT INTO agencies (name, slug, timezone, locale, currency, status, "
            f"suspended_for_billing, created_at) VALUES ('X', 'x-{a}', 'UTC', 'en', 'EUR', "
            "'active', false, now())",
        )
    assert _raw(app, a, f"SELECT name FROM agencies WHERE id = {a}") == [("Alpha",)]


def test_the_look_ups_across_agencies_name_ids_and_nothing_else(app, agency, other_agency):
    """Before a tenant is known, the app's role learns an address's or a login's agency
    and the list of agency ids, through functions; never another agency's row."""
    a, b = agency.agency.id, other_agency.agency.id
    assert _raw(app, None, "SELECT agency_of_slug('bravo')") == [(b,)]
    assert _raw(app, None, "SELECT agency_ids(false)") == [(a,), (b,)]
    assert _raw(app, None, f"SELECT agencies_with_login('{agency.owner.email}')") == [(a,)]
    assert _raw(app, None, "SELECT count(*) FROM users") == [(0,)]
    assert _raw(app, None, "SELECT count(*) FROM phone_numbers") == [(0,)]


def test_voice_line_reads_the_line_as_the_numbers_agency_only(app, agency, other_agency):
    """The line function runs with the app role's rights: it names the number's agency,
    reads as that agency, and reaches no other agency's rows."""
    from agency.domains.calls import services

    with use_agency(agency.agency.id):
        services.save_voice_settings({"account_sid": "AC1", "auth_token": "alpha-token-12345"})
        services.add_number({"number": "+442079460100", "client_id": agency.client.id})
    with use_agency(other_agency.agency.id):
        services.add_number({"number": "+442079460200", "client_id": other_agency.client.id})
    [(line,)] = _raw(app, None, "SELECT voice_line('+442079460100', now())")
    assert line["agency_id"] == agency.agency.id
    assert line["client"]["name"] == "Alpha Client" and line["auth_token"]
    assert _raw(app, None, "SELECT voice_line('+449999999999', now())") == [(None,)]
    [(definer,)] = _raw(app, None, "SELECT prosecdef FROM pg_proc WHERE proname = 'voice_line'")
    assert definer is False
