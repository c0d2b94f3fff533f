"""rollover of unused hours, approval of extra hours

Revision ID: 0015_rollover
Revises: 0014_shifts
Create Date: 2026-11-23 16:10:00.000000

"""
from alembic import op
import sqlalchemy as sa

import agency.kernel.columns

from tenants import rls


# revision identifiers, used by Alembic.
revision = '0015_rollover'
down_revision = '0014_shifts'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('overage_approvals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('cap_minutes', sa.Integer(), nullable=True),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_at', agency.kernel.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_overage_approvals_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_overage_approvals_approved_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_overage_approvals_client_id_clients'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_overage_approvals'))
    )
    op.create_index(op.f('ix_overage_approvals_agency_id'), 'overage_approvals', ['agency_id'], unique=False)
    op.create_index(op.f('ix_overage_approvals_client_id'), 'overage_approvals', ['client_id'], unique=False)
    for table in ('plans', 'contracts'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('rollover_periods', sa.Integer(), nullable=False, server_default='0'))
            batch_op.add_column(sa.Column('overage_needs_approval', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rollover_minutes', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('carry_out', sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
    with op.batch_alter_table('time_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unapproved_overage', sa.Boolean(), nullable=False, server_default=sa.false()))
    rls.enable(op, 'overage_approvals')


def downgrade():
    rls.disable(op, 'overage_approvals')
    with op.batch_alter_table('time_entries', schema=None) as batch_op:
        batch_op.drop_column('unapproved_overage')
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.drop_column('carry_out')
        batch_op.drop_column('rollover_minutes')
    for table in ('contracts', 'plans'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('overage_needs_approval')
            batch_op.drop_column('rollover_periods')
    op.drop_index(op.f('ix_overage_approvals_client_id'), table_name='overage_approvals')
    op.drop_index(op.f('ix_overage_approvals_agency_id'), table_name='overage_approvals')
    op.drop_table('overage_approvals')
