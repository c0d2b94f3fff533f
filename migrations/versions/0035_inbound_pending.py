"""inbound mail kept first, read after: the raw message waits with the triage 'pending'
until the mail job reads it, found through a partial index of what waits

Revision ID: 0035_inbound_pending
Revises: 0034_client_access
Create Date: 2026-12-07 06:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0035_inbound_pending'
down_revision = '0034_client_access'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('inbound_emails') as batch_op:
        batch_op.add_column(sa.Column('raw', sa.LargeBinary(), nullable=True))
    op.create_index(
        'ix_inbound_emails_pending',
        'inbound_emails',
        ['agency_id', 'id'],
        postgresql_where=sa.text("triage = 'pending'"),
        sqlite_where=sa.text("triage = 'pending'"),
    )


def downgrade():
    op.drop_index('ix_inbound_emails_pending', table_name='inbound_emails')
    with op.batch_alter_table('inbound_emails') as batch_op:
        batch_op.drop_column('raw')
