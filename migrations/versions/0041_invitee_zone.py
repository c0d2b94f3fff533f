"""a meeting participant's time zone, when known

Revision ID: 0041_invitee_zone
Revises: 0040_booking_pages
Create Date: 2026-12-07 09:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0041_invitee_zone'
down_revision = '0040_booking_pages'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('meeting_invitees') as batch_op:
        batch_op.add_column(sa.Column('timezone', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('meeting_invitees') as batch_op:
        batch_op.drop_column('timezone')
