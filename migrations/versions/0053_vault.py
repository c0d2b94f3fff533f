"""a client's vault of logins, the secrets encrypted at rest, and the audit of every
reading of one

Revision ID: 0053_vault
Revises: 0052_contact_log
Create Date: 2026-12-07 17:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

import agency.kernel.columns
from tenants import rls

# revision identifiers, used by Alembic.
revision = '0053_vault'
down_revision = '0052_contact_log'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('vault_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=True),
    sa.Column('username', sa.String(length=200), nullable=True),
    sa.Column('secret', agency.kernel.columns.EncryptedText(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('expires_on', sa.Date(), nullable=True),
    sa.Column('created_at', agency.kernel.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', agency.kernel.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_vault_entries_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_vault_entries_client_id_clients'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vault_entries')),
    )
    op.create_index(op.f('ix_vault_entries_agency_id'), 'vault_entries', ['agency_id'], unique=False)
    op.create_index(op.f('ix_vault_entries_client_id'), 'vault_entries', ['client_id'], unique=False)
    rls.enable(op, 'vault_entries')
    op.create_table('vault_reveals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=True),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=True),
    sa.Column('at', agency.kernel.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_vault_reveals_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_vault_reveals_client_id_clients'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['entry_id'], ['vault_entries.id'], name=op.f('fk_vault_reveals_entry_id_vault_entries'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_vault_reveals_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vault_reveals')),
    )
    op.create_index(op.f('ix_vault_reveals_agency_id'), 'vault_reveals', ['agency_id'], unique=False)
    op.create_index(op.f('ix_vault_reveals_at'), 'vault_reveals', ['at'], unique=False)
    op.create_index(op.f('ix_vault_reveals_client_id'), 'vault_reveals', ['client_id'], unique=False)
    op.create_index(op.f('ix_vault_reveals_entry_id'), 'vault_reveals', ['entry_id'], unique=False)
    rls.enable(op, 'vault_reveals')


def downgrade():
    rls.disable(op, 'vault_reveals')
    op.drop_table('vault_reveals')
    rls.disable(op, 'vault_entries')
    op.drop_table('vault_entries')
