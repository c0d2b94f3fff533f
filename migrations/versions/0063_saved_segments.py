"""a client's saved lists: a name for an audience of their consenting contacts

Revision ID: 0063_saved_segments
Revises: 0062_campaign_image
Create Date: 2026-12-07 17:40:56.686541

"""
import sqlalchemy as sa
from alembic import op

import agency.kernel.columns
from tenants import rls


# revision identifiers, used by Alembic.
revision = '0063_saved_segments'
down_revision = '0062_campaign_image'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('contact_segments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('criteria', sa.JSON(), nullable=False),
    sa.Column('created_at', agency.kernel.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_contact_segments_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_contact_segments_client_id_clients'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_segments')),
    sa.UniqueConstraint('client_id', 'name', name=op.f('uq_contact_segments_client_id_name'))
    )
    op.create_index(op.f('ix_contact_segments_agency_id'), 'contact_segments', ['agency_id'], unique=False)
    op.create_index(op.f('ix_contact_segments_client_id'), 'contact_segments', ['client_id'], unique=False)
    rls.enable(op, 'contact_segments')


def downgrade():
    rls.disable(op, 'contact_segments')
    op.drop_index(op.f('ix_contact_segments_client_id'), table_name='contact_segments')
    op.drop_index(op.f('ix_contact_segments_agency_id'), table_name='contact_segments')
    op.drop_table('contact_segments')
