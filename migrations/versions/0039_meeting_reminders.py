"""reminders before each meeting: how long before (per client), and when the client was
reminded

Revision ID: 0039_meeting_reminders
Revises: 0038_caldav
Create Date: 2026-12-07 08:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

import agency.kernel.columns

# revision identifiers, used by Alembic.
revision = '0039_meeting_reminders'
down_revision = '0038_caldav'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('meeting_rules') as batch_op:
        batch_op.add_column(
            sa.Column('reminder_minutes', sa.Integer(), server_default='60', nullable=False)
        )
    with op.batch_alter_table('calendar_events') as batch_op:
        batch_op.add_column(
            sa.Column('reminded_at', agency.kernel.columns.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade():
    with op.batch_alter_table('calendar_events') as batch_op:
        batch_op.drop_column('reminded_at')
    with op.batch_alter_table('meeting_rules') as batch_op:
        batch_op.drop_column('reminder_minutes')
