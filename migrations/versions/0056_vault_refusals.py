"""a refused reading of a vault entry is audited beside those shown

Revision ID: 0056_vault_refusals
Revises: 0055_websites
Create Date: 2026-12-07 15:10:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0056_vault_refusals'
down_revision = '0055_websites'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('vault_reveals') as batch:
        batch.add_column(
            sa.Column('outcome', sa.String(length=8), server_default='shown', nullable=False)
        )


def downgrade():
    with op.batch_alter_table('vault_reveals') as batch:
        batch.drop_column('outcome')
