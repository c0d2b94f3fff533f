"""line changes: a notice on the secretariat_lines channel whenever a table the voice
line is made of changes, naming the agency (for the web processes' kept lines)

Revision ID: 0021_line_changes
Revises: 0020_billing_corrections
Create Date: 2026-12-02 12:00:00.000000

"""
from alembic import context, op


# revision identifiers, used by Alembic.
revision = '0021_line_changes'
down_revision = '0020_billing_corrections'
branch_labels = None
depends_on = None

# What ``voice_line`` reads (tenants/numbers.py), each with its agency's column.
TABLES = {
    "agencies": "id",
    "phone_numbers": "agency_id",
    "voice_settings": "agency_id",
    "clients": "agency_id",
    "call_rules": "agency_id",
    "contacts": "agency_id",
    "holidays": "agency_id",
    "assignments": "agency_id",
    "secretaries": "agency_id",
    "absences": "agency_id",
    "shift_overrides": "agency_id",
}

FUNCTIONS = """
CREATE OR REPLACE FUNCTION notify_line_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM pg_notify('secretariat_lines', '*');
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('secretariat_lines', (to_jsonb(OLD) ->> TG_ARGV[0]));
    ELSE
        PERFORM pg_notify('secretariat_lines', (to_jsonb(NEW) ->> TG_ARGV[0]));
    END IF;
    RETURN NULL;
END
$$
"""


def upgrade():
    if context.get_context().dialect.name != "postgresql":
        return
    op.execute(FUNCTIONS)
    for table, column in TABLES.items():
        op.execute(
            f"CREATE TRIGGER line_changed AFTER INSERT OR UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION notify_line_change('{column}')"
        )
        op.execute(
            f"CREATE TRIGGER line_emptied AFTER TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION notify_line_change('{column}')"
        )


def downgrade():
    if context.get_context().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS line_changed ON {table}")
        op.execute(f"DROP TRIGGER IF EXISTS line_emptied ON {table}")
    op.execute("DROP FUNCTION IF EXISTS notify_line_change()")
