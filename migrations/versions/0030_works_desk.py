"""an owner or manager may also work the desk, with the same login

Revision ID: 0030_works_desk
Revises: 0029_conversations
Create Date: 2026-12-07 04:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0030_works_desk'
down_revision = '0029_conversations'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users') as batch_op:
        batch_op.add_column(
            sa.Column('works_desk', sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table('users') as batch_op:
        batch_op.drop_column('works_desk')
