"""one item per conversation: how long a message to a finished conversation reopens its
item (days, per agency)

Revision ID: 0029_conversations
Revises: 0028_desk_indexes
Create Date: 2026-12-07 04:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0029_conversations'
down_revision = '0028_desk_indexes'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('mail_settings') as batch_op:
        batch_op.add_column(
            sa.Column('reopen_days', sa.Integer(), server_default='14', nullable=False)
        )


def downgrade():
    with op.batch_alter_table('mail_settings') as batch_op:
        batch_op.drop_column('reopen_days')
