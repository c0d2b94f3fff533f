"""invoice lines and work events: the agency column without a key or an index of its own

Revision ID: 0017_agency_from_parent
Revises: 0016_calendar
Create Date: 2026-11-23 19:35:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0017_agency_from_parent'
down_revision = '0016_calendar'
branch_labels = None
depends_on = None

TABLES = ('invoice_lines', 'work_events')


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f'ix_{table}_agency_id')
            batch_op.drop_constraint(f'fk_{table}_agency_id_agencies', type_='foreignkey')


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_foreign_key(
                f'fk_{table}_agency_id_agencies', 'agencies', ['agency_id'], ['id'],
                ondelete='CASCADE',
            )
            batch_op.create_index(f'ix_{table}_agency_id', ['agency_id'], unique=False)
