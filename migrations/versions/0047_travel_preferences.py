"""the travel part of a client's instruction sheet (loyalty numbers and passport
encrypted at rest), and the audit of who read those

Revision ID: 0047_travel_preferences
Revises: 0046_proposed_segments
Create Date: 2026-12-07 14:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

import agency.kernel.columns
from tenants import rls

# revision identifiers, used by Alembic.
revision = '0047_travel_preferences'
down_revision = '0046_proposed_segments'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('travel_preferences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('seat', sa.String(length=16), nullable=True),
    sa.Column('cabin', sa.String(length=16), nullable=True),
    sa.Column('airlines', sa.JSON(), nullable=False),
    sa.Column('hotel_chains', sa.JSON(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('loyalty', agency.kernel.columns.EncryptedText(), nullable=True),
    sa.Column('passport', agency.kernel.columns.EncryptedText(), nullable=True),
    sa.Column('updated_at', agency.kernel.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_travel_preferences_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_travel_preferences_client_id_clients'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_travel_preferences')),
    sa.UniqueConstraint('agency_id', 'client_id', name=op.f('uq_travel_preferences_agency_id_client_id')),
    )
    op.create_index(op.f('ix_travel_preferences_agency_id'), 'travel_preferences', ['agency_id'], unique=False)
    rls.enable(op, 'travel_preferences')
    op.create_table('travel_reveals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('what', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=True),
    sa.Column('at', agency.kernel.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_travel_reveals_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_travel_reveals_client_id_clients'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_travel_reveals_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_travel_reveals')),
    )
    op.create_index(op.f('ix_travel_reveals_agency_id'), 'travel_reveals', ['agency_id'], unique=False)
    op.create_index(op.f('ix_travel_reveals_client_id'), 'travel_reveals', ['client_id'], unique=False)
    rls.enable(op, 'travel_reveals')


def downgrade():
    rls.disable(op, 'travel_reveals')
    op.drop_table('travel_reveals')
    rls.disable(op, 'travel_preferences')
    op.drop_table('travel_preferences')
