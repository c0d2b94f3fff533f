"""the second fence complete: agencies under row-level security, every tenant table's
policy forced, and the look-ups across agencies narrowed to a role of their own

An agency sees and changes only its own row of ``agencies``. The few look-ups that cross
agencies before a tenant is known (a number's agency, a login's agencies, an address's
agency, the list of agencies) are SECURITY DEFINER functions owned by
``secretariat_lookup``, a role without login whose only reach across agencies is reading
``agencies``, ``phone_numbers`` and ``users``. ``voice_line`` runs with the caller's
rights: it asks ``agency_of_number`` for the agency, sets it as the tenant, and reads the
line under row-level security. FORCE ROW LEVEL SECURITY fences a process that connects as
the tables' owner too, unless that role has BYPASSRLS.

Revision ID: 0025_second_fence
Revises: 0024_work_item_agency
Create Date: 2026-12-07 02:00:00.000000

"""
from alembic import op
from sqlalchemy import text

from tenants import directory, numbers, rls

# revision identifiers, used by Alembic.
revision = '0025_second_fence'
down_revision = '0024_work_item_agency'
branch_labels = None
depends_on = None

ROLE = directory.LOOKUP_ROLE
LOOKUP_TABLES = ("agencies", "phone_numbers", "users")
LOOKUP_FUNCTIONS = (
    "agency_of_number(text)",
    "agencies_with_login(text)",
    "agency_of_slug(text)",
    "agency_ids(boolean)",
)


def _policed_tables(bind) -> list[str]:
    return bind.execute(
        text(
            "SELECT tablename FROM pg_policies WHERE schemaname = 'public'"
            " AND policyname = 'tenant_isolation' ORDER BY tablename"
        )
    ).scalars().all()


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != 'postgresql':
        return
    op.execute(
        f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{ROLE}')"
        f" THEN CREATE ROLE {ROLE} NOLOGIN; END IF; END $$"
    )
    op.execute(f"GRANT {ROLE} TO CURRENT_USER")  # to hand it the functions below
    op.execute(f"GRANT USAGE ON SCHEMA public TO {ROLE}")
    for table in LOOKUP_TABLES:
        op.execute(f"GRANT SELECT ON {table} TO {ROLE}")
        op.execute(f"DROP POLICY IF EXISTS directory_lookup ON {table}")
        op.execute(f"CREATE POLICY directory_lookup ON {table} FOR SELECT TO {ROLE} USING (true)")
    for statement in rls.policy_sql("agencies", column="id"):
        op.execute(statement)
    for table in _policed_tables(bind):
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    for statement in directory.AGENCY_FUNCTIONS_SQL:
        op.execute(statement)
    op.execute(numbers.FENCED_LINE_FUNCTION_SQL)
    for function in LOOKUP_FUNCTIONS:
        op.execute(f"ALTER FUNCTION {function} OWNER TO {ROLE}")


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name != 'postgresql':
        return
    for function in LOOKUP_FUNCTIONS:
        op.execute(f"ALTER FUNCTION {function} OWNER TO CURRENT_USER")
    op.execute(numbers.LINE_FUNCTION_SQL)
    for statement in directory.DROP_AGENCY_FUNCTIONS_SQL:
        op.execute(statement)
    for table in _policed_tables(bind):
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    op.execute("DROP POLICY IF EXISTS tenant_isolation ON agencies")
    op.execute("ALTER TABLE agencies DISABLE ROW LEVEL SECURITY")
    for table in LOOKUP_TABLES:
        op.execute(f"DROP POLICY IF EXISTS directory_lookup ON {table}")
        op.execute(f"REVOKE SELECT ON {table} FROM {ROLE}")
