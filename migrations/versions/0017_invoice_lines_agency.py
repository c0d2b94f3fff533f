"""invoice lines: the agency column without a key or an index of its own

Revision ID: 0017_invoice_lines_agency
Revises: 0016_calendar
Create Date: 2026-11-23 19:35:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0017_invoice_lines_agency'
down_revision = '0016_calendar'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('invoice_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_invoice_lines_agency_id')
        batch_op.drop_constraint('fk_invoice_lines_agency_id_agencies', type_='foreignkey')


def downgrade():
    with op.batch_alter_table('invoice_lines', schema=None) as batch_op:
        batch_op.create_foreign_key(
            'fk_invoice_lines_agency_id_agencies', 'agencies', ['agency_id'], ['id'],
            ondelete='CASCADE',
        )
        batch_op.create_index('ix_invoice_lines_agency_id', ['agency_id'], unique=False)
