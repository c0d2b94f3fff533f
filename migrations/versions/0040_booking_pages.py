"""the client's public booking page: meeting types, and the dates the client is away

Revision ID: 0040_booking_pages
Revises: 0039_meeting_reminders
Create Date: 2026-12-07 08:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

import agency.kernel.columns
from tenants import rls

# revision identifiers, used by Alembic.
revision = '0040_booking_pages'
down_revision = '0039_meeting_reminders'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('booking_pages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('address', sa.String(length=40), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('types', sa.JSON(), nullable=False),
    sa.Column('away_from', sa.Date(), nullable=True),
    sa.Column('away_to', sa.Date(), nullable=True),
    sa.Column('away_message', sa.String(length=500), nullable=True),
    sa.Column('updated_at', agency.kernel.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_booking_pages_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_booking_pages_client_id_clients'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_pages')),
    sa.UniqueConstraint('agency_id', 'client_id', name=op.f('uq_booking_pages_agency_id_client_id')),
    sa.UniqueConstraint('address', name=op.f('uq_booking_pages_address')),
    )
    op.create_index(op.f('ix_booking_pages_agency_id'), 'booking_pages', ['agency_id'], unique=False)
    rls.enable(op, 'booking_pages')


def downgrade():
    rls.disable(op, 'booking_pages')
    op.drop_table('booking_pages')
