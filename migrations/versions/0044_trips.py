"""a client's trips: who travels, and the segments in order (flights, trains, hotels,
car hire, free-form), each in UTC with the zone of each end and its calendar event

Revision ID: 0044_trips
Revises: 0043_meeting_items
Create Date: 2026-12-07 13:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

import agency.kernel.columns
from tenants import rls

# revision identifiers, used by Alembic.
revision = '0044_trips'
down_revision = '0043_meeting_items'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('trips',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('travellers', sa.JSON(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', agency.kernel.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', agency.kernel.columns.UTCDateTime(timezone=True), nullable=True),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_trips_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['client_id'], ['clients.id'], name=op.f('fk_trips_client_id_clients'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_trips_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trips')),
    )
    op.create_index(op.f('ix_trips_agency_id'), 'trips', ['agency_id'], unique=False)
    op.create_index(op.f('ix_trips_client_id'), 'trips', ['client_id'], unique=False)
    rls.enable(op, 'trips')
    op.create_table('trip_segments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trip_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('starts_at', agency.kernel.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', agency.kernel.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('start_zone', sa.String(length=64), nullable=False),
    sa.Column('end_zone', sa.String(length=64), nullable=False),
    sa.Column('origin', sa.String(length=200), nullable=True),
    sa.Column('destination', sa.String(length=200), nullable=True),
    sa.Column('carrier', sa.String(length=100), nullable=True),
    sa.Column('number', sa.String(length=20), nullable=True),
    sa.Column('seat', sa.String(length=20), nullable=True),
    sa.Column('reference', sa.String(length=100), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=True),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('created_at', agency.kernel.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_trip_segments_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['event_id'], ['calendar_events.id'], name=op.f('fk_trip_segments_event_id_calendar_events'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['trip_id'], ['trips.id'], name=op.f('fk_trip_segments_trip_id_trips'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trip_segments')),
    )
    op.create_index(op.f('ix_trip_segments_agency_id'), 'trip_segments', ['agency_id'], unique=False)
    op.create_index('ix_trip_segments_trip_starts', 'trip_segments', ['trip_id', 'starts_at'], unique=False)
    rls.enable(op, 'trip_segments')


def downgrade():
    rls.disable(op, 'trip_segments')
    op.drop_table('trip_segments')
    rls.disable(op, 'trips')
    op.drop_table('trips')
