"""when a vault entry's coming expiry was told to the client and their secretary

Revision ID: 0054_vault_reminders
Revises: 0053_vault
Create Date: 2026-12-07 18:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0054_vault_reminders'
down_revision = '0053_vault'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('vault_entries') as batch_op:
        batch_op.add_column(sa.Column('reminded_on', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('vault_entries') as batch_op:
        batch_op.drop_column('reminded_on')
