"""a trip's documents: booking confirmations, e-tickets and boarding passes (PDFs and
images), kept in the database like mail attachments

Revision ID: 0045_trip_documents
Revises: 0044_trips
Create Date: 2026-12-07 13:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

import agency.kernel.columns
from tenants import rls

# revision identifiers, used by Alembic.
revision = '0045_trip_documents'
down_revision = '0044_trips'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('trip_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trip_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=True),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', agency.kernel.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_trip_documents_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['trip_id'], ['trips.id'], name=op.f('fk_trip_documents_trip_id_trips'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_trip_documents_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trip_documents')),
    )
    op.create_index(op.f('ix_trip_documents_agency_id'), 'trip_documents', ['agency_id'], unique=False)
    op.create_index(op.f('ix_trip_documents_trip_id'), 'trip_documents', ['trip_id'], unique=False)
    rls.enable(op, 'trip_documents')


def downgrade():
    rls.disable(op, 'trip_documents')
    op.drop_table('trip_documents')
