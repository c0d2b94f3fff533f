"""segments read from booking confirmations the client forwarded (schema.org reservation
data), waiting for the secretary to add them to a trip

Revision ID: 0046_proposed_segments
Revises: 0045_trip_documents
Create Date: 2026-12-07 14:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

import agency.kernel.columns
from tenants import rls

# revision identifiers, used by Alembic.
revision = '0046_proposed_segments'
down_revision = '0045_trip_documents'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('proposed_segments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('email_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('segment', sa.JSON(), nullable=False),
    sa.Column('problem', sa.String(length=300), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('segment_id', sa.Integer(), nullable=True),
    sa.Column('created_at', agency.kernel.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', agency.kernel.columns.UTCDateTime(timezone=True), nullable=True),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_proposed_segments_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_proposed_segments_client_id_clients'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['email_id'], ['inbound_emails.id'], name=op.f('fk_proposed_segments_email_id_inbound_emails'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['segment_id'], ['trip_segments.id'], name=op.f('fk_proposed_segments_segment_id_trip_segments'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposed_segments')),
    )
    op.create_index(op.f('ix_proposed_segments_agency_id'), 'proposed_segments', ['agency_id'], unique=False)
    op.create_index(op.f('ix_proposed_segments_client_id'), 'proposed_segments', ['client_id'], unique=False)
    op.create_index(op.f('ix_proposed_segments_email_id'), 'proposed_segments', ['email_id'], unique=False)
    rls.enable(op, 'proposed_segments')


def downgrade():
    rls.disable(op, 'proposed_segments')
    op.drop_table('proposed_segments')
