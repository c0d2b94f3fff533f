"""a client's people sign in with full access (everything, billing included) or limited
access (messages, calls, mail and the calendar)

Revision ID: 0034_client_access
Revises: 0033_spoken_language
Create Date: 2026-12-07 05:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0034_client_access'
down_revision = '0033_spoken_language'
branch_labels = None
depends_on = None


def upgrade():
    for table in ('users', 'invitations'):
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(
                sa.Column('client_access', sa.String(length=8), server_default='full', nullable=False)
            )


def downgrade():
    for table in ('invitations', 'users'):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column('client_access')
