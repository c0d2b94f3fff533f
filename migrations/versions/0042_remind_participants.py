"""whether a client's meeting participants are reminded too

Revision ID: 0042_remind_participants
Revises: 0041_invitee_zone
Create Date: 2026-12-07 09:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0042_remind_participants'
down_revision = '0041_invitee_zone'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('meeting_rules') as batch_op:
        batch_op.add_column(
            sa.Column('remind_participants', sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table('meeting_rules') as batch_op:
        batch_op.drop_column('remind_participants')
