"""work items: the agency column without a key or an index of its own

A work item exists only under its client, whose key removes it with the agency; the
key to agencies cost a check, and the index an entry, for every item created. The
agency's lists read through the queue, pool and source-key indexes, each led by the
agency.

Revision ID: 0024_work_item_agency
Revises: 0023_invoice_agency
Create Date: 2026-12-03 14:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0024_work_item_agency'
down_revision = '0023_invoice_agency'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('work_items', schema=None) as batch_op:
        batch_op.drop_index('ix_work_items_agency_id')
        batch_op.drop_constraint('fk_work_items_agency_id_agencies', type_='foreignkey')


def downgrade():
    with op.batch_alter_table('work_items', schema=None) as batch_op:
        batch_op.create_foreign_key(
            'fk_work_items_agency_id_agencies', 'agencies', ['agency_id'], ['id'],
            ondelete='CASCADE',
        )
        batch_op.create_index('ix_work_items_agency_id', ['agency_id'], unique=False)
