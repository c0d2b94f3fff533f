"""invoices: the agency column without a key of its own

An invoice exists only under its client, whose key removes it with the agency; the key
to agencies only cost a check for every invoice a run writes. The index stays: the
console lists an agency's invoices.

Revision ID: 0023_invoice_agency
Revises: 0022_sla_secretary
Create Date: 2026-12-02 16:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0023_invoice_agency'
down_revision = '0022_sla_secretary'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.drop_constraint('fk_invoices_agency_id_agencies', type_='foreignkey')


def downgrade():
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.create_foreign_key(
            'fk_invoices_agency_id_agencies', 'agencies', ['agency_id'], ['id'],
            ondelete='CASCADE',
        )
