"""travel reminders: when the client wants them (check-in opening, leaving for the
airport, a hotel's check-in), and which a segment has had

Revision ID: 0048_travel_reminders
Revises: 0047_travel_preferences
Create Date: 2026-12-07 15:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0048_travel_reminders'
down_revision = '0047_travel_preferences'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('travel_preferences') as batch_op:
        batch_op.add_column(sa.Column('checkin_hours', sa.Integer(), server_default='24', nullable=False))
        batch_op.add_column(sa.Column('leave_minutes', sa.Integer(), server_default='180', nullable=False))
        batch_op.add_column(sa.Column('hotel_hours', sa.Integer(), server_default='3', nullable=False))
    with op.batch_alter_table('trip_segments') as batch_op:
        batch_op.add_column(sa.Column('reminded', sa.JSON(), server_default='[]', nullable=False))


def downgrade():
    with op.batch_alter_table('trip_segments') as batch_op:
        batch_op.drop_column('reminded')
    with op.batch_alter_table('travel_preferences') as batch_op:
        batch_op.drop_column('hotel_hours')
        batch_op.drop_column('leave_minutes')
        batch_op.drop_column('checkin_hours')
