"""the desk item a meeting being arranged belongs to

Revision ID: 0043_meeting_items
Revises: 0042_remind_participants
Create Date: 2026-12-07 12:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0043_meeting_items'
down_revision = '0042_remind_participants'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('meeting_requests') as batch_op:
        batch_op.add_column(sa.Column('item_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_meeting_requests_item_id'), ['item_id'])
        batch_op.create_foreign_key(
            batch_op.f('fk_meeting_requests_item_id_work_items'),
            'work_items',
            ['item_id'],
            ['id'],
            ondelete='SET NULL',
        )


def downgrade():
    with op.batch_alter_table('meeting_requests') as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_meeting_requests_item_id_work_items'), type_='foreignkey'
        )
        batch_op.drop_index(batch_op.f('ix_meeting_requests_item_id'))
        batch_op.drop_column('item_id')
