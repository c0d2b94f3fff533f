"""the agency's rule for its clients' vaults: whether a client's people may read back
the passwords they keep

Revision ID: 0057_vault_policies
Revises: 0056_vault_refusals
Create Date: 2026-12-07 15:02:43.671552

"""
import sqlalchemy as sa
from alembic import op

from tenants import rls


# revision identifiers, used by Alembic.
revision = '0057_vault_policies'
down_revision = '0056_vault_refusals'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('vault_policies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('clients_read_back', sa.Boolean(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_vault_policies_agency_id_agencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vault_policies')),
    sa.UniqueConstraint('agency_id', name=op.f('uq_vault_policies_agency_id'))
    )
    op.create_index(op.f('ix_vault_policies_agency_id'), 'vault_policies', ['agency_id'], unique=False)
    rls.enable(op, 'vault_policies')


def downgrade():
    op.drop_index(op.f('ix_vault_policies_agency_id'), table_name='vault_policies')
    rls.disable(op, 'vault_policies')
    op.drop_table('vault_policies')
