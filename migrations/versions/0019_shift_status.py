"""secretaries: when their shift status last changed

Revision ID: 0019_shift_status
Revises: 0018_claim_plan
Create Date: 2026-12-02 09:00:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0019_shift_status'
down_revision = '0018_claim_plan'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('secretaries') as batch_op:
        batch_op.add_column(sa.Column('shift_status_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('secretaries') as batch_op:
        batch_op.drop_column('shift_status_at')
