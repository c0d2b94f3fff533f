"""calls: warm put-through by conference, and the secretary who answered

Revision ID: 0012_calls_transfer
Revises: 0011_billing
Create Date: 2026-11-23 16:05:00.000000

"""
from alembic import op
import sqlalchemy as sa

from tenants import numbers


# revision identifiers, used by Alembic.
revision = '0012_calls_transfer'
down_revision = '0011_billing'
branch_labels = None
depends_on = None



def upgrade():
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answered_by_secretary_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('secretary_leg_sid', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('transfer_mode', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('transfer_status', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('client_leg_sid', sa.String(length=64), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_calls_answered_by_secretary_id_secretaries'),
            'secretaries', ['answered_by_secretary_id'], ['id'], ondelete='SET NULL',
        )
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(numbers.LINE_FUNCTION_SQL_V2)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(numbers.LINE_FUNCTION_SQL_V1)
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_calls_answered_by_secretary_id_secretaries'), type_='foreignkey'
        )
        batch_op.drop_column('client_leg_sid')
        batch_op.drop_column('transfer_status')
        batch_op.drop_column('transfer_mode')
        batch_op.drop_column('secretary_leg_sid')
        batch_op.drop_column('answered_by_secretary_id')
